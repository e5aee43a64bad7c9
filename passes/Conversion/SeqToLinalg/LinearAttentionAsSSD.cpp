//===- LinearAttentionAsSSD.cpp - per-head-decay linear attention is SSD --===//
//
// seq.linear_attention with no decay or a constant decay per head (linear
// attention, RetNet) is the SSD recurrence with Δ = 1, A = log γ, B = k,
// C = scale·q, x = v, and the state transposed ([K, V] here, [P, N] =
// [V, K] there). Rewriting it to seq.ssd gives it the chunked lowering.
// Per-step gates ([B, L, H] or [B, L, H, K]) keep the step-by-step one.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"
#include "passes/Conversion/SeqToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

/// [B, H, a, b] -> [B, H, b, a].
Value swapLastTwo(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x);
  std::swap(sizes[2], sizes[3]);
  Value init = emptyTensor(b, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(b, loc, x, init,
                                     ArrayRef<int64_t>{0, 1, 3, 2})
      .getResult()[0];
}

struct LinearAttentionAsSSD : OpConversionPattern<seq::LinearAttentionOp> {
  LinearAttentionAsSSD(MLIRContext *ctx)
      : OpConversionPattern(ctx, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(seq::LinearAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value decay = adaptor.getLogDecay();
    if (decay && cast<RankedTensorType>(decay.getType()).getRank() != 1)
      return rewriter.notifyMatchFailure(op, "per-step gates");
    Location loc = op.getLoc();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    Type t = cast<RankedTensorType>(q.getType()).getElementType();
    SmallVector<OpFoldResult> qSizes = getSizes(rewriter, loc, q);
    double scale = op.getScale().convertToDouble();
    if (scale != 1.0)
      q = pointwise(rewriter, loc, q, q,
                    [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                      return arith::MulFOp::create(b, l, a[0],
                                                   floatConstant(b, l, t, scale));
                    });
    Value dt = filledTensor(rewriter, loc, {qSizes[0], qSizes[1], qSizes[2]}, t,
                            1.0);
    Value a = decay ? decay : filledTensor(rewriter, loc, {qSizes[2]}, t, 0.0);
    Value init = adaptor.getInitialState()
                     ? swapLastTwo(rewriter, loc, adaptor.getInitialState())
                     : Value();
    auto ssd = seq::SSDOp::create(rewriter, loc, v, dt, a, k, q, /*D=*/Value(),
                                  /*z=*/Value(), /*dt_bias=*/Value(), init,
                                  /*dt_softplus=*/false, DenseF32ArrayAttr(),
                                  op.getChunkSizeAttr());
    Value finalState = swapLastTwo(rewriter, loc, ssd.getFinalState());
    finalState = tensor::CastOp::create(rewriter, loc,
                                        op.getFinalState().getType(), finalState);
    rewriter.replaceOp(op, {ssd.getOutput(), finalState});
    return success();
  }
};

} // namespace

void seqc::populateLinearAttentionAsSSDPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearAttentionAsSSD>(patterns.getContext());
}
