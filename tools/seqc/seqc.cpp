//===- seqc.cpp - the seqc compiler driver
//---------------------------------===//
//
//   seqc model.mlir -o model.so [--target=cpu] [--mcpu=NAME|native] [-O3]
//        [--emit=seq|linalg|llvm-dialect|llvm-ir|obj|so]
//
// A thin main over compiler/Driver: option parsing and locating the support
// library installed beside the binary.
//
//===----------------------------------------------------------------------===//

#include "compiler/Driver.h"
#include "compiler/ObjectCache.h"
#include "tools/seqc/ImportCommand.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"

namespace cl = llvm::cl;

static cl::OptionCategory category("seqc options");

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string>
    outputPath("o",
               cl::desc("Output file (default: the input's name with the "
                        "extension of --emit)"),
               cl::value_desc("path"), cl::cat(category));
static cl::opt<std::string>
    emit("emit",
         cl::desc("Stop after this phase: seq, linalg, llvm-dialect, llvm-ir, "
                  "obj, so (default); ptx with --target=cuda"),
         cl::init("so"), cl::cat(category));
static cl::opt<std::string> target(
    "target",
    cl::desc("Target: cpu (default), or cuda[:sm_80|sm_90|sm_90a] for NVIDIA "
             "GPUs (kernels as PTX; --emit=ptx writes them)"),
    cl::init("cpu"), cl::cat(category));
static cl::opt<std::string> gpuMatmul(
    "gpu-matmul",
    cl::desc("f32 matrix products with --target=cuda: tf32x3 (tensor cores, "
             "near-f32 accuracy; default), tf32 (tensor cores, one pass, "
             "PyTorch's allow_tf32 accuracy) or simt (no tensor cores)"),
    cl::init("tf32x3"), cl::cat(category));
static cl::opt<std::string>
    mcpu("mcpu",
         cl::desc("CPU to tune and select features for; 'native' is "
                  "this machine (default)"),
         cl::init("native"), cl::cat(category));
enum OptLevel { O0 = 0, O1, O2, O3 };
static cl::opt<OptLevel> optLevel(
    cl::desc("LLVM optimisation level:"),
    cl::values(clEnumValN(O0, "O0", "none"), clEnumValN(O1, "O1", "less"),
               clEnumValN(O2, "O2", "default"),
               clEnumValN(O3, "O3", "aggressive (default)")),
    cl::init(O3), cl::cat(category));
static cl::opt<unsigned> codegenParts(
    "codegen-parts",
    cl::desc("Partitions a shared library is optimised and compiled in, in "
             "parallel (1: the whole module at once; the output depends on "
             "this, never on the thread count)"),
    cl::init(8), cl::cat(category));
static cl::opt<unsigned>
    codegenThreads("codegen-threads",
                   cl::desc("Threads compiling the partitions (0: all cores)"),
                   cl::init(0), cl::cat(category));
static cl::opt<std::string> cacheDir(
    "cache-dir",
    cl::desc("Folder of compiled partitions reused by later compiles "
             "(default: $SEQC_CACHE_DIR, else $XDG_CACHE_HOME/seqc, else "
             "~/.cache/seqc)"),
    cl::init(""), cl::cat(category));
static cl::opt<bool> noCache("no-cache",
                             cl::desc("Neither read nor fill the cache of "
                                      "compiled partitions"),
                             cl::cat(category));
static cl::opt<int> numThreadsDefault(
    "num-threads-default",
    cl::desc("Threads the runtime uses for this model unless told otherwise "
             "(0: all cores)"),
    cl::init(0), cl::cat(category));
static cl::opt<bool> parallel(
    "parallel",
    cl::desc("Run parallel loops on OpenMP threads (default on; "
             "--parallel=false gives a single-threaded model without libomp)"),
    cl::init(true), cl::cat(category));
static cl::opt<bool> fuseAttention(
    "fuse-attention",
    cl::desc("Rewrite unfused attention (Q·Kᵀ, scale, mask, softmax, ·V in "
             "linalg) into seq.attention (default on)"),
    cl::init(true), cl::cat(category));
static cl::opt<bool> outlineLayers(
    "outline-layers",
    cl::desc("Compile each distinct layer (seq.layer) once as a function "
             "called per layer (default on, CPU); --outline-layers=false "
             "splices every layer into the entry points"),
    cl::init(true), cl::cat(category));
static cl::opt<bool> packWeights(
    "pack-weights",
    cl::desc("Lay out projection weights in panels of 64 columns at load "
             "time, read in place by the projection kernel (default on, "
             "CPU; the runtime keeps a repacked copy instead of mapping "
             "the file)"),
    cl::init(true), cl::cat(category));
static cl::opt<int> scanSegments(
    "scan-segments",
    cl::desc("Cut selective scans into this many time segments run in "
             "parallel (two-pass prefix: twice the work; pays off when "
             "batch x channels/128 is below the thread count; default 1)"),
    cl::init(1), cl::cat(category));
static cl::opt<long> parallelThreshold(
    "parallel-threshold",
    cl::desc("Smallest loop nest (iterations) run on threads (default 32768)"),
    cl::init(32768), cl::cat(category));
static cl::opt<bool> printPipeline("print-pipeline",
                                   cl::desc("Print the pass pipeline"),
                                   cl::cat(category));
static cl::opt<bool> printIRAfterAll("print-ir-after-all",
                                     cl::desc("Print the IR after every pass"),
                                     cl::cat(category));
static cl::opt<bool>
    timing("time-report",
           cl::desc("Report the time of every MLIR pass and LLVM phase "
                    "(optimisation, code generation, link)"),
           cl::cat(category));
static cl::alias timingAlias("mlir-timing", cl::desc("Alias for --time-report"),
                             cl::aliasopt(timing), cl::cat(category));
static cl::opt<bool>
    verbose("verbose",
            cl::desc("Print each phase (parse, passes, translation, code "
                     "generation, link) and its time; without it a terminal "
                     "shows one progress line"),
            cl::cat(category));
static cl::alias verboseAlias("v", cl::desc("Alias for --verbose"),
                              cl::aliasopt(verbose), cl::cat(category));

/// The extension of each phase's output.
static const char *extensionOf(seqc::Phase phase) {
  switch (phase) {
  case seqc::Phase::Seq:
  case seqc::Phase::Linalg:
  case seqc::Phase::LLVMDialect:
    return ".mlir";
  case seqc::Phase::PTX:
    return ".ptx";
  case seqc::Phase::LLVMIR:
    return ".ll";
  case seqc::Phase::Object:
    return ".o";
  case seqc::Phase::SharedLib:
    return ".so";
  }
  return "";
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (argc > 1 && llvm::StringRef(argv[1]) == "import")
    return seqc::importCommand(argc - 2, argv + 2);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "seqc: compile a seq-dialect model to a shared library\n\n"
      "  seqc model.mlir -o model.so\n"
      "  seqc import hf MODEL_DIR -o model.mlir   (see seqc import --help)\n"
      "  seqc import gguf MODEL.gguf -o model.mlir\n");

  std::optional<seqc::Phase> phase = seqc::parsePhase(emit);
  if (!phase) {
    llvm::errs() << "seqc: error: unknown --emit=" << emit
                 << " (expected seq, linalg, llvm-dialect, llvm-ir, obj, so)\n";
    return 1;
  }
  seqc::CompileOptions options;
  options.inputPath = inputPath;
  options.emit = *phase;
  options.target = target;
  options.mcpu = mcpu;
  options.optLevel = optLevel;
  if (codegenParts < 1 || codegenParts > 256) {
    llvm::errs() << "seqc: error: --codegen-parts must be in [1, 256]\n";
    return 1;
  }
  options.codegenParts = codegenParts;
  options.codegenThreads = codegenThreads;
  if (!noCache)
    options.cacheDir =
        cacheDir.empty() ? seqc::ObjectCache::defaultDirectory() : cacheDir;
  options.numThreadsDefault = numThreadsDefault;
  options.parallel = parallel;
  options.parallelThreshold = parallelThreshold;
  options.fuseAttention = fuseAttention;
  options.outlineLayers = outlineLayers;
  options.packWeights = packWeights;
  if (scanSegments < 1) {
    llvm::errs() << "seqc: error: --scan-segments must be at least 1\n";
    return 1;
  }
  options.scanSegments = scanSegments;
  if (gpuMatmul != "tf32x3" && gpuMatmul != "tf32" && gpuMatmul != "simt") {
    llvm::errs() << "seqc: error: unknown --gpu-matmul=" << gpuMatmul
                 << " (expected tf32x3, tf32 or simt)\n";
    return 1;
  }
  options.gpuMatmul = gpuMatmul;
  options.printPipeline = printPipeline;
  options.printIRAfterAll = printIRAfterAll;
  options.timing = timing;
  options.verbose = verbose;
  if (outputPath.empty()) {
    llvm::SmallString<256> path(inputPath == "-" ? "out"
                                                 : inputPath.getValue());
    llvm::sys::path::replace_extension(path, extensionOf(*phase));
    options.outputPath = std::string(path);
  } else {
    options.outputPath = outputPath;
  }
  // The support library sits in ../lib next to bin/seqc, in the build tree
  // and in an installation alike.
  std::string exe = llvm::sys::fs::getMainExecutable(
      argv[0], reinterpret_cast<void *>(&main));
  llvm::SmallString<256> support(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(support, "lib", "libseqc_model_support.a");
  options.supportLibrary = std::string(support);
  options.linkerDriver = SEQC_LINKER_DRIVER;
  options.openmpLibraryDir = SEQC_OPENMP_LIBRARY_DIR;
  return seqc::compile(options) ? 0 : 1;
}
