//===- SplitEmptyTensors.cpp - one tensor.empty per use -------------------===//
//
// CSE merges equal tensor.empty ops, so one empty can feed two branches of
// an scf.if (the matmul kernel's one-row and tiled paths). Empty-tensor
// elimination then replaces it by the destination in only one of them, and
// which one depends on the order of the empty's uses, which varies from
// run to run: the compiled code did too. An empty per use makes every use
// its own decision: the output is deterministic, and each branch can write
// its destination in place.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace seqc {
#define GEN_PASS_DEF_SPLITEMPTYTENSORS
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

struct SplitEmptyTensorsPass
    : seqc::impl::SplitEmptyTensorsBase<SplitEmptyTensorsPass> {
  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> shared;
    getOperation()->walk([&](tensor::EmptyOp empty) {
      if (!empty->hasOneUse() && !empty->use_empty())
        shared.push_back(empty);
    });
    for (tensor::EmptyOp empty : shared) {
      // Each user gets a copy right before it (the sizes dominate it, as
      // they dominate the empty).
      for (OpOperand &use : llvm::make_early_inc_range(empty->getUses())) {
        OpBuilder b(use.getOwner());
        use.set(b.clone(*empty)->getResult(0));
      }
      empty.erase();
    }
  }
};

} // namespace
