//===- ParallelCodegen.cpp - LLVM optimisation and codegen on all cores ---===//

#include "compiler/ParallelCodegen.h"

#include "compiler/ObjectCache.h"

#include "mlir/ExecutionEngine/OptUtils.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/SplitModule.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <mutex>

namespace seqc {

namespace {
/// One partition: parsed into a fresh context, optimised, compiled to
/// `path`. Returns an error message, empty on success.
std::string compilePart(
    const llvm::SmallString<0> &bitcode, const std::string &path,
    unsigned optLevel,
    const std::function<std::unique_ptr<llvm::TargetMachine>()> &makeMachine) {
  llvm::LLVMContext context;
  llvm::Expected<std::unique_ptr<llvm::Module>> part = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(llvm::StringRef(bitcode.data(), bitcode.size()),
                            "partition"),
      context);
  if (!part)
    return "cannot read a module partition back: " +
           llvm::toString(part.takeError());
  std::unique_ptr<llvm::TargetMachine> machine = makeMachine();
  if (!machine)
    return "cannot create a target machine";
  auto optimize =
      mlir::makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, machine.get());
  if (llvm::Error err = optimize(part->get()))
    return "LLVM optimisation failed: " + llvm::toString(std::move(err));
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return "cannot write '" + path + "': " + ec.message();
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return "the target cannot emit object files";
  pm.run(**part);
  return "";
}

/// Calls `visit` on every global value `value` refers to, looking through
/// constant expressions and aggregates.
void forEachReferencedGlobal(
    const llvm::Value *value, llvm::SmallPtrSetImpl<const llvm::Value *> &seen,
    llvm::function_ref<void(llvm::GlobalValue *)> visit) {
  if (!seen.insert(value).second)
    return;
  if (auto *global = llvm::dyn_cast<llvm::GlobalValue>(value)) {
    visit(const_cast<llvm::GlobalValue *>(global));
    return;
  }
  if (auto *constant = llvm::dyn_cast<llvm::Constant>(value))
    for (const llvm::Use &op : constant->operands())
      forEachReferencedGlobal(op.get(), seen, visit);
}

/// `root` and the local definitions it reaches (functions it calls or
/// whose address it takes, such as its OpenMP bodies, and constants), in
/// the order they are first met; empty when one of them is a mutable
/// global, which a partition of its own must not duplicate.
std::vector<llvm::GlobalValue *> localClosure(llvm::Function &root) {
  std::vector<llvm::GlobalValue *> closure = {&root};
  llvm::SmallPtrSet<const llvm::Value *, 32> seen;
  llvm::SmallPtrSet<llvm::GlobalValue *, 16> added = {&root};
  bool mutableGlobal = false;
  for (size_t i = 0; i < closure.size(); ++i) {
    auto visit = [&](llvm::GlobalValue *global) {
      if (!global->hasLocalLinkage() || global->isDeclaration() ||
          !added.insert(global).second)
        return;
      if (auto *variable = llvm::dyn_cast<llvm::GlobalVariable>(global))
        mutableGlobal |= !variable->isConstant();
      closure.push_back(global);
    };
    if (auto *fn = llvm::dyn_cast<llvm::Function>(closure[i])) {
      for (const llvm::Instruction &inst : llvm::instructions(*fn))
        for (const llvm::Use &op : inst.operands())
          forEachReferencedGlobal(op.get(), seen, visit);
    } else if (auto *variable =
                   llvm::dyn_cast<llvm::GlobalVariable>(closure[i])) {
      if (variable->hasInitializer())
        forEachReferencedGlobal(variable->getInitializer(), seen, visit);
    }
  }
  if (mutableGlobal)
    return {};
  return closure;
}

/// `<entry>_layer_<n>`: a function seq-outline-layers built.
bool isLayer(llvm::StringRef name) {
  size_t at = name.rfind("_layer_");
  if (at == llvm::StringRef::npos || at == 0)
    return false;
  llvm::StringRef number = name.drop_front(at + 7);
  return !number.empty() && llvm::all_of(number, llvm::isDigit);
}

/// Moves each outlined layer (seq-outline-layers names them
/// `<entry>_layer_<n>`) with the local code only it needs into a module of
/// its own, written as bitcode to `parts`: its object then depends on the
/// layer alone, so the cache reuses it when only the model's depth changed.
/// The layer becomes a hidden declaration in `module`.
void splitOffLayers(llvm::Module &module,
                    std::vector<llvm::SmallString<0>> &parts) {
  std::vector<std::vector<llvm::GlobalValue *>> closures;
  for (llvm::Function &fn : module)
    if (!fn.isDeclaration() && fn.hasLocalLinkage() && isLayer(fn.getName()))
      if (std::vector<llvm::GlobalValue *> closure = localClosure(fn);
          !closure.empty())
        closures.push_back(std::move(closure));
  for (auto &closure : closures) {
    closure[0]->setLinkage(llvm::GlobalValue::ExternalLinkage);
    closure[0]->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }
  for (auto &closure : closures) {
    llvm::DenseSet<const llvm::GlobalValue *> keep(closure.begin(),
                                                   closure.end());
    llvm::ValueToValueMapTy map;
    std::unique_ptr<llvm::Module> part = llvm::CloneModule(
        module, map, [&](const llvm::GlobalValue *g) { return keep.count(g); });
    // Declarations of the rest of the model, and the names the rest gave
    // the layer's local code, would make the bitcode depend on the rest.
    for (llvm::GlobalValue &g :
         llvm::make_early_inc_range(part->global_values())) {
      g.removeDeadConstantUsers();
      if (g.isDeclaration() && g.use_empty())
        g.eraseFromParent();
    }
    std::string prefix = closure[0]->getName().str() + ".local.";
    for (size_t i = 1; i < closure.size(); ++i)
      if (closure[i]->hasName())
        llvm::cast<llvm::GlobalValue>(map[closure[i]])
            ->setName(prefix + std::to_string(i));
    part->setModuleIdentifier("seqc-partition");
    part->setSourceFileName("seqc-partition");
    llvm::raw_svector_ostream os(parts.emplace_back());
    llvm::WriteBitcodeToFile(*part, os);
  }
  for (auto &closure : closures)
    llvm::cast<llvm::Function>(closure[0])->deleteBody();
  // The local code only the layers used is dead now.
  for (bool erased = true; erased;) {
    erased = false;
    for (llvm::GlobalValue &g :
         llvm::make_early_inc_range(module.global_values())) {
      g.removeDeadConstantUsers();
      if (g.hasLocalLinkage() && g.use_empty()) {
        g.eraseFromParent();
        erased = true;
      }
    }
  }
}

} // namespace

bool emitObjectsInParallel(
    llvm::Module &module, const ParallelCodegenOptions &options,
    const std::function<std::unique_ptr<llvm::TargetMachine>()> &makeMachine,
    std::vector<std::string> &objects, std::string &error) {
  // Partitions leave as bitcode: a context is not shared between threads.
  std::vector<llvm::SmallString<0>> parts;
  splitOffLayers(module, parts);
  llvm::SplitModule(module, std::max(1u, options.parts),
                    [&](std::unique_ptr<llvm::Module> part) {
                      if (part->empty() && part->global_empty())
                        return;
                      // The input's name is not part of what is compiled
                      // (nor of the cache key).
                      part->setModuleIdentifier("seqc-partition");
                      part->setSourceFileName("seqc-partition");
                      llvm::raw_svector_ostream os(parts.emplace_back());
                      llvm::WriteBitcodeToFile(*part, os);
                    });
  size_t first = objects.size();
  for (size_t i = 0; i < parts.size(); ++i) {
    llvm::SmallString<256> path;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("seqc-part", "o", path)) {
      error = "cannot create a temporary object file: " + ec.message();
      return false;
    }
    objects.push_back(std::string(path));
  }
  llvm::ThreadPoolStrategy strategy =
      options.threads ? llvm::heavyweight_hardware_concurrency(options.threads)
                      : llvm::heavyweight_hardware_concurrency();
  llvm::DefaultThreadPool pool(strategy);
  std::mutex mutex;
  unsigned done = 0, total = static_cast<unsigned>(parts.size());
  auto partDone = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    ++done;
    if (options.onPartDone)
      options.onPartDone(done, total);
  };
  for (size_t i = 0; i < parts.size(); ++i)
    pool.async([&, i] {
      const std::string &path = objects[first + i];
      std::string key;
      if (options.cache) {
        key = options.cache->key(parts[i].str());
        if (options.cache->fetch(key, path)) {
          partDone();
          return;
        }
      }
      std::string message =
          compilePart(parts[i], path, options.optLevel, makeMachine);
      if (message.empty() && options.cache)
        options.cache->store(key, path);
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!message.empty() && error.empty())
          error = message;
      }
      partDone();
    });
  pool.wait();
  return error.empty();
}

} // namespace seqc
