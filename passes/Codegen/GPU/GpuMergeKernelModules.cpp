//===- GpuMergeKernelModules.cpp - one gpu.module for all of a model's kernels
//-===//
//
// Kernel outlining gives every gpu.launch its own gpu.module, so a model
// became about a hundred PTX modules: a hundred `.version` headers in the
// `--emit=ptx` file (which ptxas cannot take as one file), libdevice linked
// and optimised a hundred times, and as many modules for the driver to load.
// This pass moves the kernels and what they use into one module before NVVM
// code generation: kernels are renamed where names collide (outlining names
// every kernel after its host function) and the launches follow; identical
// module-level symbols (a constant copied into several kernel modules) are
// kept once; different ones with the same name are renamed apart.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

namespace seqc {
#define GEN_PASS_DEF_GPUMERGEKERNELMODULES
#include "passes/Codegen/GPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

/// True when `a` and `b` are the same symbol definition apart from their
/// location: same op, attributes and (region-free) operands.
bool sameDefinition(Operation *a, Operation *b) {
  if (a->getName() != b->getName() || a->getNumRegions() != 0 ||
      b->getNumRegions() != 0 || a->getNumOperands() != 0 ||
      b->getNumOperands() != 0)
    return false;
  return a->getAttrDictionary() == b->getAttrDictionary() &&
         a->getResultTypes() == b->getResultTypes();
}

struct GpuMergeKernelModulesPass
    : seqc::impl::GpuMergeKernelModulesBase<GpuMergeKernelModulesPass> {
  using GpuMergeKernelModulesBase::GpuMergeKernelModulesBase;

  void runOnOperation() override {
    ModuleOp top = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(top.getOps<gpu::GPUModuleOp>());
    if (modules.size() < 2)
      return;
    for (gpu::GPUModuleOp m : modules)
      if (m->getAttrDictionary().size() != 1 || m.getTargetsAttr() ||
          m.getOffloadingHandlerAttr()) {
        // Only modules straight from outlining (a name, nothing else):
        // targets or handlers would have to agree.
        m.emitError("cannot merge a kernel module that already has targets "
                    "or attributes; run before attaching targets");
        return signalPassFailure();
      }

    SymbolTable topTable(top);
    OpBuilder b(modules.front());
    auto merged =
        gpu::GPUModuleOp::create(b, modules.front().getLoc(), mergedName);
    topTable.insert(merged); // renames it if the name is taken
    SymbolTable mergedTable(merged);

    // (module, symbol inside it) -> the symbol's name in the merged module.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp m : modules) {
      SymbolTable table(m);
      for (Operation &op : llvm::make_early_inc_range(*m.getBody())) {
        StringAttr name = SymbolTable::getSymbolName(&op);
        if (!name)
          continue;
        if (Operation *existing = mergedTable.lookup(name)) {
          if (sameDefinition(existing, &op) && !isa<gpu::GPUFuncOp>(op)) {
            op.erase(); // uses inside `m` resolve to the kept one by name
            continue;
          }
          // Renames the symbol and its uses inside `m`.
          FailureOr<StringAttr> fresh =
              table.renameToUnique(&op, {&mergedTable});
          if (failed(fresh)) {
            op.emitError("cannot rename to merge kernel modules");
            return signalPassFailure();
          }
          renamed[{m.getSymNameAttr(), name}] = *fresh;
        }
      }
      // Symbols now unique: move them all (kernels, globals, declarations).
      for (Operation &op : llvm::make_early_inc_range(*m.getBody())) {
        op.moveBefore(merged.getBody(), merged.getBody()->end());
        if (SymbolTable::getSymbolName(&op))
          mergedTable.insert(&op);
      }
    }

    // Launches name their kernel as @module::@kernel.
    WalkResult result = top.walk([&](gpu::LaunchFuncOp launch) {
      SymbolRefAttr kernel = launch.getKernel();
      if (kernel.getNestedReferences().size() != 1)
        return WalkResult::advance();
      StringAttr moduleName = kernel.getRootReference();
      StringAttr kernelName = kernel.getLeafReference();
      auto it = renamed.find({moduleName, kernelName});
      StringAttr newName = it == renamed.end() ? kernelName : it->second;
      if (!mergedTable.lookup(newName)) {
        launch.emitError("launches a kernel that is not in any kernel module");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(
          merged.getSymNameAttr(), {FlatSymbolRefAttr::get(newName)}));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();

    for (gpu::GPUModuleOp m : modules) {
      if (!SymbolTable::symbolKnownUseEmpty(m, top)) {
        m.emitError("kernel module is still referenced after merging");
        return signalPassFailure();
      }
      m.erase();
    }
  }
};

} // namespace
