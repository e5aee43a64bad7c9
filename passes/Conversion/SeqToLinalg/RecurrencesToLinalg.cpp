//===- RecurrencesToLinalg.cpp - reference lowering of scans and conv -----===//
//
// The recurrent mixers step through time with scf.for, carrying the state
// and the output tensor; each step is a few linalg.generic ops over the
// step's slices. Sequential and exact: the scan-tiling passes must match it.
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

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

/// The time step `t` of a [B, L, ...] tensor as a [B, ...] tensor.
static Value sliceAtTime(OpBuilder &b, Location loc, Value x, Value t) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x);
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets[1] = t;
  sizes[1] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + 1);
  auto sliceType = RankedTensorType::get(shape, type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, sliceType, x, offsets, sizes,
                                        strides);
}

/// Writes a [B, ...] step result into time step `t` of `dest` [B, L, ...].
static Value insertAtTime(OpBuilder &b, Location loc, Value step, Value dest,
                          Value t) {
  int64_t rank = cast<RankedTensorType>(dest.getType()).getRank();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, dest);
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets[1] = t;
  sizes[1] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, step, dest, offsets, sizes,
                                       strides);
}

/// Splits dim `dim` of `x` (size groups·per) into [groups, per].
static Value splitDim(OpBuilder &b, Location loc, Value x, int64_t dim,
                      int64_t groups, int64_t per) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = per;
  shape.insert(shape.begin() + dim, groups);
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x);
  sizes[dim] = b.getIndexAttr(per);
  sizes.insert(sizes.begin() + dim, b.getIndexAttr(groups));
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0, r = 0; i < type.getRank(); ++i) {
    if (i == dim) {
      reassociation.push_back({r, r + 1});
      r += 2;
    } else {
      reassociation.push_back({r++});
    }
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x,
      reassociation, sizes);
}

/// Inverse of splitDim.
static Value mergeDims(OpBuilder &b, Location loc, Value x, int64_t dim) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i < rank; ++i) {
    if (i == dim) {
      reassociation.push_back({i, i + 1});
      ++i;
    } else {
      reassociation.push_back({i});
    }
  }
  return tensor::CollapseShapeOp::create(b, loc, x, reassociation);
}

/// y[...] = Σ_last state[..., n] · c[...]: a reduction over the state's
/// last loop dim `numDims - 1`.
static Value contractState(OpBuilder &b, Location loc, Value state,
                           AffineMap stateMap, Value c, AffineMap cMap,
                           AffineMap outMap, ArrayRef<OpFoldResult> outSizes,
                           double scale = 1.0) {
  Type t = cast<RankedTensorType>(state.getType()).getElementType();
  Value zeros = filledTensor(b, loc, outSizes, t, 0.0);
  unsigned numDims = stateMap.getNumDims();
  return linalg::GenericOp::create(
             b, loc, zeros.getType(), ValueRange{state, c}, zeros,
             {stateMap, cMap, outMap}, iterators(numDims - 1, 1),
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value p = arith::MulFOp::create(nb, nl, a[0], a[1],
                                               contractionFlags());
               if (scale != 1.0)
                 p = arith::MulFOp::create(nb, nl, p,
                                           floatConstant(nb, nl, t, scale));
               yieldValue(
                   nb, nl,
                   arith::AddFOp::create(nb, nl, a[2], p, contractionFlags()));
             })
      .getResult(0);
}

/// The discretised step Δ = clamp(softplus?(dt + bias)).
static Value stepSize(OpBuilder &b, Location loc, Value dt, Value bias,
                      bool softplusOn, std::optional<ArrayRef<float>> limit) {
  Value d = bias ? arith::AddFOp::create(b, loc, dt, bias).getResult() : dt;
  if (softplusOn)
    d = softplus(b, loc, d);
  if (limit) {
    Type t = d.getType();
    d = arith::MaximumFOp::create(b, loc, d,
                                  floatConstant(b, loc, t, (*limit)[0]));
    d = arith::MinimumFOp::create(b, loc, d,
                                  floatConstant(b, loc, t, (*limit)[1]));
  }
  return d;
}

//===----------------------------------------------------------------------===//
// seq.selective_scan
//===----------------------------------------------------------------------===//

struct SelectiveScanLowering : OpConversionPattern<seq::SelectiveScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::SelectiveScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::reference))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value u = adaptor.getU();
    auto uType = cast<RankedTensorType>(u.getType());
    Type t = uType.getElementType();
    SmallVector<OpFoldResult> uSizes = getSizes(rewriter, loc, u);
    OpFoldResult n = getSizes(rewriter, loc, adaptor.getA())[1];
    SmallVector<OpFoldResult> stateSizes = {uSizes[0], uSizes[2], n};
    Value state0 = adaptor.getInitialState()
                       ? adaptor.getInitialState()
                       : filledTensor(rewriter, loc, stateSizes, t, 0.0);
    Value out0 = emptyTensor(rewriter, loc, uSizes, t);
    Value length = getValueOrCreateConstantIndexOp(rewriter, loc, uSizes[1]);
    bool softplusOn = op.getDeltaSoftplus();

    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0), length,
        indexConstant(rewriter, loc, 1), ValueRange{state0, out0},
        [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
          Value ut = sliceAtTime(b, l, u, step);
          Value dt = sliceAtTime(b, l, adaptor.getDelta(), step);
          Value bt = sliceAtTime(b, l, adaptor.getB(), step);
          Value ct = sliceAtTime(b, l, adaptor.getC(), step);
          // (b, d, n): h = exp(Δ·A)·h + Δ·B·u
          // The state is updated in place: it is the generic's output, and
          // its old value is the body's last argument.
          SmallVector<Value> inputs = {ut, dt, adaptor.getA(), bt};
          SmallVector<AffineMap> maps = {
              dimsMap(ctx, 3, {0, 1}), dimsMap(ctx, 3, {0, 1}),
              dimsMap(ctx, 3, {1, 2}), dimsMap(ctx, 3, {0, 2})};
          Value deltaBias = adaptor.getDeltaBias();
          if (deltaBias) {
            inputs.push_back(deltaBias);
            maps.push_back(dimsMap(ctx, 3, {1}));
          }
          maps.push_back(dimsMap(ctx, 3, {0, 1, 2}));
          Value state =
              linalg::GenericOp::create(
                  b, l, iter[0].getType(), inputs, iter[0], maps, iterators(3),
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    // a = (u, dt, A, B, [delta_bias], h)
                    Value delta =
                        stepSize(nb, nl, a[1], deltaBias ? a[4] : Value(),
                                 softplusOn, std::nullopt);
                    Value decay = math::ExpOp::create(
                        nb, nl, arith::MulFOp::create(nb, nl, delta, a[2]));
                    Value input = arith::MulFOp::create(
                        nb, nl, arith::MulFOp::create(nb, nl, delta, a[3]),
                        a[0]);
                    Value h = arith::AddFOp::create(
                        nb, nl, arith::MulFOp::create(nb, nl, decay, a.back()),
                        input);
                    yieldValue(nb, nl, h);
                  })
                  .getResult(0);
          SmallVector<OpFoldResult> ySizes = {uSizes[0], uSizes[2]};
          Value y = contractState(b, l, state, dimsMap(ctx, 3, {0, 1, 2}), ct,
                                  dimsMap(ctx, 3, {0, 2}),
                                  dimsMap(ctx, 3, {0, 1}), ySizes);
          // y += D·u; y *= silu(z)
          SmallVector<Value> post = {y, ut};
          Value d = adaptor.getD();
          Value zt = adaptor.getZ() ? sliceAtTime(b, l, adaptor.getZ(), step)
                                    : Value();
          if (d || zt) {
            SmallVector<AffineMap> postMaps = {dimsMap(ctx, 2, {0, 1}),
                                               dimsMap(ctx, 2, {0, 1})};
            if (d) {
              post.push_back(d);
              postMaps.push_back(dimsMap(ctx, 2, {1}));
            }
            if (zt) {
              post.push_back(zt);
              postMaps.push_back(dimsMap(ctx, 2, {0, 1}));
            }
            postMaps.push_back(dimsMap(ctx, 2, {0, 1}));
            Value init = emptyTensor(b, l, ySizes, t);
            y = linalg::GenericOp::create(
                    b, l, init.getType(), post, init, postMaps, iterators(2),
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value r = a[0];
                      unsigned next = 2;
                      if (d)
                        r = arith::AddFOp::create(
                            nb, nl, r,
                            arith::MulFOp::create(nb, nl, a[next++], a[1]));
                      if (zt)
                        r = arith::MulFOp::create(nb, nl, r,
                                                  silu(nb, nl, a[next]));
                      yieldValue(nb, nl, r);
                    })
                    .getResult(0);
          }
          Value out = insertAtTime(b, l, y, iter[1], step);
          scf::YieldOp::create(b, l, ValueRange{state, out});
        });
    rewriter.replaceOp(op, {loop.getResult(1), loop.getResult(0)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.ssd
//===----------------------------------------------------------------------===//

struct SSDLowering : OpConversionPattern<seq::SSDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::SSDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::reference))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto xType = cast<RankedTensorType>(op.getX().getType());
    auto bType = cast<RankedTensorType>(op.getB().getType());
    Type t = xType.getElementType();
    int64_t heads = xType.getDimSize(2), groups = bType.getDimSize(2);
    if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(groups))
      return rewriter.notifyMatchFailure(op, "dynamic heads or groups");
    int64_t per = heads / groups;
    // Split heads into [groups, heads per group] so B and C index by group
    // through plain projections.
    Value x = splitDim(rewriter, loc, adaptor.getX(), 2, groups, per);
    Value dt = splitDim(rewriter, loc, adaptor.getDt(), 2, groups, per);
    Value a = splitDim(rewriter, loc, adaptor.getA(), 0, groups, per);
    Value d = adaptor.getD()
                  ? splitDim(rewriter, loc, adaptor.getD(), 0, groups, per)
                  : Value();
    Value dtBias =
        adaptor.getDtBias()
            ? splitDim(rewriter, loc, adaptor.getDtBias(), 0, groups, per)
            : Value();
    Value z = adaptor.getZ()
                  ? splitDim(rewriter, loc, adaptor.getZ(), 2, groups, per)
                  : Value();
    SmallVector<OpFoldResult> xSizes = getSizes(rewriter, loc, x);
    OpFoldResult n = getSizes(rewriter, loc, adaptor.getB())[3];
    // state [B, G, R, P, N]
    SmallVector<OpFoldResult> stateSizes = {xSizes[0], xSizes[2], xSizes[3],
                                            xSizes[4], n};
    Value state0 =
        adaptor.getInitialState()
            ? splitDim(rewriter, loc, adaptor.getInitialState(), 1, groups, per)
            : filledTensor(rewriter, loc, stateSizes, t, 0.0);
    Value out0 = emptyTensor(rewriter, loc, xSizes, t);
    Value length = getValueOrCreateConstantIndexOp(rewriter, loc, xSizes[1]);
    bool softplusOn = op.getDtSoftplus();
    std::optional<ArrayRef<float>> limit = op.getDtLimit();

    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0), length,
        indexConstant(rewriter, loc, 1), ValueRange{state0, out0},
        [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
          Value xt = sliceAtTime(b, l, x, step);              // [B, G, R, P]
          Value dtt = sliceAtTime(b, l, dt, step);            // [B, G, R]
          Value bt = sliceAtTime(b, l, adaptor.getB(), step); // [B, G, N]
          Value ct = sliceAtTime(b, l, adaptor.getC(), step);
          // (b, g, r, p, n): S = exp(Δ·A)·S + Δ·x·B
          SmallVector<Value> inputs = {xt, dtt, a, bt};
          SmallVector<AffineMap> maps = {
              dimsMap(ctx, 5, {0, 1, 2, 3}), dimsMap(ctx, 5, {0, 1, 2}),
              dimsMap(ctx, 5, {1, 2}), dimsMap(ctx, 5, {0, 1, 4})};
          if (dtBias) {
            inputs.push_back(dtBias);
            maps.push_back(dimsMap(ctx, 5, {1, 2}));
          }
          maps.push_back(dimsMap(ctx, 5, {0, 1, 2, 3, 4}));
          Value state =
              linalg::GenericOp::create(
                  b, l, iter[0].getType(), inputs, iter[0], maps, iterators(5),
                  [&](OpBuilder &nb, Location nl, ValueRange v) {
                    // v = (x, dt, A, B, [dt_bias], S)
                    Value delta =
                        stepSize(nb, nl, v[1], dtBias ? v[4] : Value(),
                                 softplusOn, limit);
                    Value decay = math::ExpOp::create(
                        nb, nl, arith::MulFOp::create(nb, nl, delta, v[2]));
                    Value input = arith::MulFOp::create(
                        nb, nl, arith::MulFOp::create(nb, nl, delta, v[0]),
                        v[3]);
                    yieldValue(
                        nb, nl,
                        arith::AddFOp::create(
                            nb, nl,
                            arith::MulFOp::create(nb, nl, decay, v.back()),
                            input));
                  })
                  .getResult(0);
          SmallVector<OpFoldResult> ySizes = {xSizes[0], xSizes[2], xSizes[3],
                                              xSizes[4]};
          Value y = contractState(b, l, state, dimsMap(ctx, 5, {0, 1, 2, 3, 4}),
                                  ct, dimsMap(ctx, 5, {0, 1, 4}),
                                  dimsMap(ctx, 5, {0, 1, 2, 3}), ySizes);
          Value zt = z ? sliceAtTime(b, l, z, step) : Value();
          if (d || zt) {
            SmallVector<Value> post = {y, xt};
            SmallVector<AffineMap> postMaps = {dimsMap(ctx, 4, {0, 1, 2, 3}),
                                               dimsMap(ctx, 4, {0, 1, 2, 3})};
            if (d) {
              post.push_back(d);
              postMaps.push_back(dimsMap(ctx, 4, {1, 2}));
            }
            if (zt) {
              post.push_back(zt);
              postMaps.push_back(dimsMap(ctx, 4, {0, 1, 2, 3}));
            }
            postMaps.push_back(dimsMap(ctx, 4, {0, 1, 2, 3}));
            Value init = emptyTensor(b, l, ySizes, t);
            y = linalg::GenericOp::create(
                    b, l, init.getType(), post, init, postMaps, iterators(4),
                    [&](OpBuilder &nb, Location nl, ValueRange v) {
                      Value r = v[0];
                      unsigned next = 2;
                      if (d)
                        r = arith::AddFOp::create(
                            nb, nl, r,
                            arith::MulFOp::create(nb, nl, v[next++], v[1]));
                      if (zt)
                        r = arith::MulFOp::create(nb, nl, r,
                                                  silu(nb, nl, v[next]));
                      yieldValue(nb, nl, r);
                    })
                    .getResult(0);
          }
          Value out = insertAtTime(b, l, y, iter[1], step);
          scf::YieldOp::create(b, l, ValueRange{state, out});
        });
    Value output = mergeDims(rewriter, loc, loop.getResult(1), 2);
    Value finalState = mergeDims(rewriter, loc, loop.getResult(0), 1);
    rewriter.replaceOp(op, {output, finalState});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.linear_attention
//===----------------------------------------------------------------------===//

struct LinearAttentionLowering : OpConversionPattern<seq::LinearAttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::LinearAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::reference))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    Type t = cast<RankedTensorType>(q.getType()).getElementType();
    SmallVector<OpFoldResult> qSizes = getSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> vSizes = getSizes(rewriter, loc, v);
    // state [B, H, K, V]
    SmallVector<OpFoldResult> stateSizes = {qSizes[0], qSizes[2], qSizes[3],
                                            vSizes[3]};
    Value state0 = adaptor.getInitialState()
                       ? adaptor.getInitialState()
                       : filledTensor(rewriter, loc, stateSizes, t, 0.0);
    Value out0 = emptyTensor(rewriter, loc, vSizes, t);
    Value length = getValueOrCreateConstantIndexOp(rewriter, loc, qSizes[1]);
    Value decay = adaptor.getLogDecay();
    int64_t decayRank =
        decay ? cast<RankedTensorType>(decay.getType()).getRank() : 0;
    double scale = op.getScale().convertToDouble();

    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0), length,
        indexConstant(rewriter, loc, 1), ValueRange{state0, out0},
        [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
          Value qt = sliceAtTime(b, l, q, step); // [B, H, K]
          Value kt = sliceAtTime(b, l, k, step);
          Value vt = sliceAtTime(b, l, v, step); // [B, H, V]
          // (b, h, k, v): S = exp(g)·S + k ⊗ v
          SmallVector<Value> inputs = {kt, vt};
          SmallVector<AffineMap> maps = {dimsMap(ctx, 4, {0, 1, 2}),
                                         dimsMap(ctx, 4, {0, 1, 3})};
          if (decayRank == 1) { // [H]
            inputs.push_back(decay);
            maps.push_back(dimsMap(ctx, 4, {1}));
          } else if (decayRank == 3) { // [B, L, H] -> [B, H]
            inputs.push_back(sliceAtTime(b, l, decay, step));
            maps.push_back(dimsMap(ctx, 4, {0, 1}));
          } else if (decayRank == 4) { // [B, L, H, K] -> [B, H, K]
            inputs.push_back(sliceAtTime(b, l, decay, step));
            maps.push_back(dimsMap(ctx, 4, {0, 1, 2}));
          }
          maps.push_back(dimsMap(ctx, 4, {0, 1, 2, 3}));
          Value state =
              linalg::GenericOp::create(
                  b, l, iter[0].getType(), inputs, iter[0], maps, iterators(4),
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    // a = (k, v, [log_decay], S)
                    Value s = a.back();
                    if (decayRank)
                      s = arith::MulFOp::create(
                          nb, nl, math::ExpOp::create(nb, nl, a[2]), s);
                    Value kv = arith::MulFOp::create(nb, nl, a[0], a[1]);
                    yieldValue(nb, nl, arith::AddFOp::create(nb, nl, s, kv));
                  })
                  .getResult(0);
          // y[b, h, v] = Σ_k S[b, h, k, v] · scale · q[b, h, k]
          SmallVector<OpFoldResult> ySizes = {qSizes[0], qSizes[2], vSizes[3]};
          Value y = contractState(b, l, state, dimsMap(ctx, 4, {0, 1, 3, 2}),
                                  qt, dimsMap(ctx, 4, {0, 1, 3}),
                                  dimsMap(ctx, 4, {0, 1, 2}), ySizes, scale);
          Value out = insertAtTime(b, l, y, iter[1], step);
          scf::YieldOp::create(b, l, ValueRange{state, out});
        });
    rewriter.replaceOp(op, {loop.getResult(1), loop.getResult(0)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.delta_rule
//===----------------------------------------------------------------------===//

struct DeltaRuleLowering : OpConversionPattern<seq::DeltaRuleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::DeltaRuleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::reference))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    Value beta = adaptor.getBeta(), decay = adaptor.getLogDecay();
    Type t = cast<RankedTensorType>(q.getType()).getElementType();
    SmallVector<OpFoldResult> qSizes = getSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> vSizes = getSizes(rewriter, loc, v);
    // state [B, H, K, V]
    SmallVector<OpFoldResult> stateSizes = {qSizes[0], qSizes[2], qSizes[3],
                                            vSizes[3]};
    SmallVector<OpFoldResult> rowSizes = {qSizes[0], qSizes[2], vSizes[3]};
    Value state0 = adaptor.getInitialState()
                       ? adaptor.getInitialState()
                       : filledTensor(rewriter, loc, stateSizes, t, 0.0);
    Value out0 = emptyTensor(rewriter, loc, vSizes, t);
    Value length = getValueOrCreateConstantIndexOp(rewriter, loc, qSizes[1]);
    double scale = op.getScale().convertToDouble();
    AffineMap state4 = dimsMap(ctx, 4, {0, 1, 2, 3});

    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0), length,
        indexConstant(rewriter, loc, 1), ValueRange{state0, out0},
        [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
          Value qt = sliceAtTime(b, l, q, step); // [B, H, K]
          Value kt = sliceAtTime(b, l, k, step);
          Value vt = sliceAtTime(b, l, v, step);    // [B, H, V]
          Value bt = sliceAtTime(b, l, beta, step); // [B, H]
          Value state = iter[0];
          if (decay) { // S = exp(g)·S
            Value gt = sliceAtTime(b, l, decay, step);
            state = linalg::GenericOp::create(
                        b, l, state.getType(), gt, state,
                        {dimsMap(ctx, 4, {0, 1}), state4}, iterators(4),
                        [&](OpBuilder &nb, Location nl, ValueRange a) {
                          Value g = math::ExpOp::create(nb, nl, a[0]);
                          yieldValue(nb, nl,
                                     arith::MulFOp::create(nb, nl, g, a[1]));
                        })
                        .getResult(0);
          }
          // predicted[b, h, v] = Σ_k S[b, h, k, v] · k[b, h, k]
          Value predicted = contractState(
              b, l, state, dimsMap(ctx, 4, {0, 1, 3, 2}), kt,
              dimsMap(ctx, 4, {0, 1, 3}), dimsMap(ctx, 4, {0, 1, 2}), rowSizes);
          // u = β·(v − predicted)
          Value u =
              linalg::GenericOp::create(
                  b, l, predicted.getType(), ValueRange{vt, bt}, predicted,
                  {dimsMap(ctx, 3, {0, 1, 2}), dimsMap(ctx, 3, {0, 1}),
                   dimsMap(ctx, 3, {0, 1, 2})},
                  iterators(3),
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    Value d = arith::SubFOp::create(nb, nl, a[0], a[2]);
                    yieldValue(nb, nl, arith::MulFOp::create(nb, nl, a[1], d));
                  })
                  .getResult(0);
          // S += k ⊗ u
          state =
              linalg::GenericOp::create(
                  b, l, state.getType(), ValueRange{kt, u}, state,
                  {dimsMap(ctx, 4, {0, 1, 2}), dimsMap(ctx, 4, {0, 1, 3}),
                   state4},
                  iterators(4),
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    Value ku = arith::MulFOp::create(nb, nl, a[0], a[1]);
                    yieldValue(nb, nl, arith::AddFOp::create(nb, nl, a[2], ku));
                  })
                  .getResult(0);
          // y[b, h, v] = Σ_k S[b, h, k, v] · scale · q[b, h, k]
          Value y = contractState(b, l, state, dimsMap(ctx, 4, {0, 1, 3, 2}),
                                  qt, dimsMap(ctx, 4, {0, 1, 3}),
                                  dimsMap(ctx, 4, {0, 1, 2}), rowSizes, scale);
          Value out = insertAtTime(b, l, y, iter[1], step);
          scf::YieldOp::create(b, l, ValueRange{state, out});
        });
    rewriter.replaceOp(op, {loop.getResult(1), loop.getResult(0)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.mlstm
//===----------------------------------------------------------------------===//

/// The mLSTM step by step, as transformers' mlstm_recurrent_step_native:
/// per step the gates and stabiliser over [B, H], the memory and
/// normaliser updated in place, then the two contractions with the scaled
/// query and the normalised output.
struct MlstmLowering : OpConversionPattern<seq::MlstmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::MlstmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::reference))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    Value ig = adaptor.getIgate(), fg = adaptor.getFgate();
    auto qType = cast<RankedTensorType>(q.getType());
    Type t = qType.getElementType();
    SmallVector<OpFoldResult> qSizes = getSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> vSizes = getSizes(rewriter, loc, v);
    int64_t headDim = qType.getDimSize(3);
    if (!op.getScale() && ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(op, "dynamic head dim, no scale");
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(double(headDim));
    double epsilon = op.getEpsilon().convertToDouble();
    SmallVector<OpFoldResult> cSizes = {qSizes[0], qSizes[2], qSizes[3],
                                        vSizes[3]};
    SmallVector<OpFoldResult> nSizes = {qSizes[0], qSizes[2], qSizes[3]};
    SmallVector<OpFoldResult> mSizes = {qSizes[0], qSizes[2]};
    SmallVector<OpFoldResult> ySizes = {qSizes[0], qSizes[2], vSizes[3]};
    Value c0 = adaptor.getInitialMemory(), n0 = adaptor.getInitialNormalizer(),
          m0 = adaptor.getInitialStabilizer();
    if (!c0) {
      c0 = filledTensor(rewriter, loc, cSizes, t, 0.0);
      n0 = filledTensor(rewriter, loc, nSizes, t, 0.0);
      m0 = filledTensor(rewriter, loc, mSizes, t, 0.0);
    }
    Value out0 = emptyTensor(rewriter, loc, vSizes, t);
    Value length = getValueOrCreateConstantIndexOp(rewriter, loc, qSizes[1]);
    AffineMap bh2 = dimsMap(ctx, 2, {0, 1});

    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0), length,
        indexConstant(rewriter, loc, 1), ValueRange{c0, n0, m0, out0},
        [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
          Value qt = sliceAtTime(b, l, q, step); // [B, H, K]
          Value kt = sliceAtTime(b, l, k, step);
          Value vt = sliceAtTime(b, l, v, step);  // [B, H, V]
          Value it = sliceAtTime(b, l, ig, step); // [B, H]
          Value ft = sliceAtTime(b, l, fg, step);
          // Gates: (m', e^(g + m − m'), e^(i − m')) over [B, H].
          Value faInit = emptyTensor(b, l, mSizes, t);
          Value iaInit = emptyTensor(b, l, mSizes, t);
          auto gates = linalg::GenericOp::create(
              b, l,
              TypeRange{iter[2].getType(), faInit.getType(), iaInit.getType()},
              ValueRange{ft, it}, ValueRange{iter[2], faInit, iaInit},
              SmallVector<AffineMap>(5, bh2), iterators(2),
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value g = logSigmoid(nb, nl, a[0]);
                Value gm = arith::AddFOp::create(nb, nl, g, a[2]);
                Value m = arith::MaximumFOp::create(nb, nl, gm, a[1]);
                Value fa = math::ExpOp::create(
                    nb, nl, arith::SubFOp::create(nb, nl, gm, m));
                Value ia = math::ExpOp::create(
                    nb, nl, arith::SubFOp::create(nb, nl, a[1], m));
                linalg::YieldOp::create(nb, nl, ValueRange{m, fa, ia});
              });
          Value m = gates.getResult(0), fa = gates.getResult(1),
                ia = gates.getResult(2);
          // C = fa·C + ia·(k ⊗ v)
          Value memory =
              linalg::GenericOp::create(
                  b, l, iter[0].getType(), ValueRange{fa, ia, kt, vt}, iter[0],
                  {dimsMap(ctx, 4, {0, 1}), dimsMap(ctx, 4, {0, 1}),
                   dimsMap(ctx, 4, {0, 1, 2}), dimsMap(ctx, 4, {0, 1, 3}),
                   dimsMap(ctx, 4, {0, 1, 2, 3})},
                  iterators(4),
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    Value kv = arith::MulFOp::create(nb, nl, a[2], a[3]);
                    Value r = arith::AddFOp::create(
                        nb, nl, arith::MulFOp::create(nb, nl, a[0], a[4]),
                        arith::MulFOp::create(nb, nl, a[1], kv));
                    yieldValue(nb, nl, r);
                  })
                  .getResult(0);
          // n = fa·n + ia·k
          Value normalizer =
              linalg::GenericOp::create(
                  b, l, iter[1].getType(), ValueRange{fa, ia, kt}, iter[1],
                  {dimsMap(ctx, 3, {0, 1}), dimsMap(ctx, 3, {0, 1}),
                   dimsMap(ctx, 3, {0, 1, 2}), dimsMap(ctx, 3, {0, 1, 2})},
                  iterators(3),
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    Value r = arith::AddFOp::create(
                        nb, nl, arith::MulFOp::create(nb, nl, a[0], a[3]),
                        arith::MulFOp::create(nb, nl, a[1], a[2]));
                    yieldValue(nb, nl, r);
                  })
                  .getResult(0);
          // num[b, h, v] = Σ_k C[b, h, k, v]·scale·q[b, h, k];
          // qn[b, h] = Σ_k n[b, h, k]·scale·q[b, h, k]
          Value num = contractState(b, l, memory, dimsMap(ctx, 4, {0, 1, 3, 2}),
                                    qt, dimsMap(ctx, 4, {0, 1, 3}),
                                    dimsMap(ctx, 4, {0, 1, 2}), ySizes, scale);
          Value qn = contractState(b, l, normalizer, dimsMap(ctx, 3, {0, 1, 2}),
                                   qt, dimsMap(ctx, 3, {0, 1, 2}),
                                   dimsMap(ctx, 3, {0, 1}), mSizes, scale);
          // y = num / (max(|qn|, e^−m) + epsilon)
          Value y =
              linalg::GenericOp::create(
                  b, l, num.getType(), ValueRange{qn, m}, num,
                  {dimsMap(ctx, 3, {0, 1}), dimsMap(ctx, 3, {0, 1}),
                   dimsMap(ctx, 3, {0, 1, 2})},
                  iterators(3),
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    Value floor = math::ExpOp::create(
                        nb, nl, arith::NegFOp::create(nb, nl, a[1]));
                    Value d = arith::MaximumFOp::create(
                        nb, nl, math::AbsFOp::create(nb, nl, a[0]), floor);
                    d = arith::AddFOp::create(
                        nb, nl, d, floatConstant(nb, nl, t, epsilon));
                    yieldValue(nb, nl, arith::DivFOp::create(nb, nl, a[2], d));
                  })
                  .getResult(0);
          Value out = insertAtTime(b, l, y, iter[3], step);
          scf::YieldOp::create(b, l, ValueRange{memory, normalizer, m, out});
        });
    SmallVector<Value> results = {loop.getResult(3)};
    for (unsigned i = 0; i < 3; ++i)
      results.push_back(tensor::CastOp::create(
          rewriter, loc, op->getResult(i + 1).getType(), loop.getResult(i)));
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.wkv
//===----------------------------------------------------------------------===//

/// Row `row` of a [B, 3, C] state as [B, C].
static Value stateRow(OpBuilder &b, Location loc, Value state, int64_t row) {
  auto type = cast<RankedTensorType>(state.getType());
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, state);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(row),
                                       b.getIndexAttr(0)};
  sizes[1] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  auto rowType = RankedTensorType::get({type.getDimSize(0), type.getDimSize(2)},
                                       type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, rowType, state, offsets, sizes,
                                        strides);
}

/// The WKV recurrence steps through time; each step is one elementwise
/// generic over [B, C] that reads k_t, v_t, w, u and updates the state rows
/// (a, d, m) in place while writing y_t. Every channel is independent and
/// the work per token is a few exponentials per channel, small next to the
/// projections around it, so there is no chunked form.
struct WkvLowering : OpConversionPattern<seq::WkvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::WkvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value k = adaptor.getKey(), v = adaptor.getValue();
    Type t = cast<RankedTensorType>(k.getType()).getElementType();
    SmallVector<OpFoldResult> kSizes = getSizes(rewriter, loc, k);
    SmallVector<OpFoldResult> rowSizes = {kSizes[0], kSizes[2]};
    Value a0, d0, m0;
    if (Value init = adaptor.getInitialState()) {
      a0 = stateRow(rewriter, loc, init, 0);
      d0 = stateRow(rewriter, loc, init, 1);
      m0 = stateRow(rewriter, loc, init, 2);
    } else {
      a0 = filledTensor(rewriter, loc, rowSizes, t, 0.0);
      d0 = filledTensor(rewriter, loc, rowSizes, t, 0.0);
      m0 = filledTensor(rewriter, loc, rowSizes, t, 0.0);
    }
    // The rows are loop-carried tensors of their own; give them a static
    // type so that the loop's iter_args keep one type.
    auto rowType = cast<RankedTensorType>(a0.getType());
    Value out0 = emptyTensor(rewriter, loc, kSizes, t);
    Value length = getValueOrCreateConstantIndexOp(rewriter, loc, kSizes[1]);
    AffineMap row = dimsMap(ctx, 2, {0, 1}), channel = dimsMap(ctx, 2, {1});

    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0), length,
        indexConstant(rewriter, loc, 1), ValueRange{a0, d0, m0, out0},
        [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
          Value kt = sliceAtTime(b, l, k, step); // [B, C]
          Value vt = sliceAtTime(b, l, v, step);
          Value yInit = emptyTensor(b, l, rowSizes, t);
          auto stepOp = linalg::GenericOp::create(
              b, l, TypeRange{yInit.getType(), rowType, rowType, rowType},
              ValueRange{kt, vt, adaptor.getLogDecay(), adaptor.getBonus()},
              ValueRange{yInit, iter[0], iter[1], iter[2]},
              SmallVector<AffineMap>{row, row, channel, channel, row, row, row,
                                     row},
              iterators(2), [&](OpBuilder &nb, Location nl, ValueRange x) {
                // x = (k, v, w, u, y, a, d, m)
                Value kk = x[0], vv = x[1], w = x[2], u = x[3];
                Value a = x[5], d = x[6], m = x[7];
                auto exp = [&](Value hi, Value lo) -> Value {
                  return math::ExpOp::create(
                      nb, nl, arith::SubFOp::create(nb, nl, hi, lo));
                };
                auto mulAdd = [&](Value p, Value q, Value r, Value s) -> Value {
                  return arith::AddFOp::create(
                      nb, nl, arith::MulFOp::create(nb, nl, p, q),
                      arith::MulFOp::create(nb, nl, r, s));
                };
                // An empty row (d = 0) has no exponent of its own.
                Value empty =
                    arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, d,
                                          floatConstant(nb, nl, t, 0.0));
                m = arith::SelectOp::create(nb, nl, empty,
                                            floatConstant(nb, nl, t, -1e38), m);
                Value uk = arith::AddFOp::create(nb, nl, u, kk);
                Value p = arith::MaximumFOp::create(nb, nl, m, uk);
                Value e1 = exp(m, p), e2 = exp(uk, p);
                Value y = arith::DivFOp::create(
                    nb, nl, mulAdd(e1, a, e2, vv),
                    arith::AddFOp::create(
                        nb, nl, arith::MulFOp::create(nb, nl, e1, d), e2));
                Value mw = arith::AddFOp::create(nb, nl, m, w);
                Value q = arith::MaximumFOp::create(nb, nl, mw, kk);
                Value f1 = exp(mw, q), f2 = exp(kk, q);
                Value na = mulAdd(f1, a, f2, vv);
                Value nd = arith::AddFOp::create(
                    nb, nl, arith::MulFOp::create(nb, nl, f1, d), f2);
                linalg::YieldOp::create(nb, nl, ValueRange{y, na, nd, q});
              });
          Value out = insertAtTime(b, l, stepOp.getResult(0), iter[3], step);
          scf::YieldOp::create(b, l,
                               ValueRange{stepOp.getResult(1),
                                          stepOp.getResult(2),
                                          stepOp.getResult(3), out});
        });
    // final_state [B, 3, C] from its rows.
    SmallVector<OpFoldResult> stateSizes = {kSizes[0], rewriter.getIndexAttr(3),
                                            kSizes[2]};
    Value state = emptyTensor(rewriter, loc, stateSizes, t);
    SmallVector<OpFoldResult> unit(3, rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> rowSlice = {kSizes[0], rewriter.getIndexAttr(1),
                                          kSizes[2]};
    for (int64_t r = 0; r < 3; ++r) {
      Value rowValue = loop.getResult(r);
      state = tensor::InsertSliceOp::create(
          rewriter, loc, rowValue, state,
          SmallVector<OpFoldResult>{rewriter.getIndexAttr(0),
                                    rewriter.getIndexAttr(r),
                                    rewriter.getIndexAttr(0)},
          rowSlice, unit);
    }
    state = tensor::CastOp::create(rewriter, loc, op.getFinalState().getType(),
                                   state);
    rewriter.replaceOp(op, {loop.getResult(3), state});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// seq.causal_conv1d
//===----------------------------------------------------------------------===//

/// Swaps the last two dims of a rank-3 tensor.
static Value transposeLastTwo(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x);
  std::swap(sizes[1], sizes[2]);
  Value init = emptyTensor(b, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(b, loc, x, init,
                                     ArrayRef<int64_t>{0, 2, 1})
      .getResult()[0];
}

struct CausalConv1dLowering : OpConversionPattern<seq::CausalConv1dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::CausalConv1dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type t = type.getElementType();
    int64_t taps =
        cast<RankedTensorType>(op.getWeight().getType()).getDimSize(1);
    if (ShapedType::isDynamic(taps))
      return rewriter.notifyMatchFailure(op, "dynamic tap count");
    int64_t history = taps - 1;
    SmallVector<OpFoldResult> xSizes = getSizes(rewriter, loc, x);
    Value length = getValueOrCreateConstantIndexOp(rewriter, loc, xSizes[1]);
    // xs = concat(state as [B, K-1, C], x) along time.
    Value extended = arith::AddIOp::create(
        rewriter, loc, length, indexConstant(rewriter, loc, history));
    SmallVector<OpFoldResult> xsSizes = {xSizes[0], extended, xSizes[2]};
    Value xs = filledTensor(rewriter, loc, xsSizes, t, 0.0);
    auto one = rewriter.getIndexAttr(1), zero = rewriter.getIndexAttr(0);
    SmallVector<OpFoldResult> unit(3, one);
    if (adaptor.getState() && history > 0) {
      Value past = transposeLastTwo(rewriter, loc, adaptor.getState());
      xs = tensor::InsertSliceOp::create(
          rewriter, loc, past, xs, SmallVector<OpFoldResult>{zero, zero, zero},
          getSizes(rewriter, loc, past), unit);
    }
    xs = tensor::InsertSliceOp::create(
        rewriter, loc, x, xs,
        SmallVector<OpFoldResult>{zero, rewriter.getIndexAttr(history), zero},
        xSizes, unit);

    // out[b, t, c] = bias[c] + Σ_j w[c, j] · xs[b, t + j, c]
    Value init;
    if (Value bias = adaptor.getBias()) {
      Value empty = emptyTensor(rewriter, loc, xSizes, t);
      init = linalg::GenericOp::create(
                 rewriter, loc, type, bias, empty,
                 {dimsMap(ctx, 3, {2}), rewriter.getMultiDimIdentityMap(3)},
                 iterators(3),
                 [](OpBuilder &b, Location l, ValueRange a) {
                   yieldValue(b, l, a[0]);
                 })
                 .getResult(0);
    } else {
      init = filledTensor(rewriter, loc, xSizes, t, 0.0);
    }
    AffineExpr b0 = getAffineDimExpr(0, ctx), t1 = getAffineDimExpr(1, ctx),
               c2 = getAffineDimExpr(2, ctx), j3 = getAffineDimExpr(3, ctx);
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {b0, t1 + j3, c2}, ctx),
                                   dimsMap(ctx, 4, {2, 3}),
                                   dimsMap(ctx, 4, {0, 1, 2})};
    Value out = linalg::GenericOp::create(
                    rewriter, loc, type, ValueRange{xs, adaptor.getWeight()},
                    init, maps, iterators(3, 1),
                    [](OpBuilder &b, Location l, ValueRange a) {
                      Value p = arith::MulFOp::create(b, l, a[0], a[1]);
                      yieldValue(b, l, arith::AddFOp::create(b, l, a[2], p));
                    })
                    .getResult(0);
    if (std::optional<seq::ActivationKind> kind = op.getActivation())
      out = pointwise(rewriter, loc, out, out,
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        return applyActivation(b, l, *kind, a[0]);
                      });

    // The last K-1 inputs, back in [B, C, K-1] layout.
    SmallVector<OpFoldResult> tailSizes = {
        xSizes[0], rewriter.getIndexAttr(history), xSizes[2]};
    Value tail = tensor::ExtractSliceOp::create(
        rewriter, loc, xs, SmallVector<OpFoldResult>{zero, length, zero},
        tailSizes, unit);
    Value finalState = transposeLastTwo(rewriter, loc, tail);
    finalState = tensor::CastOp::create(
        rewriter, loc, op.getFinalState().getType(), finalState);
    rewriter.replaceOp(op, {out, finalState});
    return success();
  }
};

} // namespace

void seqc::populateRecurrenceLoweringPatterns(RewritePatternSet &patterns) {
  patterns
      .add<SelectiveScanLowering, SSDLowering, LinearAttentionLowering,
           DeltaRuleLowering, MlstmLowering, WkvLowering, CausalConv1dLowering>(
          patterns.getContext());
}
