//===- LinearAttentionAsSSD.cpp - linear attention as a chunked SSD scan --===//
//
// seq.linear_attention without a decay, with a constant decay per head
// (linear attention, RetNet) or with a scalar gate per step and head
// (Mamba2-style gated linear attention) is the SSD recurrence with Δ = 1,
// a = log γ, B = k, C = scale·q, x = v, and the state transposed ([K, V]
// here, [P, N] = [V, K] there). Lowering it through the chunked SSD scan
// turns the per-step rank-1 updates into matmuls within chunks. Per-channel
// gates ([B, L, H, K], GLA) have their own chunkwise form
// (ChunkedGLAToLinalg.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringStrategy.h"
#include "passes/Conversion/SeqToLinalg/ChunkedScan.h"
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
  LinearAttentionAsSSD(MLIRContext *ctx, const Contractions &contractions)
      : OpConversionPattern(ctx), contractions(contractions) {}

  LogicalResult
  matchAndRewrite(seq::LinearAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::chunked))
      return failure();
    Value decay = adaptor.getLogDecay();
    int64_t decayRank =
        decay ? cast<RankedTensorType>(decay.getType()).getRank() : 0;
    if (decayRank == 4)
      return rewriter.notifyMatchFailure(op, "per-channel gates");
    Location loc = op.getLoc();
    Value q = adaptor.getQuery();
    Type t = cast<RankedTensorType>(q.getType()).getElementType();
    SmallVector<OpFoldResult> qSizes = getSizes(rewriter, loc, q);
    double scale = op.getScale().convertToDouble();
    if (scale != 1.0)
      q = pointwise(rewriter, loc, q, q,
                    [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                      return arith::MulFOp::create(
                          b, l, a[0], floatConstant(b, l, t, scale));
                    });
    ChunkedScanOperands in;
    in.x = adaptor.getValue();
    in.b = adaptor.getKey();
    in.c = q;
    SmallVector<OpFoldResult> stepSizes = {qSizes[0], qSizes[1], qSizes[2]};
    if (decayRank == 3) {
      in.dt = decay; // the log decay of each step, Δ = 1
    } else {
      in.dt = filledTensor(rewriter, loc, stepSizes, t, decay ? 1.0 : 0.0);
      in.a = decay; // Δ = 1, a = log γ of the head; or no A, a = 0
    }
    if (Value init = adaptor.getInitialState())
      in.initialState = swapLastTwo(rewriter, loc, init);
    int64_t chunk = seq::getLowering(op).getChunk();
    FailureOr<std::pair<Value, Value>> scan =
        emitChunkedScan(rewriter, loc, in, chunk, contractions);
    if (failed(scan))
      return rewriter.notifyMatchFailure(op, "dynamic heads or dims");
    Value output = tensor::CastOp::create(
        rewriter, loc, op.getOutput().getType(), scan->first);
    Value finalState =
        tensor::CastOp::create(rewriter, loc, op.getFinalState().getType(),
                               swapLastTwo(rewriter, loc, scan->second));
    rewriter.replaceOp(op, {output, finalState});
    return success();
  }

  const Contractions &contractions;
};

} // namespace

void seqc::populateLinearAttentionAsSSDPatterns(
    RewritePatternSet &patterns, const lowering::Contractions &contractions) {
  patterns.add<LinearAttentionAsSSD>(patterns.getContext(), contractions);
}
