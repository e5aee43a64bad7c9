//===- FuseElementwise.cpp - chains of elementwise ops as one op ----------===//
//
// On a GPU every linalg op becomes a kernel, so a residual add, a SiLU and
// a gate multiply are three launches and two round trips through device
// memory. This pass fuses an elementwise producer into an elementwise
// consumer (both all-parallel linalg.generic on tensors), so such chains
// become one kernel. Reductions and contractions are left alone: a
// projection keeps the plain multiply-add body that seq-gpu-tensor-core-
// matmul recognises.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace seqc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

bool allParallel(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic && generic.getNumReductionLoops() == 0 &&
         generic.hasPureTensorSemantics();
}

struct FuseElementwisePass
    : seqc::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *operand) {
          Operation *producer = operand->get().getDefiningOp();
          // One user: fusing into several consumers would recompute it.
          return allParallel(producer) && allParallel(operand->getOwner()) &&
                 producer->hasOneUse();
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
