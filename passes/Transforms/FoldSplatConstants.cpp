//===- FoldSplatConstants.cpp - splat tensor constants stay scalars -------===//
//
// A splat constant costs nothing in the IR but every element once
// bufferized into a global. Splats read by linalg.generic become scalar
// constants in the payload; large remaining splats become linalg.fill.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace seqc {
#define GEN_PASS_DEF_FOLDSPLATCONSTANTS
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

/// The splat value of a tensor constant, or null.
TypedAttr splatValue(Value v) {
  DenseElementsAttr dense;
  if (!matchPattern(v, m_Constant(&dense)) || !dense.isSplat() ||
      !isa<RankedTensorType>(v.getType()))
    return nullptr;
  return dyn_cast<TypedAttr>(dense.getSplatValue<Attribute>());
}

/// linalg.generic reading a splat: the payload uses the scalar instead, and
/// the operand and its indexing map go.
struct SplatInputToScalar : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    for (OpOperand *input : op.getDpsInputOperands()) {
      TypedAttr value = splatValue(input->get());
      if (!value)
        continue;
      unsigned index = input->getOperandNumber();
      Block &body = op.getRegion().front();
      rewriter.modifyOpInPlace(op, [&] {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(&body);
        Value scalar = arith::ConstantOp::create(rewriter, op.getLoc(), value);
        body.getArgument(index).replaceAllUsesWith(scalar);
        body.eraseArgument(index);
        SmallVector<Attribute> maps(op.getIndexingMaps().getValue());
        maps.erase(maps.begin() + index);
        op.setIndexingMapsAttr(rewriter.getArrayAttr(maps));
        op.getInputsMutable().erase(index);
      });
      return success();
    }
    return failure();
  }
};

/// Any other large splat: filled at run time, not stored.
struct LargeSplatToFill : OpRewritePattern<arith::ConstantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::ConstantOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    TypedAttr value = splatValue(op.getResult());
    if (!type || !value || !type.hasStaticShape() ||
        type.getNumElements() < 1024)
      return failure();
    Value scalar = arith::ConstantOp::create(rewriter, op.getLoc(), value);
    Value empty = tensor::EmptyOp::create(
        rewriter, op.getLoc(), type.getShape(), type.getElementType());
    rewriter.replaceOpWithNewOp<linalg::FillOp>(op, scalar, empty);
    return success();
  }
};

struct FoldSplatConstantsPass
    : seqc::impl::FoldSplatConstantsBase<FoldSplatConstantsPass> {
  void runOnOperation() override {
    // Generic operands first, so only splats nothing can absorb are filled.
    RewritePatternSet toScalars(&getContext());
    toScalars.add<SplatInputToScalar>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(toScalars))))
      return signalPassFailure();
    RewritePatternSet toFills(&getContext());
    toFills.add<LargeSplatToFill>(&getContext());
    // Fills are not folded back into constants: no canonicalization here.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(toFills), config)))
      return signalPassFailure();
  }
};

} // namespace
