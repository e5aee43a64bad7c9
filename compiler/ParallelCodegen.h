//===- ParallelCodegen.h - LLVM optimisation and codegen on all cores -*- C++
//-*-===//
//
// After the MLIR passes, LLVM's optimisation and code generation of one
// module run on one core and take most of a compile. Here the module is
// split into a fixed number of partitions (llvm::SplitModule: functions
// spread over them, internal symbols shared between them made hidden
// globals), each optimised and compiled to its own object file in its own
// LLVMContext on a thread pool; the linker joins the objects. The partition
// count, not the thread count, decides the output, so a model compiles to
// the same library on any machine.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_COMPILER_PARALLELCODEGEN_H
#define SEQC_COMPILER_PARALLELCODEGEN_H

#include "llvm/ADT/STLFunctionalExtras.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace seqc {

class ObjectCache;

struct ParallelCodegenOptions {
  unsigned parts = 8;    ///< partitions of the module (the output's shape)
  unsigned threads = 0;  ///< worker threads; 0: one per hardware thread
  unsigned optLevel = 3; ///< LLVM -O level of each partition
  /// Objects of partitions compiled before (ObjectCache.h); null: none.
  ObjectCache *cache = nullptr;
  /// Called from the workers as partitions finish (done of total).
  std::function<void(unsigned done, unsigned total)> onPartDone;
};

/// Optimises and compiles `module` (consumed: its functions move to the
/// partitions) as `options.parts` object files, created under the system's
/// temporary folder and appended to `objects`; `makeMachine` gives each
/// worker its own target machine. On failure returns false with `error`
/// set; the objects already written are still listed (to be removed).
bool emitObjectsInParallel(
    llvm::Module &module, const ParallelCodegenOptions &options,
    const std::function<std::unique_ptr<llvm::TargetMachine>()> &makeMachine,
    std::vector<std::string> &objects, std::string &error);

} // namespace seqc

#endif // SEQC_COMPILER_PARALLELCODEGEN_H
