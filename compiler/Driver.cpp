//===- Driver.cpp - seqc's compiler driver --------------------------------===//

#include "compiler/Driver.h"
#include "compiler/ObjectCache.h"
#include "compiler/OutputFile.h"
#include "compiler/ParallelCodegen.h"
#include "compiler/Progress.h"
#include "dialects/seq/IR/SeqDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <mutex>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

using namespace mlir;

namespace seqc {
namespace {

void error(const llvm::Twine &message) {
  Progress::eraseActive();
  llvm::errs() << "seqc: error: " << message << "\n";
}

std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CompileOptions &options) {
  // Parallel code generation creates a machine per worker thread.
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string message;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, message);
  if (!target) {
    error("no LLVM target for " + triple.str() + ": " + message);
    return nullptr;
  }
  std::string cpu = options.mcpu;
  llvm::SubtargetFeatures features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      features.AddFeature(feature.first(), feature.second);
  }
  llvm::CodeGenOptLevel level =
      options.optLevel == 0   ? llvm::CodeGenOptLevel::None
      : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
      : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                              : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features.getString(), llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, level));
  if (!machine)
    error("cannot create a target machine for CPU '" + cpu + "'");
  return machine;
}

/// Whether the CPU kernels may use AMX-BF16 tiles: the target has them and,
/// on Linux, the kernel grants this process the tile state (the runtime
/// asks again for the process that loads the model).
bool amxUsable(const llvm::TargetMachine &machine) {
  if (!machine.getMCSubtargetInfo()->checkFeatures("+amx-bf16,+amx-tile"))
    return false;
#if defined(__linux__) && defined(__x86_64__)
  constexpr long kRequestPermission = 0x1023, kTileData = 18;
  if (syscall(SYS_arch_prctl, kRequestPermission, kTileData) != 0)
    return false;
#endif
  return true;
}

bool emitObject(llvm::Module &module, llvm::TargetMachine &machine,
                const std::string &path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error("cannot write '" + path + "': " + ec.message());
    return false;
  }
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile)) {
    error("the target cannot emit object files");
    return false;
  }
  pm.run(module);
  return true;
}

bool linkSharedLibrary(const CompileOptions &options,
                       const std::vector<std::string> &objects,
                       const std::string &output) {
  std::string driver = options.linkerDriver;
  if (driver.empty() || !llvm::sys::fs::can_execute(driver)) {
    error("linker driver not found ('" + driver +
          "'); install clang-22 and lld-22");
    return false;
  }
  // -z defs: every symbol must resolve now, not when the runtime loads it.
  std::vector<std::string> args = {driver,        "-shared", "-fuse-ld=lld",
                                   "-Wl,-z,defs", "-o",      output};
  args.insert(args.end(), objects.begin(), objects.end());
  if (!options.supportLibrary.empty())
    args.push_back(options.supportLibrary);
  bool cuda = llvm::StringRef(options.target).starts_with("cuda");
  if (cuda) {
    // The mgpu* launch API on the CUDA driver, opened with dlopen
    // (model_support/CudaLaunch.c).
    args.push_back("-ldl");
  } else if (options.parallel) {
    // The LLVM release's libomp, found again at load time via the RPATH.
    args.push_back("-L" + options.openmpLibraryDir);
    args.push_back("-Wl,-rpath," + options.openmpLibraryDir);
    args.push_back("-lomp");
  }
  args.push_back("-lm");
  args.push_back(
      "-lpthread"); // BufferCache.c's lock (in libc since glibc 2.34)
  SmallVector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, argRefs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error("linking '" + output + "' failed" +
          (message.empty() ? "" : ": " + message));
    return false;
  }
  return true;
}

} // namespace

/// "cuda" or "cuda:sm_NN[a]" -> the chip; nullopt for other targets.
static std::optional<std::string> cudaChip(llvm::StringRef target) {
  if (target == "cuda")
    return std::string("sm_80");
  if (!target.consume_front("cuda:"))
    return std::nullopt;
  llvm::StringRef digits = target;
  if (!digits.consume_front("sm_"))
    return std::nullopt;
  digits.consume_back("a");
  unsigned version;
  if (digits.empty() || digits.getAsInteger(10, version) || version < 70)
    return std::nullopt;
  return target.str();
}

/// The model's kernels as one PTX module (seq-gpu-merge-kernel-modules put
/// them in one gpu.module), as ptxas and the driver take it.
static bool writePtx(ModuleOp module, const std::string &path) {
  SmallVector<gpu::ObjectAttr> objects;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      if (auto obj = dyn_cast<gpu::ObjectAttr>(object))
        objects.push_back(obj);
  });
  if (objects.empty()) {
    error("the model has no GPU kernels (nothing to write as PTX)");
    return false;
  }
  if (objects.size() != 1) {
    error("the model's kernels are in " + std::to_string(objects.size()) +
          " modules, not one (nothing written)");
    return false;
  }
  return writeOutputFile(path, [&](llvm::raw_ostream &os) {
    os << objects.front().getObject().getValue();
  });
}

/// Kernels that call libdevice functions nobody linked fail only in ptxas
/// or the driver's JIT; say so here.
static bool checkLibdeviceResolved(ModuleOp module, bool haveLibdevice) {
  bool ok = true;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      if (auto obj = dyn_cast<gpu::ObjectAttr>(object)) {
        // Declared externs: malloc and free are the driver's; __nv_* are
        // libdevice's and must have been linked in.
        llvm::StringRef ptx = obj.getObject().getValue();
        size_t at = ptx.find(".extern .func");
        while (at != llvm::StringRef::npos && ok) {
          llvm::StringRef decl = ptx.substr(at, ptx.find('\n', at) - at);
          at = ptx.find(".extern .func", at + 1);
          size_t name = decl.find("__nv_");
          if (name == llvm::StringRef::npos)
            continue;
          llvm::StringRef callee = decl.substr(name);
          callee = callee.take_until(
              [](char c) { return c == '(' || c == ' ' || c == ';'; });
          error("kernel module @" + binary.getName().str() + " calls " +
                callee.str() +
                (haveLibdevice ? ", which libdevice did not resolve"
                               : " but libdevice.10.bc was not found (set "
                                 "CUDA_HOME to the CUDA toolkit)"));
          ok = false;
        }
      }
  });
  return ok;
}

bool compile(const CompileOptions &options) {
  std::optional<std::string> chip = cudaChip(options.target);
  if (options.target != "cpu" && !chip) {
    error("unknown target '" + options.target +
          "' (supported: cpu, cuda, cuda:sm_NN[a] with NN >= 70)");
    return false;
  }
  if (options.emit == Phase::PTX && !chip) {
    error("--emit=ptx needs --target=cuda");
    return false;
  }
  if (options.gpuMatmul != "tf32x3" && !chip) {
    error("--gpu-matmul=" + options.gpuMatmul + " needs --target=cuda");
    return false;
  }

  // Phases: parse, MLIR passes, then as far as --emit goes: translation,
  // LLVM optimisation and code generation, link.
  unsigned phases =
      options.emit <= Phase::LLVMDialect || options.emit == Phase::PTX ? 2
      : options.emit == Phase::LLVMIR                                  ? 4
      : options.emit == Phase::Object                                  ? 4
                                                                       : 5;
  Progress progress("seqc", options.verbose, phases);
  progress.begin("parsing " + options.inputPath);

  DialectRegistry registry;
  registerCompilerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Errors name the op and its location; the whole op (often the whole
  // model) is not printed after them.
  context.printOpOnDiagnostic(false);

  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(options.inputPath, &message);
  if (!input) {
    error("cannot read '" + options.inputPath + "': " + message);
    return false;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  // Runs before it (handlers run last registered first): a diagnostic
  // starts on a clean line, then falls through to be printed.
  context.getDiagEngine().registerHandler([](Diagnostic &) {
    Progress::eraseActive();
    return failure();
  });
  // Parsing also verifies: syntax and verifier errors carry file:line:col.
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return false;
  // A compiled model is self-contained: the runtime loads nothing for it, so
  // a call to a function without a body could never be resolved.
  for (Operation &op : module->getBody()->getOperations())
    if (auto fn = dyn_cast<FunctionOpInterface>(op); fn && fn.isExternal()) {
      emitError(fn.getLoc())
          << "function '@" << SymbolTable::getSymbolName(fn).getValue()
          << "' is declared but has no body; a model "
             "cannot call functions defined elsewhere";
      return false;
    }
  if (chip)
    (*module)->setAttr(seqc::seq::SeqDialect::TargetAttrHelper::getNameStr(),
                       Builder(&context).getStringAttr("cuda:" + *chip));
  if (options.numThreadsDefault > 0)
    (*module)->setAttr(
        seqc::seq::SeqDialect::NumThreadsDefaultAttrHelper::getNameStr(),
        Builder(&context).getI64IntegerAttr(options.numThreadsDefault));

  DefaultTimingManager timing;
  timing.setEnabled(options.timing);
  TimingScope rootTiming = timing.getRootScope();
  PassManager pm(&context);
  // --time-report: the MLIR passes one by one, then each LLVM phase.
  TimingScope passesTiming = rootTiming.nest("MLIR passes");
  pm.enableTiming(passesTiming);
  if (options.printIRAfterAll) {
    context.disableMultithreading();
    pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                        [](Pass *, Operation *) { return true; },
                        /*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/false);
  }
  // The target decides what the lowering may use (AVX-512's vscalefps).
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options);
  if (!machine)
    return false;
  // One options struct per target's pipeline, as seq-opt's
  // --seqc-cpu-pipeline / --seqc-gpu-pipeline take it.
  Phase last = std::min(options.emit, Phase::LLVMDialect);
  GpuPipelineOptions gpu;
  if (chip) {
    gpu.fuseAttention = options.fuseAttention;
    gpu.chip = *chip;
    gpu.matmul = options.gpuMatmul;
    gpu.libdevice = findLibdevice();
    buildGpuPipeline(pm, gpu, last);
  } else {
    CpuPipelineOptions cpu;
    cpu.fuseAttention = options.fuseAttention;
    cpu.outlineLayers = options.outlineLayers;
    cpu.packWeights = options.packWeights;
    cpu.scanSegments = options.scanSegments;
    cpu.avx512 = machine->getMCSubtargetInfo()->checkFeatures("+avx512f");
    cpu.amx = amxUsable(*machine);
    cpu.parallel = options.parallel;
    cpu.parallelThreshold = options.parallelThreshold;
    buildCpuPipeline(pm, cpu, last);
  }
  if (options.printPipeline) {
    pm.printAsTextualPipeline(llvm::errs());
    llvm::errs() << "\n";
  }
  progress.begin("MLIR passes (" + std::to_string(pm.size()) + ")");
  if (failed(pm.run(*module)))
    return false;
  passesTiming.stop();

  if (chip && options.emit >= Phase::LLVMDialect &&
      !checkLibdeviceResolved(*module, !gpu.libdevice.getValue().empty()))
    return false;
  if (options.emit == Phase::PTX || options.emit <= Phase::LLVMDialect) {
    bool written =
        options.emit == Phase::PTX
            ? writePtx(*module, options.outputPath)
            : writeOutputFile(options.outputPath, [&](llvm::raw_ostream &os) {
                module->print(os);
              });
    if (written)
      progress.finish();
    return written;
  }

  progress.begin("translation to LLVM IR");
  TimingScope translateTiming = rootTiming.nest("translation to LLVM IR");
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext);
  translateTiming.stop();
  if (!llvmModule) {
    error("translation to LLVM IR failed");
    return false;
  }
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple());
  // A shared library is optimised and compiled in partitions on every core
  // (ParallelCodegen.h); LLVM IR and object output stay one module.
  bool partitioned =
      options.emit == Phase::SharedLib && options.codegenParts > 1;
  if (!partitioned) {
    progress.begin("LLVM optimisation");
    auto optimize = makeOptimizingTransformer(options.optLevel,
                                              /*sizeLevel=*/0, machine.get());
    TimingScope optimizeTiming = rootTiming.nest("LLVM optimisation");
    if (llvm::Error err = optimize(llvmModule.get())) {
      error("LLVM optimisation failed: " + llvm::toString(std::move(err)));
      return false;
    }
  }
  if (options.emit == Phase::LLVMIR) {
    if (!writeOutputFile(options.outputPath, [&](llvm::raw_ostream &os) {
          llvmModule->print(os, nullptr);
        }))
      return false;
    progress.finish();
    return true;
  }

  if (options.outputPath == "-") {
    error("binary output (obj, so) needs a file name (-o)");
    return false;
  }
  AtomicOutput out(options.outputPath);
  if (!out.create())
    return false;
  if (options.emit == Phase::Object) {
    progress.begin("LLVM code generation");
    TimingScope codegenTiming = rootTiming.nest("LLVM code generation");
    if (!emitObject(*llvmModule, *machine, out.temp()) || !out.commit())
      return false;
    progress.finish();
    return true;
  }

  // Objects in temporary files, linked into the (temporary) library.
  std::vector<std::string> objects;
  llvm::scope_exit removeObjects([&] {
    for (const std::string &object : objects)
      llvm::sys::fs::remove(object);
  });
  if (partitioned) {
    TimingScope codegenTiming =
        rootTiming.nest("LLVM optimisation and code generation (" +
                        std::to_string(options.codegenParts) + " partitions)");
    progress.begin("LLVM optimisation and code generation");
    ParallelCodegenOptions parallel;
    parallel.parts = options.codegenParts;
    parallel.onPartDone = [&](unsigned done, unsigned total) {
      progress.step(std::to_string(done) + "/" + std::to_string(total) +
                        " partitions",
                    done == total);
    };
    parallel.threads = options.codegenThreads;
    parallel.optLevel = options.optLevel;
    // A cached object depends on the partition's bitcode and on this.
    std::unique_ptr<ObjectCache> cache;
    if (!options.cacheDir.empty()) {
      cache = std::make_unique<ObjectCache>(
          options.cacheDir, machine->getTargetTriple().str() + " " +
                                machine->getTargetCPU().str() + " " +
                                machine->getTargetFeatureString().str() +
                                " pic -O" + std::to_string(options.optLevel));
      parallel.cache = cache.get();
    }
    std::string message;
    if (!emitObjectsInParallel(
            *llvmModule, parallel, [&] { return createTargetMachine(options); },
            objects, message)) {
      error(message);
      return false;
    }
    codegenTiming.stop();
    if (cache && options.timing)
      llvm::errs() << "seqc: object cache: " << cache->hits() << " of "
                   << cache->hits() + cache->misses() << " partitions reused ("
                   << cache->directory() << ")\n";
  } else {
    progress.begin("LLVM code generation");
    TimingScope codegenTiming = rootTiming.nest("LLVM code generation");
    llvm::SmallString<256> objectPath;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("seqc", "o", objectPath)) {
      error("cannot create a temporary object file: " + ec.message());
      return false;
    }
    objects.push_back(std::string(objectPath));
    if (!emitObject(*llvmModule, *machine, objects.back()))
      return false;
  }
  progress.begin("link");
  TimingScope linkTiming = rootTiming.nest("link");
  if (!linkSharedLibrary(options, objects, out.temp()) || !out.commit())
    return false;
  linkTiming.stop();
  progress.finish();
  return true;
}

} // namespace seqc
