//===- ChunkedMlstmToLinalg.cpp - xLSTM's mLSTM, chunkwise ----------------===//
//
// seq.mlstm in its chunkwise form: per (batch, head), chunks of q steps
// carrying the memory and normaliser as one [K, V + 1] matrix (the
// normaliser is the memory of a value that is always 1) and the stabiliser
// m. Within a chunk, with g = logsigmoid(f), b[t] = Σ_{s ≤ t} g_s and m₀
// the incoming stabiliser:
//
//   m[t]    = max(b[t] + m₀, max_{s ≤ t} (b[t] − b[s] + i[s]))  (the step
//             rule's stabiliser, unrolled)
//   A[t, s] = scale (q_t · k_s) exp(b[t] − b[s] + i[s] − m[t])   (s ≤ t)
//   out     = (scale exp(b[t] + m₀ − m[t]) q_t)·[C | n] + A·[v | 1]
//   y[t]    = out[t, :V] / (max(|out[t, V]|, exp(−m[t])) + epsilon)
//   [C | n] ← exp(b[last] + m₀ − m[last]) [C | n]
//             + (k ⊙ exp(b[last] − b + i − m[last]))ᵀ·[v | 1]
//
// transformers' mlstm_chunkwise kernels compute the same; every exponent
// is ≤ 0. The products are matmuls; the stabiliser and A cost q² per chunk.
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

#include <cmath>
#include <limits>

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

struct ChunkedMlstmLowering : OpConversionPattern<seq::MlstmOp> {
  ChunkedMlstmLowering(MLIRContext *ctx, const Contractions &contractions)
      : OpConversionPattern(ctx), contractions(contractions) {}

  LogicalResult
  matchAndRewrite(seq::MlstmOp op, OpAdaptor adaptor,
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
    Type t = qType.getElementType();
    int64_t chunk = seq::getLowering(op).getChunk();
    SmallVector<OpFoldResult> qSizes =
        getSizes(rewriter, loc, adaptor.getQuery());
    OpFoldResult batch = qSizes[0], length = qSizes[1];
    auto idx = [&](int64_t v) -> OpFoldResult {
      return rewriter.getIndexAttr(v);
    };
    Value yInit = emptyTensor(rewriter, loc,
                              {batch, length, idx(heads), idx(valueDim)}, t);
    Value cInit = emptyTensor(
        rewriter, loc, {batch, idx(heads), idx(keyDim), idx(valueDim)}, t);
    Value nInit =
        emptyTensor(rewriter, loc, {batch, idx(heads), idx(keyDim)}, t);
    Value mInit = emptyTensor(rewriter, loc, {batch, idx(heads)}, t);
    auto forall = scf::ForallOp::create(
        rewriter, loc, SmallVector<OpFoldResult>{batch, idx(heads)},
        ValueRange{yInit, cInit, nInit, mInit}, std::nullopt,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value ib = args[0], ih = args[1];
          auto [y, memory, stabilizer] = emitHead(
              b, l, op, adaptor, ib, ih, length, keyDim, valueDim, chunk);
          OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
          OpFoldResult kd = b.getIndexAttr(keyDim),
                       vd = b.getIndexAttr(valueDim);
          Value c = sliceRank(b, l, memory, {zero, zero}, {kd, vd}, 2);
          Value n = sliceRank(b, l, memory, {zero, vd}, {kd, one}, 1);
          Value m = tensor::FromElementsOp::create(
              b, l, RankedTensorType::get({1}, t), ValueRange{stabilizer});
          auto inParallel = scf::InParallelOp::create(b, l);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(inParallel.getBody());
          tensor::ParallelInsertSliceOp::create(
              b, l, y, args[2], ArrayRef<OpFoldResult>{ib, zero, ih, zero},
              ArrayRef<OpFoldResult>{one, length, one, vd},
              ArrayRef<OpFoldResult>{one, one, one, one});
          tensor::ParallelInsertSliceOp::create(
              b, l, c, args[3], ArrayRef<OpFoldResult>{ib, ih, zero, zero},
              ArrayRef<OpFoldResult>{one, one, kd, vd},
              ArrayRef<OpFoldResult>{one, one, one, one});
          tensor::ParallelInsertSliceOp::create(
              b, l, n, args[4], ArrayRef<OpFoldResult>{ib, ih, zero},
              ArrayRef<OpFoldResult>{one, one, kd},
              ArrayRef<OpFoldResult>{one, one, one});
          tensor::ParallelInsertSliceOp::create(
              b, l, m, args[5], ArrayRef<OpFoldResult>{ib, ih},
              ArrayRef<OpFoldResult>{one, one},
              ArrayRef<OpFoldResult>{one, one});
        });
    SmallVector<Value> results;
    for (unsigned i = 0; i < 4; ++i)
      results.push_back(tensor::CastOp::create(
          rewriter, loc, op->getResult(i).getType(), forall.getResult(i)));
    rewriter.replaceOp(op, results);
    return success();
  }

private:
  /// y [L, V], the final [C | n] [K, V + 1] and m of (batch ib, head ih).
  std::tuple<Value, Value, Value>
  emitHead(OpBuilder &b, Location l, seq::MlstmOp op, OpAdaptor adaptor,
           Value ib, Value ih, OpFoldResult length, int64_t keyDim,
           int64_t valueDim, int64_t chunk) const {
    MLIRContext *ctx = b.getContext();
    Type t =
        cast<RankedTensorType>(adaptor.getQuery().getType()).getElementType();
    OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    OpFoldResult kd = b.getIndexAttr(keyDim), vd = b.getIndexAttr(valueDim);
    OpFoldResult wide = b.getIndexAttr(valueDim + 1);
    auto c = [&](int64_t v) { return indexConstant(b, l, v); };
    auto f = [&](OpBuilder &bb, Location bl, double v) {
      return floatConstant(bb, bl, t, v);
    };
    auto map = [&](unsigned dims, ArrayRef<int64_t> r) {
      return dimsMap(ctx, dims, r);
    };
    double scaleValue = op.getScale()
                            ? op.getScale()->convertToDouble()
                            : 1.0 / std::sqrt(static_cast<double>(keyDim));
    double epsilon = op.getEpsilon().convertToDouble();

    // [C | n] and m from the initial states (zeros without them).
    Value memory0 = filledTensor(b, l, {kd, wide}, t, 0.0);
    Value m0 = f(b, l, 0.0);
    if (Value init = adaptor.getInitialMemory()) {
      Value part =
          sliceRank(b, l, init, {ib, ih, zero, zero}, {one, one, kd, vd}, 2);
      memory0 = tensor::InsertSliceOp::create(
          b, l, part, memory0, ArrayRef<OpFoldResult>{zero, zero},
          ArrayRef<OpFoldResult>{kd, vd}, ArrayRef<OpFoldResult>{one, one});
      Value n = sliceRank(b, l, adaptor.getInitialNormalizer(), {ib, ih, zero},
                          {one, one, kd}, 1);
      memory0 = tensor::InsertSliceOp::create(
          b, l, n, memory0, ArrayRef<OpFoldResult>{zero, vd},
          ArrayRef<OpFoldResult>{kd, one}, ArrayRef<OpFoldResult>{one, one});
      m0 = tensor::ExtractOp::create(b, l, adaptor.getInitialStabilizer(),
                                     ValueRange{ib, ih});
    }
    Value y0 = emptyTensor(b, l, {length, vd}, t);
    Value lengthV = getValueOrCreateConstantIndexOp(b, l, length);

    auto loop = scf::ForOp::create(
        b, l, c(0), lengthV, c(chunk), ValueRange{memory0, m0, y0},
        [&](OpBuilder &nb, Location nl, Value c0, ValueRange iter) {
          Value memory = iter[0], mPrev = iter[1];
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
          Value ic = sliceSteps(adaptor.getIgate());
          Value fc = sliceSteps(adaptor.getFgate());
          auto inChunk = [&](OpBuilder &bb, Location bl) {
            Value ti = linalg::IndexOp::create(bb, bl, 0);
            Value si = linalg::IndexOp::create(bb, bl, 1);
            return arith::CmpIOp::create(bb, bl, arith::CmpIPredicate::ule, si,
                                         ti);
          };
          // b[t] = Σ_{s ≤ t} logsigmoid(f[s]).
          Value cum = filledTensor(nb, nl, {qf}, t, 0.0);
          cum =
              linalg::GenericOp::create(
                  nb, nl, cum.getType(), fc, cum, {map(2, {1}), map(2, {0})},
                  {utils::IteratorType::parallel,
                   utils::IteratorType::reduction},
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value g = logSigmoid(bb, bl, a[0]);
                    Value v = arith::SelectOp::create(bb, bl, inChunk(bb, bl),
                                                      g, f(bb, bl, 0.0));
                    yieldValue(bb, bl, arith::AddFOp::create(bb, bl, a[1], v));
                  })
                  .getResult(0);
          // m[t] = max(b[t] + m₀, max_{s ≤ t} (b[t] − b[s] + i[s])).
          Value mStart =
              pointwise(nb, nl, ValueRange{cum}, cum,
                        [&](OpBuilder &bb, Location bl, ValueRange a) {
                          return arith::AddFOp::create(bb, bl, a[0], mPrev);
                        });
          Value stabilizer =
              linalg::GenericOp::create(
                  nb, nl, mStart.getType(), ValueRange{cum, cum, ic}, mStart,
                  {map(2, {0}), map(2, {1}), map(2, {1}), map(2, {0})},
                  {utils::IteratorType::parallel,
                   utils::IteratorType::reduction},
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value v = arith::AddFOp::create(
                        bb, bl, arith::SubFOp::create(bb, bl, a[0], a[1]),
                        a[2]);
                    Value m = arith::MaximumFOp::create(bb, bl, a[3], v);
                    yieldValue(bb, bl,
                               arith::SelectOp::create(bb, bl, inChunk(bb, bl),
                                                       m, a[3]));
                  })
                  .getResult(0);
          // A[t, s] = scale (q_t · k_s) exp(b[t] − b[s] + i[s] − m[t]).
          Value gramInit = filledTensor(nb, nl, {qf, qf}, t, 0.0);
          Value gram =
              linalg::GenericOp::create(
                  nb, nl, gramInit.getType(), ValueRange{qc, kc}, gramInit,
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
          Value weights =
              linalg::GenericOp::create(
                  nb, nl, gram.getType(), ValueRange{cum, cum, ic, stabilizer},
                  gram,
                  {map(2, {0}), map(2, {1}), map(2, {1}), map(2, {0}),
                   map(2, {0, 1})},
                  iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value in = inChunk(bb, bl);
                    Value e = arith::SubFOp::create(
                        bb, bl,
                        arith::AddFOp::create(
                            bb, bl, arith::SubFOp::create(bb, bl, a[0], a[1]),
                            a[2]),
                        a[3]);
                    // Masked pairs use exponent 0, never a positive one.
                    e = arith::SelectOp::create(bb, bl, in, e, f(bb, bl, 0.0));
                    Value w = arith::MulFOp::create(
                        bb, bl,
                        arith::MulFOp::create(bb, bl, a[4],
                                              f(bb, bl, scaleValue)),
                        math::ExpOp::create(bb, bl, e));
                    yieldValue(
                        bb, bl,
                        arith::SelectOp::create(bb, bl, in, w, f(bb, bl, 0.0)));
                  })
                  .getResult(0);
          // [v | 1]
          Value wideValues = filledTensor(nb, nl, {qf, wide}, t, 1.0);
          wideValues = tensor::InsertSliceOp::create(
              nb, nl, vc, wideValues, ArrayRef<OpFoldResult>{zero, zero},
              ArrayRef<OpFoldResult>{qf, vd}, ArrayRef<OpFoldResult>{one, one});
          // q̃[t] = scale exp(b[t] + m₀ − m[t]) q_t: the incoming state's share.
          Value qDecayed =
              linalg::GenericOp::create(
                  nb, nl, qc.getType(), ValueRange{qc, cum, stabilizer},
                  emptyTensor(nb, nl, {qf, kd}, t),
                  {map(2, {0, 1}), map(2, {0}), map(2, {0}), map(2, {0, 1})},
                  iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value e = arith::SubFOp::create(
                        bb, bl, arith::AddFOp::create(bb, bl, a[1], mPrev),
                        a[2]);
                    Value s =
                        arith::MulFOp::create(bb, bl, f(bb, bl, scaleValue),
                                              math::ExpOp::create(bb, bl, e));
                    yieldValue(bb, bl, arith::MulFOp::create(bb, bl, a[0], s));
                  })
                  .getResult(0);
          Value out = matmul(nb, nl, qDecayed, memory,
                             filledTensor(nb, nl, {qf, wide}, t, 0.0),
                             /*transposeA=*/false, contractions);
          out = matmul(nb, nl, weights, wideValues, out, /*transposeA=*/false,
                       contractions);
          // y = out[:, :V] / (max(|out[:, V]|, exp(−m)) + epsilon)
          Value qn = sliceRank(nb, nl, out, {zero, vd}, {qf, one}, 1);
          Value num = sliceRank(nb, nl, out, {zero, zero}, {qf, vd}, 2);
          Value yChunk =
              linalg::GenericOp::create(
                  nb, nl, num.getType(), ValueRange{num, qn, stabilizer},
                  emptyTensor(nb, nl, {qf, vd}, t),
                  {map(2, {0, 1}), map(2, {0}), map(2, {0}), map(2, {0, 1})},
                  iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value floor = math::ExpOp::create(
                        bb, bl, arith::NegFOp::create(bb, bl, a[2]));
                    Value d = arith::MaximumFOp::create(
                        bb, bl, math::AbsFOp::create(bb, bl, a[1]), floor);
                    d = arith::AddFOp::create(bb, bl, d, f(bb, bl, epsilon));
                    yieldValue(bb, bl, arith::DivFOp::create(bb, bl, a[0], d));
                  })
                  .getResult(0);
          Value y = tensor::InsertSliceOp::create(
              nb, nl, yChunk, iter[2], ArrayRef<OpFoldResult>{c0, zero},
              ArrayRef<OpFoldResult>{qf, vd}, ArrayRef<OpFoldResult>{one, one});
          // The state at the chunk's end.
          Value lastRow = arith::SubIOp::create(nb, nl, q, c(1));
          Value cumLast = tensor::ExtractOp::create(nb, nl, cum, lastRow);
          Value mLast = tensor::ExtractOp::create(nb, nl, stabilizer, lastRow);
          Value kDecayed =
              linalg::GenericOp::create(
                  nb, nl, kc.getType(), ValueRange{kc, cum, ic},
                  emptyTensor(nb, nl, {qf, kd}, t),
                  {map(2, {0, 1}), map(2, {0}), map(2, {0}), map(2, {0, 1})},
                  iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value e = arith::SubFOp::create(
                        bb, bl,
                        arith::AddFOp::create(
                            bb, bl,
                            arith::SubFOp::create(bb, bl, cumLast, a[1]), a[2]),
                        mLast);
                    yieldValue(
                        bb, bl,
                        arith::MulFOp::create(bb, bl, a[0],
                                              math::ExpOp::create(bb, bl, e)));
                  })
                  .getResult(0);
          Value chunkDecay = math::ExpOp::create(
              nb, nl,
              arith::SubFOp::create(
                  nb, nl, arith::AddFOp::create(nb, nl, cumLast, mPrev),
                  mLast));
          // In place (the outs are the state): the loop yields its buffer.
          Value decayed =
              linalg::GenericOp::create(
                  nb, nl, memory.getType(), ValueRange{}, memory,
                  {map(2, {0, 1})}, iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    yieldValue(bb, bl,
                               arith::MulFOp::create(bb, bl, a[0], chunkDecay));
                  })
                  .getResult(0);
          Value next = matmul(nb, nl, kDecayed, wideValues, decayed,
                              /*transposeA=*/true, contractions);
          scf::YieldOp::create(nb, nl, ValueRange{next, mLast, y});
        });
    return {loop.getResult(2), loop.getResult(0), loop.getResult(1)};
  }

  const Contractions &contractions;
};

} // namespace

void seqc::populateChunkedMlstmLoweringPatterns(
    RewritePatternSet &patterns, const lowering::Contractions &contractions) {
  patterns.add<ChunkedMlstmLowering>(patterns.getContext(), contractions);
}
