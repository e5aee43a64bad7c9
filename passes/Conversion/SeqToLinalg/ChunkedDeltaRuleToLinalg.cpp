//===- ChunkedDeltaRuleToLinalg.cpp - the gated delta rule, chunkwise -----===//
//
// seq.delta_rule in its chunkwise (WY / UT-transform) form: per (batch,
// head), chunks of q steps carrying the [K, V] state S. Within a chunk, with
// cum[t] = Σ_{s ≤ t} g_s and Γ[t, s] = exp(cum[t] - cum[s]) (s ≤ t, ≤ 1):
//
//   L[t, s] = β_t (k_t · k_s) Γ[t, s]                  (s < t)
//   U = (I + L)⁻¹ (β ⊙ v),  W = (I + L)⁻¹ (β exp(cum) ⊙ k)   (forward
//                                                      substitution)
//   u = U − W·S                                         (the chunk's updates)
//   y = (scale q ⊙ exp(cum))·S + A·u,  A[t, s] = scale (q_t · k_s) Γ[t, s]
//   S ← exp(cum[last]) S + (k ⊙ exp(cum[last] − cum))ᵀ·u
//
// which is the step-by-step rule unrolled over the chunk (transformers'
// torch_chunk_gated_delta_rule computes the same). Every exponent is ≤ 0.
// The products are matmuls; the substitution costs q²(K + V) per chunk.
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

struct ChunkedDeltaRuleLowering : OpConversionPattern<seq::DeltaRuleOp> {
  ChunkedDeltaRuleLowering(MLIRContext *ctx, const Contractions &contractions)
      : OpConversionPattern(ctx), contractions(contractions) {}

  LogicalResult
  matchAndRewrite(seq::DeltaRuleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::chunked))
      return failure();
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
  /// Solves (I + L) X = R in place for X, L [q, q] strictly lower
  /// triangular (its other entries zero), R [q, n]: row t becomes
  /// R[t] − Σ_{s<t} L[t, s] X[s], rows in order.
  static Value forwardSubstitute(OpBuilder &b, Location l, Value lower,
                                 Value rhs, Value rows, int64_t width) {
    MLIRContext *ctx = b.getContext();
    OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    OpFoldResult n = b.getIndexAttr(width);
    auto loop = scf::ForOp::create(
        b, l, indexConstant(b, l, 1), rows, indexConstant(b, l, 1),
        ValueRange{rhs},
        [&](OpBuilder &nb, Location nl, Value row, ValueRange iter) {
          Value x = iter[0];
          Value coeffs = sliceRank(nb, nl, lower, {row, zero}, {one, rows}, 1);
          Value current = sliceRank(nb, nl, x, {row, zero}, {one, n}, 1);
          // current[j] − Σ_s coeffs[s] x[s, j]
          Value updated =
              linalg::GenericOp::create(
                  nb, nl, current.getType(), ValueRange{coeffs, x}, current,
                  {dimsMap(ctx, 2, {1}), dimsMap(ctx, 2, {1, 0}),
                   dimsMap(ctx, 2, {0})},
                  iterators(1, 1),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value p = arith::MulFOp::create(bb, bl, a[0], a[1],
                                                    contractionFlags());
                    yieldValue(bb, bl,
                               arith::SubFOp::create(bb, bl, a[2], p,
                                                     contractionFlags()));
                  })
                  .getResult(0);
          Value next = tensor::InsertSliceOp::create(
              nb, nl, updated, x, ArrayRef<OpFoldResult>{row, zero},
              ArrayRef<OpFoldResult>{one, n}, ArrayRef<OpFoldResult>{one, one});
          scf::YieldOp::create(nb, nl, next);
        });
    return loop.getResult(0);
  }

  /// y [L, V] and the final state [K, V] of (batch ib, head ih).
  std::pair<Value, Value> emitHead(OpBuilder &b, Location l,
                                   seq::DeltaRuleOp op, OpAdaptor adaptor,
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
          auto sliceSteps = [&](Value src) { // [B, L, H] -> [q]
            return sliceRank(nb, nl, src, {ib, c0, ih}, {one, qf, one}, 1);
          };
          Value qc = slice(adaptor.getQuery(), kd);
          Value kc = slice(adaptor.getKey(), kd);
          Value vc = slice(adaptor.getValue(), vd);
          Value beta = sliceSteps(adaptor.getBeta());
          // cum[t] = Σ_{s ≤ t} g[s] (0 without gates).
          Value cum = filledTensor(nb, nl, {qf}, t, 0.0);
          if (Value gates = adaptor.getLogDecay()) {
            Value gc = sliceSteps(gates);
            cum =
                linalg::GenericOp::create(
                    nb, nl, cum.getType(), gc, cum, {map(2, {1}), map(2, {0})},
                    {utils::IteratorType::parallel,
                     utils::IteratorType::reduction},
                    [&](OpBuilder &bb, Location bl, ValueRange a) {
                      Value ti = linalg::IndexOp::create(bb, bl, 0);
                      Value si = linalg::IndexOp::create(bb, bl, 1);
                      Value in = arith::CmpIOp::create(
                          bb, bl, arith::CmpIPredicate::ule, si, ti);
                      Value v = arith::SelectOp::create(
                          bb, bl, in, a[0], floatConstant(bb, bl, t, 0.0));
                      yieldValue(bb, bl,
                                 arith::AddFOp::create(bb, bl, a[1], v));
                    })
                    .getResult(0);
          }
          // Γ-weighted Gram matrices: (k_t · k_s) and (q_t · k_s).
          auto gram = [&](Value rowsOf) {
            Value init = filledTensor(nb, nl, {qf, qf}, t, 0.0);
            return linalg::GenericOp::create(
                       nb, nl, init.getType(), ValueRange{rowsOf, kc}, init,
                       {map(3, {0, 2}), map(3, {1, 2}), map(3, {0, 1})},
                       iterators(2, 1),
                       [&](OpBuilder &bb, Location bl, ValueRange a) {
                         Value p = arith::MulFOp::create(bb, bl, a[0], a[1],
                                                         contractionFlags());
                         yieldValue(bb, bl,
                                    arith::AddFOp::create(bb, bl, a[2], p,
                                                          contractionFlags()));
                       })
                .getResult(0);
          };
          // strict: L = β_t Γ (k k) below the diagonal; else A = scale Γ
          // (q k) on and below it.
          auto weigh = [&](Value products, bool strict) {
            return linalg::GenericOp::create(
                       nb, nl, products.getType(), ValueRange{cum, cum, beta},
                       products,
                       {map(2, {0}), map(2, {1}), map(2, {0}), map(2, {0, 1})},
                       iterators(2),
                       [&](OpBuilder &bb, Location bl, ValueRange a) {
                         Value ti = linalg::IndexOp::create(bb, bl, 0);
                         Value si = linalg::IndexOp::create(bb, bl, 1);
                         Value in = arith::CmpIOp::create(
                             bb, bl,
                             strict ? arith::CmpIPredicate::ult
                                    : arith::CmpIPredicate::ule,
                             si, ti);
                         Value zeroF = floatConstant(bb, bl, t, 0.0);
                         // Masked pairs use exponent 0, never a positive one.
                         Value diff = arith::SelectOp::create(
                             bb, bl, in,
                             arith::SubFOp::create(bb, bl, a[0], a[1]), zeroF);
                         Value w = arith::MulFOp::create(
                             bb, bl, a[3], math::ExpOp::create(bb, bl, diff));
                         w = arith::MulFOp::create(bb, bl, w,
                                                   strict ? a[2] : scale);
                         yieldValue(
                             bb, bl,
                             arith::SelectOp::create(bb, bl, in, w, zeroF));
                       })
                .getResult(0);
          };
          Value lower = weigh(gram(kc), /*strict=*/true);
          Value intra = weigh(gram(qc), /*strict=*/false);
          // Right-hand sides β ⊙ v and β exp(cum) ⊙ k, row by row.
          auto rowScaled = [&](Value x, OpFoldResult width, bool decayed) {
            return linalg::GenericOp::create(
                       nb, nl, x.getType(), ValueRange{beta, cum, x},
                       emptyTensor(nb, nl, {qf, width}, t),
                       {map(2, {0}), map(2, {0}), map(2, {0, 1}),
                        map(2, {0, 1})},
                       iterators(2),
                       [&](OpBuilder &bb, Location bl, ValueRange a) {
                         Value f = a[0];
                         if (decayed)
                           f = arith::MulFOp::create(
                               bb, bl, f, math::ExpOp::create(bb, bl, a[1]));
                         yieldValue(bb, bl,
                                    arith::MulFOp::create(bb, bl, f, a[2]));
                       })
                .getResult(0);
          };
          Value U = forwardSubstitute(nb, nl, lower, rowScaled(vc, vd, false),
                                      q, valueDim);
          Value W = forwardSubstitute(nb, nl, lower, rowScaled(kc, kd, true), q,
                                      keyDim);
          // u = U − W·S
          Value WS =
              matmul(nb, nl, W, S, filledTensor(nb, nl, {qf, vd}, t, 0.0),
                     /*transposeA=*/false, contractions);
          Value u =
              pointwise(nb, nl, ValueRange{U, WS}, U,
                        [&](OpBuilder &bb, Location bl, ValueRange a) {
                          return arith::SubFOp::create(bb, bl, a[0], a[1]);
                        });
          // y = (scale q ⊙ exp(cum))·S + A·u
          Value qDecayed =
              linalg::GenericOp::create(
                  nb, nl, qc.getType(), ValueRange{qc, cum},
                  emptyTensor(nb, nl, {qf, kd}, t),
                  {map(2, {0, 1}), map(2, {0}), map(2, {0, 1})}, iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value f = arith::MulFOp::create(
                        bb, bl, scale, math::ExpOp::create(bb, bl, a[1]));
                    yieldValue(bb, bl, arith::MulFOp::create(bb, bl, a[0], f));
                  })
                  .getResult(0);
          Value yChunk = matmul(nb, nl, qDecayed, S,
                                filledTensor(nb, nl, {qf, vd}, t, 0.0),
                                /*transposeA=*/false, contractions);
          yChunk = matmul(nb, nl, intra, u, yChunk, /*transposeA=*/false,
                          contractions);
          Value y = tensor::InsertSliceOp::create(
              nb, nl, yChunk, iter[1], ArrayRef<OpFoldResult>{c0, zero},
              ArrayRef<OpFoldResult>{qf, vd}, ArrayRef<OpFoldResult>{one, one});
          // S ← exp(cum_last) S + (k ⊙ exp(cum_last − cum))ᵀ·u
          Value lastRow = arith::SubIOp::create(nb, nl, q, c(1));
          Value cumLast = tensor::ExtractOp::create(nb, nl, cum, lastRow);
          Value kDecayed =
              linalg::GenericOp::create(
                  nb, nl, kc.getType(), ValueRange{kc, cum},
                  emptyTensor(nb, nl, {qf, kd}, t),
                  {map(2, {0, 1}), map(2, {0}), map(2, {0, 1})}, iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value d = arith::SubFOp::create(bb, bl, cumLast, a[1]);
                    yieldValue(
                        bb, bl,
                        arith::MulFOp::create(bb, bl, a[0],
                                              math::ExpOp::create(bb, bl, d)));
                  })
                  .getResult(0);
          Value chunkDecay = math::ExpOp::create(nb, nl, cumLast);
          // In place (the outs are S): the loop yields S's buffer.
          Value sDecayed =
              linalg::GenericOp::create(
                  nb, nl, S.getType(), ValueRange{}, S, {map(2, {0, 1})},
                  iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    yieldValue(bb, bl,
                               arith::MulFOp::create(bb, bl, a[0], chunkDecay));
                  })
                  .getResult(0);
          Value sNew = matmul(nb, nl, kDecayed, u, sDecayed,
                              /*transposeA=*/true, contractions);
          scf::YieldOp::create(nb, nl, ValueRange{sNew, y});
        });
    return {loop.getResult(1), loop.getResult(0)};
  }

  const Contractions &contractions;
};

} // namespace

void seqc::populateChunkedDeltaRuleLoweringPatterns(
    RewritePatternSet &patterns, const lowering::Contractions &contractions) {
  patterns.add<ChunkedDeltaRuleLowering>(patterns.getContext(), contractions);
}
