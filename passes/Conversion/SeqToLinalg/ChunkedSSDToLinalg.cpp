//===- ChunkedSSDToLinalg.cpp - Mamba2 SSD in its chunked matmul form -----===//
//
// The state-space-duality algorithm: an scf.forall over (batch, head), then
// chunks of `chunk` steps carrying the head's state S [P, N]. Within a chunk,
// with a_s = Δ_s·A and cum_t = Σ_{s≤t} a_s:
//
//   W[t, s]  = exp(cum_t - cum_s) · Δ_s            (s ≤ t, else 0)
//   y_t      = Σ_s (C_t·B_s) W[t, s] x_s            intra-chunk, as matmuls
//            + exp(cum_t) · S C_t                   the state entering
//            + D·x_t                                (· silu(z_t))
//   S       ← exp(cum_last) · S + Σ_s exp(cum_last - cum_s) Δ_s x_s ⊗ B_s
//
// Mathematically the recurrence of seq.ssd, reassociated; a chunk that does
// not divide L just ends early.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringStrategy.h"
#include "passes/Conversion/SeqToLinalg/ChunkedScan.h"
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

/// y [L, P] and final state [P, N] of head ih of batch ib.
std::pair<Value, Value>
emitHead(OpBuilder &b, Location l, const ChunkedScanOperands &in, Value ib,
         Value ih, OpFoldResult length, int64_t perGroup, int64_t headDim,
         int64_t state, int64_t chunk, const Contractions &contractions) {
  MLIRContext *ctx = b.getContext();
  Type t = cast<RankedTensorType>(in.x.getType()).getElementType();
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  OpFoldResult p = b.getIndexAttr(headDim), n = b.getIndexAttr(state);
  auto c = [&](int64_t v) { return indexConstant(b, l, v); };
  auto fc = [&](OpBuilder &bb, Location bl, double v) {
    return floatConstant(bb, bl, t, v);
  };
  Value ig = arith::DivUIOp::create(b, l, ih, c(perGroup));
  Value aH =
      in.a ? tensor::ExtractOp::create(b, l, in.a, ValueRange{ih}).getResult()
           : Value();
  Value dH =
      in.d ? tensor::ExtractOp::create(b, l, in.d, ValueRange{ih}).getResult()
           : Value();
  Value biasH = in.dtBias
                    ? tensor::ExtractOp::create(b, l, in.dtBias, ValueRange{ih})
                          .getResult()
                    : Value();
  bool softplusOn = in.dtSoftplus;
  std::optional<ArrayRef<float>> limit = in.dtLimit;
  // f32 with P and N multiples of 16: the chunk products run in register
  // tiles (vectorMatmul), with the state carried transposed, [N, P], so
  // that both C·S and the state update read it along P.
  bool tiled = contractions.takesChunkProducts(t, headDim, state);
  Value s0;
  if (Value init = in.initialState) {
    Value part =
        sliceRank(b, l, init, {ib, ih, zero, zero}, {one, one, p, n}, 2);
    s0 = tiled
             ? linalg::TransposeOp::create(b, l, part,
                                           emptyTensor(b, l, {n, p}, t),
                                           ArrayRef<int64_t>{1, 0})
                   .getResult()[0]
             : linalg::CopyOp::create(b, l, part, emptyTensor(b, l, {p, n}, t))
                   .getResult(0);
  } else {
    s0 = tiled ? filledTensor(b, l, {n, p}, t, 0.0)
               : filledTensor(b, l, {p, n}, t, 0.0);
  }
  Value y0 = emptyTensor(b, l, {length, p}, t);
  Value lengthV = getValueOrCreateConstantIndexOp(b, l, length);
  auto map = [&](unsigned dims, ArrayRef<int64_t> r) {
    return dimsMap(ctx, dims, r);
  };
  auto fm = contractionFlags();

  auto loop = scf::ForOp::create(
      b, l, c(0), lengthV, c(chunk), ValueRange{s0, y0},
      [&](OpBuilder &nb, Location nl, Value c0, ValueRange iter) {
        Value S = iter[0];
        Value q = arith::MinSIOp::create(
            nb, nl, c(chunk), arith::SubIOp::create(nb, nl, lengthV, c0));
        OpFoldResult qf = q;
        Value xT = sliceRank(nb, nl, in.x, {ib, c0, ih, zero},
                             {one, qf, one, p}, 2); // [q, P]
        Value dtT =
            sliceRank(nb, nl, in.dt, {ib, c0, ih}, {one, qf, one}, 1); // [q]
        Value bT = sliceRank(nb, nl, in.b, {ib, c0, ig, zero},
                             {one, qf, one, n}, 2); // [q, N]
        Value cT =
            sliceRank(nb, nl, in.c, {ib, c0, ig, zero}, {one, qf, one, n}, 2);
        // Δ and a = Δ·A per step; without A, Δ = 1 and dt is a itself.
        Value deltaInit = emptyTensor(nb, nl, {qf}, t);
        auto steps = linalg::GenericOp::create(
            nb, nl, TypeRange{deltaInit.getType(), deltaInit.getType()}, dtT,
            ValueRange{deltaInit, deltaInit},
            {map(1, {0}), map(1, {0}), map(1, {0})}, iterators(1),
            [&](OpBuilder &bb, Location bl, ValueRange a) {
              Value d =
                  biasH ? arith::AddFOp::create(bb, bl, a[0], biasH).getResult()
                        : a[0];
              if (softplusOn)
                d = softplus(bb, bl, d);
              if (limit) {
                d = arith::MaximumFOp::create(bb, bl, d,
                                              fc(bb, bl, (*limit)[0]));
                d = arith::MinimumFOp::create(bb, bl, d,
                                              fc(bb, bl, (*limit)[1]));
              }
              if (!aH) {
                linalg::YieldOp::create(bb, bl, ValueRange{fc(bb, bl, 1.0), d});
                return;
              }
              linalg::YieldOp::create(
                  bb, bl, ValueRange{d, arith::MulFOp::create(bb, bl, d, aH)});
            });
        Value delta = steps.getResult(0), aS = steps.getResult(1);
        // cum_t = Σ_{s ≤ t} a_s (q² adds, q is small).
        Value cum = filledTensor(nb, nl, {qf}, t, 0.0);
        cum = linalg::GenericOp::create(
                  nb, nl, cum.getType(), aS, cum, {map(2, {1}), map(2, {0})},
                  iterators(1, 1),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value ti = linalg::IndexOp::create(bb, bl, 0);
                    Value si = linalg::IndexOp::create(bb, bl, 1);
                    Value in = arith::CmpIOp::create(
                        bb, bl, arith::CmpIPredicate::ule, si, ti);
                    Value v = arith::SelectOp::create(bb, bl, in, a[0],
                                                      fc(bb, bl, 0.0));
                    yieldValue(bb, bl, arith::AddFOp::create(bb, bl, a[1], v));
                  })
                  .getResult(0);
        // G[t, s] = C_t · B_s, then M = G · exp(cum_t - cum_s) · Δ_s (s ≤ t).
        Value g = filledTensor(nb, nl, {qf, qf}, t, 0.0);
        g = linalg::GenericOp::create(
                nb, nl, g.getType(), ValueRange{cT, bT}, g,
                {map(3, {0, 2}), map(3, {1, 2}), map(3, {0, 1})},
                iterators(2, 1),
                [&](OpBuilder &bb, Location bl, ValueRange a) {
                  Value m = arith::MulFOp::create(bb, bl, a[0], a[1], fm);
                  yieldValue(bb, bl,
                             arith::AddFOp::create(bb, bl, a[2], m, fm));
                })
                .getResult(0);
        Value mInit = emptyTensor(nb, nl, {qf, qf}, t);
        Value m =
            linalg::GenericOp::create(
                nb, nl, mInit.getType(), ValueRange{g, cum, cum, delta}, mInit,
                {map(2, {0, 1}), map(2, {0}), map(2, {1}), map(2, {1}),
                 map(2, {0, 1})},
                iterators(2),
                [&](OpBuilder &bb, Location bl, ValueRange a) {
                  Value ti = linalg::IndexOp::create(bb, bl, 0);
                  Value si = linalg::IndexOp::create(bb, bl, 1);
                  Value in = arith::CmpIOp::create(
                      bb, bl, arith::CmpIPredicate::ule, si, ti);
                  Value w = math::ExpOp::create(
                      bb, bl, arith::SubFOp::create(bb, bl, a[1], a[2]));
                  Value v = arith::MulFOp::create(
                      bb, bl, arith::MulFOp::create(bb, bl, a[0], w), a[3]);
                  yieldValue(
                      bb, bl,
                      arith::SelectOp::create(bb, bl, in, v, fc(bb, bl, 0.0)));
                })
                .getResult(0);
        // y = exp(cum_t)·(S C_t) + M x + D x, all [q, P].
        Value yOff = filledTensor(nb, nl, {qf, p}, t, 0.0);
        if (tiled)
          yOff = contractions.matmul(nb, nl, cT, S, yOff, /*transposeA=*/false);
        else
          yOff = linalg::GenericOp::create(
                     nb, nl, yOff.getType(), ValueRange{cT, S}, yOff,
                     {map(3, {0, 2}), map(3, {1, 2}), map(3, {0, 1})},
                     iterators(2, 1),
                     [&](OpBuilder &bb, Location bl, ValueRange a) {
                       Value v = arith::MulFOp::create(bb, bl, a[0], a[1], fm);
                       yieldValue(bb, bl,
                                  arith::AddFOp::create(bb, bl, a[2], v, fm));
                     })
                     .getResult(0);
        Value yScaled = emptyTensor(nb, nl, {qf, p}, t);
        yScaled =
            linalg::GenericOp::create(
                nb, nl, yScaled.getType(), ValueRange{yOff, cum, xT}, yScaled,
                {map(2, {0, 1}), map(2, {0}), map(2, {0, 1}), map(2, {0, 1})},
                iterators(2),
                [&](OpBuilder &bb, Location bl, ValueRange a) {
                  Value v = arith::MulFOp::create(
                      bb, bl, a[0], math::ExpOp::create(bb, bl, a[1]));
                  if (dH)
                    v = arith::AddFOp::create(
                        bb, bl, v, arith::MulFOp::create(bb, bl, dH, a[2]));
                  yieldValue(bb, bl, v);
                })
                .getResult(0);
        // (t, s, p): the head dim innermost, contiguous in x and y; f32 with
        // P a multiple of 16 takes the register-tiled form.
        Value yChunk =
            contractions.matmul(nb, nl, m, xT, yScaled, /*transposeA=*/false);
        if (!yChunk)
          yChunk = linalg::GenericOp::create(
                       nb, nl, yScaled.getType(), ValueRange{m, xT}, yScaled,
                       {map(3, {0, 1}), map(3, {1, 2}), map(3, {0, 2})},
                       {utils::IteratorType::parallel,
                        utils::IteratorType::reduction,
                        utils::IteratorType::parallel},
                       [&](OpBuilder &bb, Location bl, ValueRange a) {
                         Value v =
                             arith::MulFOp::create(bb, bl, a[0], a[1], fm);
                         yieldValue(bb, bl,
                                    arith::AddFOp::create(bb, bl, a[2], v, fm));
                       })
                       .getResult(0);
        if (Value z = in.z) {
          Value zT =
              sliceRank(nb, nl, z, {ib, c0, ih, zero}, {one, qf, one, p}, 2);
          yChunk = linalg::GenericOp::create(
                       nb, nl, yChunk.getType(), zT, yChunk,
                       {map(2, {0, 1}), map(2, {0, 1})}, iterators(2),
                       [&](OpBuilder &bb, Location bl, ValueRange a) {
                         yieldValue(bb, bl,
                                    arith::MulFOp::create(bb, bl, a[1],
                                                          silu(bb, bl, a[0])));
                       })
                       .getResult(0);
        }
        Value y = tensor::InsertSliceOp::create(
            nb, nl, yChunk, iter[1], ArrayRef<OpFoldResult>{c0, zero},
            ArrayRef<OpFoldResult>{qf, p}, ArrayRef<OpFoldResult>{one, one});

        // S ← exp(cum_last)·S + Σ_s exp(cum_last - cum_s)·Δ_s · x_s ⊗ B_s.
        Value last = tensor::ExtractOp::create(
            nb, nl, cum, ValueRange{arith::SubIOp::create(nb, nl, q, c(1))});
        Value wInit = emptyTensor(nb, nl, {qf}, t);
        Value w =
            linalg::GenericOp::create(
                nb, nl, wInit.getType(), ValueRange{cum, delta}, wInit,
                {map(1, {0}), map(1, {0}), map(1, {0})}, iterators(1),
                [&](OpBuilder &bb, Location bl, ValueRange a) {
                  Value e = math::ExpOp::create(
                      bb, bl, arith::SubFOp::create(bb, bl, last, a[0]));
                  yieldValue(bb, bl, arith::MulFOp::create(bb, bl, e, a[1]));
                })
                .getResult(0);
        Value decay = math::ExpOp::create(nb, nl, last);
        Value sScaled =
            linalg::GenericOp::create(
                nb, nl, S.getType(), ValueRange{}, S, {map(2, {0, 1})},
                iterators(2),
                [&](OpBuilder &bb, Location bl, ValueRange a) {
                  yieldValue(bb, bl,
                             arith::MulFOp::create(bb, bl, a[0], decay));
                })
                .getResult(0);
        // (p, s, n): the state dim innermost, contiguous in B and S; tiled:
        // Sᵀ += Bᵀ·(x·w) in register tiles along P.
        Value xwInit = emptyTensor(nb, nl, {qf, p}, t);
        Value xw =
            linalg::GenericOp::create(
                nb, nl, xwInit.getType(), ValueRange{xT, w}, xwInit,
                {map(2, {0, 1}), map(2, {0}), map(2, {0, 1})}, iterators(2),
                [&](OpBuilder &bb, Location bl, ValueRange a) {
                  yieldValue(bb, bl, arith::MulFOp::create(bb, bl, a[0], a[1]));
                })
                .getResult(0);
        Value sNew = tiled ? contractions.matmul(nb, nl, bT, xw, sScaled,
                                                 /*transposeA=*/true)
                           : Value();
        if (!sNew)
          sNew =
              linalg::GenericOp::create(
                  nb, nl, S.getType(), ValueRange{xT, w, bT}, sScaled,
                  {map(3, {1, 0}), map(3, {1}), map(3, {1, 2}), map(3, {0, 2})},
                  {utils::IteratorType::parallel,
                   utils::IteratorType::reduction,
                   utils::IteratorType::parallel},
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value xw = arith::MulFOp::create(bb, bl, a[0], a[1]);
                    Value v = arith::MulFOp::create(bb, bl, xw, a[2], fm);
                    yieldValue(bb, bl,
                               arith::AddFOp::create(bb, bl, a[3], v, fm));
                  })
                  .getResult(0);
        scf::YieldOp::create(nb, nl, ValueRange{sNew, y});
      });
  Value finalState = loop.getResult(0);
  if (tiled)
    finalState = linalg::TransposeOp::create(b, l, finalState,
                                             emptyTensor(b, l, {p, n}, t),
                                             ArrayRef<int64_t>{1, 0})
                     .getResult()[0];
  return {loop.getResult(1), finalState};
}

struct ChunkedSSDLowering : OpConversionPattern<seq::SSDOp> {
  ChunkedSSDLowering(MLIRContext *ctx, const Contractions &contractions)
      : OpConversionPattern(ctx), contractions(contractions) {}

  LogicalResult
  matchAndRewrite(seq::SSDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::chunked))
      return failure();
    ChunkedScanOperands in;
    in.x = adaptor.getX();
    in.dt = adaptor.getDt();
    in.a = adaptor.getA();
    in.b = adaptor.getB();
    in.c = adaptor.getC();
    in.d = adaptor.getD();
    in.z = adaptor.getZ();
    in.dtBias = adaptor.getDtBias();
    in.initialState = adaptor.getInitialState();
    in.dtSoftplus = op.getDtSoftplus();
    in.dtLimit = op.getDtLimit();
    int64_t chunk = seq::getLowering(op).getChunk();
    FailureOr<std::pair<Value, Value>> result =
        emitChunkedScan(rewriter, op.getLoc(), in, chunk, contractions);
    if (failed(result))
      return rewriter.notifyMatchFailure(op, "dynamic heads or dims");
    Value output = tensor::CastOp::create(
        rewriter, op.getLoc(), op.getOutput().getType(), result->first);
    Value finalState = tensor::CastOp::create(
        rewriter, op.getLoc(), op.getFinalState().getType(), result->second);
    rewriter.replaceOp(op, {output, finalState});
    return success();
  }

  const Contractions &contractions;
};

} // namespace

FailureOr<std::pair<Value, Value>>
seqc::lowering::emitChunkedScan(OpBuilder &rewriter, Location loc,
                                const ChunkedScanOperands &in, int64_t chunk,
                                const Contractions &contractions) {
  auto xType = cast<RankedTensorType>(in.x.getType());
  auto bType = cast<RankedTensorType>(in.b.getType());
  int64_t heads = xType.getDimSize(2), groups = bType.getDimSize(2);
  int64_t headDim = xType.getDimSize(3), state = bType.getDimSize(3);
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(groups) ||
      ShapedType::isDynamic(headDim) || ShapedType::isDynamic(state))
    return failure();
  Type t = xType.getElementType();
  SmallVector<OpFoldResult> xSizes = getSizes(rewriter, loc, in.x);
  OpFoldResult batch = xSizes[0], length = xSizes[1];
  auto idx = [&](int64_t v) -> OpFoldResult {
    return rewriter.getIndexAttr(v);
  };
  Value yInit = emptyTensor(rewriter, loc, xSizes, t);
  Value sInit = emptyTensor(rewriter, loc,
                            {batch, idx(heads), idx(headDim), idx(state)}, t);
  auto forall = scf::ForallOp::create(
      rewriter, loc, SmallVector<OpFoldResult>{batch, idx(heads)},
      ValueRange{yInit, sInit}, std::nullopt,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value ib = args[0], ih = args[1];
        auto [y, s] = emitHead(b, l, in, ib, ih, length, heads / groups,
                               headDim, state, chunk, contractions);
        auto inParallel = scf::InParallelOp::create(b, l);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(inParallel.getBody());
        OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
        tensor::ParallelInsertSliceOp::create(
            b, l, y, args[2], ArrayRef<OpFoldResult>{ib, zero, ih, zero},
            ArrayRef<OpFoldResult>{one, length, one, b.getIndexAttr(headDim)},
            ArrayRef<OpFoldResult>{one, one, one, one});
        tensor::ParallelInsertSliceOp::create(
            b, l, s, args[3], ArrayRef<OpFoldResult>{ib, ih, zero, zero},
            ArrayRef<OpFoldResult>{one, one, b.getIndexAttr(headDim),
                                   b.getIndexAttr(state)},
            ArrayRef<OpFoldResult>{one, one, one, one});
      });
  return std::make_pair(forall.getResult(0), forall.getResult(1));
}

void seqc::populateChunkedSSDLoweringPatterns(
    RewritePatternSet &patterns, const lowering::Contractions &contractions) {
  patterns.add<ChunkedSSDLowering>(patterns.getContext(), contractions);
}
