//===- LowerLinalgToLoops.cpp - loops, parallel where the work pays -------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace seqc {
#define GEN_PASS_DEF_LOWERLINALGTOLOOPS
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

/// Whether `op` has enough iterations to be worth a parallel region. A
/// dynamic extent (a prompt's length) counts as large.
bool worthParallel(linalg::LinalgOp op, int64_t threshold) {
  // Inside a tile loop that already runs on threads: stay sequential.
  if (op->getParentOfType<scf::ParallelOp>() ||
      op->getParentOfType<scf::ForallOp>())
    return false;
  int64_t points = 1;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return true;
    points *= range;
    if (points >= threshold)
      return true;
  }
  return false;
}

struct LowerLinalgToLoopsPass
    : seqc::impl::LowerLinalgToLoopsBase<LowerLinalgToLoopsPass> {
  using LowerLinalgToLoopsBase::LowerLinalgToLoopsBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitOpError("expected buffer semantics; bufferize first");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::LinalgLoops> loops =
          parallel && worthParallel(op, parallelThreshold)
              ? linalg::linalgOpToParallelLoops(rewriter, op)
              : linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op.emitOpError("cannot be lowered to loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
