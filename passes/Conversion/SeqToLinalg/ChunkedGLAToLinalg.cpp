//===- ChunkedGLAToLinalg.cpp - GLA's per-channel gates, chunkwise --------===//
//
// seq.linear_attention with a gate per key channel (log_decay [B, L, H, K],
// GLA) in its chunkwise form: per (batch, head), chunks of q steps carrying
// the [K, V] state. With cum[t] = Σ_{s ≤ t} g_s (per channel, inclusive,
// within the chunk; nonincreasing since g ≤ 0):
//
//   A[t, s]  = Σ_k q[t, k] k[s, k] exp(cum[t, k] - cum[s, k])   (s ≤ t)
//   y        = A·v + (q ⊙ exp(cum))·S
//   S       ← exp(cum[last]) ⊙ S + (k ⊙ exp(cum[last] - cum))ᵀ·v
//
// Every exponent is ≤ 0, so nothing overflows however strong the gates
// (the factored q·exp(cum), k·exp(-cum) form would). A costs q²·K exps, so
// chunks are short (16 by default); the three products are matmuls
// (register tiles where V is a multiple of 16).
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringStrategy.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"
#include "passes/Conversion/SeqToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

struct ChunkedGLALowering : OpConversionPattern<seq::LinearAttentionOp> {
  ChunkedGLALowering(MLIRContext *ctx, const Contractions &contractions)
      : OpConversionPattern(ctx), contractions(contractions) {}

  LogicalResult
  matchAndRewrite(seq::LinearAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::chunked))
      return failure();
    Value gates = adaptor.getLogDecay();
    if (!gates || cast<RankedTensorType>(gates.getType()).getRank() != 4)
      return rewriter.notifyMatchFailure(op, "not per-channel gates");
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    auto vType = cast<RankedTensorType>(op.getValue().getType());
    int64_t heads = qType.getDimSize(2), keyDim = qType.getDimSize(3),
            valueDim = vType.getDimSize(3);
    if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(keyDim) ||
        ShapedType::isDynamic(valueDim))
      return rewriter.notifyMatchFailure(op, "dynamic heads or dims");
    Location loc = op.getLoc();
    int64_t chunk = seq::getLowering(op).getChunk();
    OpFoldResult length = getSizes(rewriter, loc, adaptor.getQuery())[1];
    auto [y, s] = forEachBatchHead(
        rewriter, loc, adaptor.getQuery(), heads, keyDim, valueDim,
        op.getOutput().getType(), op.getFinalState().getType(),
        [&](OpBuilder &b, Location l, Value ib, Value ih) {
          return emitHead(b, l, op, adaptor, ib, ih, length, keyDim, valueDim,
                          chunk);
        });
    rewriter.replaceOp(op, {y, s});
    return success();
  }

private:
  /// y [L, V] and the final state [K, V] of (batch ib, head ih).
  std::pair<Value, Value> emitHead(OpBuilder &b, Location l,
                                   seq::LinearAttentionOp op, OpAdaptor adaptor,
                                   Value ib, Value ih, OpFoldResult length,
                                   int64_t keyDim, int64_t valueDim,
                                   int64_t chunk) const {
    MLIRContext *ctx = b.getContext();
    Type t =
        cast<RankedTensorType>(adaptor.getQuery().getType()).getElementType();
    OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    OpFoldResult kd = b.getIndexAttr(keyDim), vd = b.getIndexAttr(valueDim);
    auto c = [&](int64_t v) { return indexConstant(b, l, v); };
    auto map = [&](unsigned dims, ArrayRef<int64_t> r) {
      return dimsMap(ctx, dims, r);
    };
    Value scale = floatConstant(b, l, t, op.getScale().convertToDouble());
    Value s0;
    if (Value init = adaptor.getInitialState()) {
      Value part =
          sliceRank(b, l, init, {ib, ih, zero, zero}, {one, one, kd, vd}, 2);
      s0 = linalg::CopyOp::create(b, l, part, emptyTensor(b, l, {kd, vd}, t))
               .getResult(0);
    } else {
      s0 = filledTensor(b, l, {kd, vd}, t, 0.0);
    }
    Value y0 = emptyTensor(b, l, {length, vd}, t);
    Value lengthV = getValueOrCreateConstantIndexOp(b, l, length);

    auto loop = scf::ForOp::create(
        b, l, c(0), lengthV, c(chunk), ValueRange{s0, y0},
        [&](OpBuilder &nb, Location nl, Value c0, ValueRange iter) {
          Value S = iter[0];
          Value q = arith::MinSIOp::create(
              nb, nl, c(chunk), arith::SubIOp::create(nb, nl, lengthV, c0));
          OpFoldResult qf = q;
          auto slice = [&](Value src, OpFoldResult dim) {
            return sliceRank(nb, nl, src, {ib, c0, ih, zero},
                             {one, qf, one, dim}, 2);
          };
          Value qc = slice(adaptor.getQuery(), kd);
          Value kc = slice(adaptor.getKey(), kd);
          Value vc = slice(adaptor.getValue(), vd);
          Value gc = slice(adaptor.getLogDecay(), kd);
          // cum[t, k] = Σ_{s ≤ t} g[s, k].
          Value cum = filledTensor(nb, nl, {qf, kd}, t, 0.0);
          cum =
              linalg::GenericOp::create(
                  nb, nl, cum.getType(), gc, cum,
                  {map(3, {1, 2}), map(3, {0, 2})},
                  {utils::IteratorType::parallel,
                   utils::IteratorType::reduction,
                   utils::IteratorType::parallel},
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value ti = linalg::IndexOp::create(bb, bl, 0);
                    Value si = linalg::IndexOp::create(bb, bl, 1);
                    Value in = arith::CmpIOp::create(
                        bb, bl, arith::CmpIPredicate::ule, si, ti);
                    Value v = arith::SelectOp::create(
                        bb, bl, in, a[0], floatConstant(bb, bl, t, 0.0));
                    yieldValue(bb, bl, arith::AddFOp::create(bb, bl, a[1], v));
                  })
                  .getResult(0);
          // A[t, s] = scale Σ_k q k exp(cum_t - cum_s), s ≤ t.
          Value aInit = filledTensor(nb, nl, {qf, qf}, t, 0.0);
          Value A =
              linalg::GenericOp::create(
                  nb, nl, aInit.getType(), ValueRange{qc, kc, cum, cum}, aInit,
                  {map(3, {0, 2}), map(3, {1, 2}), map(3, {0, 2}),
                   map(3, {1, 2}), map(3, {0, 1})},
                  iterators(2, 1),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value ti = linalg::IndexOp::create(bb, bl, 0);
                    Value si = linalg::IndexOp::create(bb, bl, 1);
                    Value in = arith::CmpIOp::create(
                        bb, bl, arith::CmpIPredicate::ule, si, ti);
                    // Masked pairs use exponent 0, never a positive one.
                    Value diff = arith::SelectOp::create(
                        bb, bl, in, arith::SubFOp::create(bb, bl, a[2], a[3]),
                        floatConstant(bb, bl, t, 0.0));
                    Value w = arith::MulFOp::create(
                        bb, bl, arith::MulFOp::create(bb, bl, a[0], a[1]),
                        math::ExpOp::create(bb, bl, diff));
                    w = arith::SelectOp::create(bb, bl, in, w,
                                                floatConstant(bb, bl, t, 0.0));
                    yieldValue(bb, bl, arith::AddFOp::create(bb, bl, a[4], w));
                  })
                  .getResult(0);
          A = pointwise(nb, nl, A, A,
                        [&](OpBuilder &bb, Location bl, ValueRange a) {
                          return arith::MulFOp::create(bb, bl, a[0], scale);
                        });
          // q̃ = scale q ⊙ exp(cum): the chunk's view of the incoming state.
          Value qDecayed = pointwise(
              nb, nl, ValueRange{qc, cum}, qc,
              [&](OpBuilder &bb, Location bl, ValueRange a) {
                return arith::MulFOp::create(
                    bb, bl, arith::MulFOp::create(bb, bl, a[0], scale),
                    math::ExpOp::create(bb, bl, a[1]));
              });
          Value yChunk = matmul(nb, nl, qDecayed, S,
                                filledTensor(nb, nl, {qf, vd}, t, 0.0),
                                /*transposeA=*/false, contractions);
          yChunk =
              matmul(nb, nl, A, vc, yChunk, /*transposeA=*/false, contractions);
          Value y = tensor::InsertSliceOp::create(
              nb, nl, yChunk, iter[1], ArrayRef<OpFoldResult>{c0, zero},
              ArrayRef<OpFoldResult>{qf, vd}, ArrayRef<OpFoldResult>{one, one});
          // S ← exp(cum_last) ⊙ S + (k ⊙ exp(cum_last - cum))ᵀ·v.
          Value lastRow = arith::SubIOp::create(nb, nl, q, c(1));
          Value cumLast = sliceRank(nb, nl, cum, {lastRow, zero}, {one, kd}, 1);
          Value kDecayed =
              linalg::GenericOp::create(
                  nb, nl, kc.getType(), ValueRange{kc, cum, cumLast},
                  emptyTensor(nb, nl, {qf, kd}, t),
                  {map(2, {0, 1}), map(2, {0, 1}), map(2, {1}), map(2, {0, 1})},
                  iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    yieldValue(
                        bb, bl,
                        arith::MulFOp::create(
                            bb, bl, a[0],
                            math::ExpOp::create(
                                bb, bl,
                                arith::SubFOp::create(bb, bl, a[2], a[1]))));
                  })
                  .getResult(0);
          Value sDecayed =
              linalg::GenericOp::create(
                  nb, nl, S.getType(), ValueRange{cumLast}, S,
                  {map(2, {0}), map(2, {0, 1})}, iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    yieldValue(
                        bb, bl,
                        arith::MulFOp::create(
                            bb, bl, a[1], math::ExpOp::create(bb, bl, a[0])));
                  })
                  .getResult(0);
          Value sNew = matmul(nb, nl, kDecayed, vc, sDecayed,
                              /*transposeA=*/true, contractions);
          scf::YieldOp::create(nb, nl, ValueRange{sNew, y});
        });
    return {loop.getResult(1), loop.getResult(0)};
  }

  const Contractions &contractions;
};

} // namespace

void seqc::populateChunkedGLALoweringPatterns(
    RewritePatternSet &patterns, const lowering::Contractions &contractions) {
  patterns.add<ChunkedGLALowering>(patterns.getContext(), contractions);
}
