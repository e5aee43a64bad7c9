//===- ParallelCodegen.cpp - LLVM optimisation and codegen on all cores ---===//

#include "compiler/ParallelCodegen.h"

#include "compiler/ObjectCache.h"

#include "mlir/ExecutionEngine/OptUtils.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
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
#include "llvm/Transforms/Utils/SplitModule.h"

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
} // namespace

bool emitObjectsInParallel(
    llvm::Module &module, const ParallelCodegenOptions &options,
    const std::function<std::unique_ptr<llvm::TargetMachine>()> &makeMachine,
    std::vector<std::string> &objects, std::string &error) {
  // Partitions leave as bitcode: a context is not shared between threads.
  std::vector<llvm::SmallString<0>> parts;
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
  for (size_t i = 0; i < parts.size(); ++i)
    pool.async([&, i] {
      const std::string &path = objects[first + i];
      std::string key;
      if (options.cache) {
        key = options.cache->key(parts[i].str());
        if (options.cache->fetch(key, path))
          return;
      }
      std::string message =
          compilePart(parts[i], path, options.optLevel, makeMachine);
      if (message.empty() && options.cache)
        options.cache->store(key, path);
      std::lock_guard<std::mutex> lock(mutex);
      if (!message.empty() && error.empty())
        error = message;
    });
  pool.wait();
  return error.empty();
}

} // namespace seqc
