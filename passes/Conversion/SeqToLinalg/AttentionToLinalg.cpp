//===- AttentionToLinalg.cpp - reference lowering of seq.attention --------===//
//
// scores = q·kᵀ over [B, Hkv, G, Sq, Skv] (query heads split into KV groups
// so every indexing map stays a projection), then the mask algebra and the
// modifier regions pointwise, a masked softmax, and p·v. The score matrix is
// materialised: this is the semantics that the flash-style lowering must
// reproduce, not the fast path.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"
#include "passes/Conversion/SeqToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

/// Clones a single-block modifier region at `b`, binding its arguments to
/// `args`; returns the yielded value.
static Value inlineModifier(OpBuilder &b, Region &region, ValueRange args) {
  Block &block = region.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), args);
  for (Operation &op : block.without_terminator())
    b.clone(op, mapping);
  auto yield = cast<seq::YieldOp>(block.getTerminator());
  return mapping.lookupOrDefault(yield.getValues()[0]);
}

struct AttentionLowering : OpConversionPattern<seq::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(seq::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    auto kType = cast<RankedTensorType>(op.getKey().getType());
    auto vType = cast<RankedTensorType>(op.getValue().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Type t = qType.getElementType();
    int64_t qHeads = qType.getDimSize(2), kvHeads = kType.getDimSize(2);
    int64_t headDim = qType.getDimSize(3), valueDim = vType.getDimSize(3);
    if (ShapedType::isDynamic(qHeads) || ShapedType::isDynamic(kvHeads) ||
        ShapedType::isDynamic(headDim) || ShapedType::isDynamic(valueDim))
      return rewriter.notifyMatchFailure(op, "dynamic head counts or dims");
    int64_t group = qHeads / kvHeads;

    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    SmallVector<OpFoldResult> qSizes = getSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> kSizes = getSizes(rewriter, loc, k);
    OpFoldResult batch = qSizes[0], sq = qSizes[1], skv = kSizes[1];
    auto idx = [&](int64_t v) { return rewriter.getIndexAttr(v); };

    // q [B, Sq, Hq, D] -> [B, Sq, Hkv, G, D]: query head h = kvh·G + g.
    auto qgType = RankedTensorType::get(
        {qType.getDimSize(0), qType.getDimSize(1), kvHeads, group, headDim}, t);
    Value qg = tensor::ExpandShapeOp::create(
        rewriter, loc, qgType, q,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}},
        SmallVector<OpFoldResult>{batch, sq, idx(kvHeads), idx(group),
                                  idx(headDim)});

    // scores[b, kvh, g, i, j] = Σ_d q[b, i, kvh, g, d] · k[b, j, kvh, d]
    SmallVector<OpFoldResult> scoreSizes = {batch, idx(kvHeads), idx(group), sq,
                                            skv};
    Value zeros = filledTensor(rewriter, loc, scoreSizes, t, 0.0);
    Value scores =
        linalg::GenericOp::create(
            rewriter, loc, zeros.getType(), ValueRange{qg, k}, zeros,
            {dimsMap(ctx, 6, {0, 3, 1, 2, 5}), dimsMap(ctx, 6, {0, 4, 1, 5}),
             dimsMap(ctx, 6, {0, 1, 2, 3, 4})},
            iterators(5, 1),
            [](OpBuilder &b, Location l, ValueRange a) {
              Value p =
                  arith::MulFOp::create(b, l, a[0], a[1], contractionFlags());
              yieldValue(b, l, arith::AddFOp::create(b, l, a[2], p,
                                                     contractionFlags()));
            })
            .getResult(0);

    Value masked = applyMask(rewriter, loc, op, adaptor, scores, group,
                             getValueOrCreateConstantIndexOp(rewriter, loc, sq),
                             getValueOrCreateConstantIndexOp(rewriter, loc, skv));
    Value probs = maskedSoftmax(rewriter, loc, masked);

    // out[b, i, kvh, g, e] = Σ_j p[b, kvh, g, i, j] · v[b, j, kvh, e]
    SmallVector<OpFoldResult> outSizes = {batch, sq, idx(kvHeads), idx(group),
                                          idx(valueDim)};
    Value outZeros = filledTensor(rewriter, loc, outSizes, t, 0.0);
    Value out =
        linalg::GenericOp::create(
            rewriter, loc, outZeros.getType(), ValueRange{probs, v}, outZeros,
            {dimsMap(ctx, 6, {0, 1, 2, 3, 5}), dimsMap(ctx, 6, {0, 5, 1, 4}),
             dimsMap(ctx, 6, {0, 3, 1, 2, 4})},
            iterators(5, 1),
            [](OpBuilder &b, Location l, ValueRange a) {
              Value p =
                  arith::MulFOp::create(b, l, a[0], a[1], contractionFlags());
              yieldValue(b, l, arith::AddFOp::create(b, l, a[2], p,
                                                     contractionFlags()));
            })
            .getResult(0);
    Value result = tensor::CollapseShapeOp::create(
        rewriter, loc, resultType, out,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// Scales the scores, adds the bias, applies score_mod, and replaces
  /// invisible positions with -inf, following the mask algebra of the op's
  /// documentation.
  static Value applyMask(OpBuilder &rewriter, Location loc, seq::AttentionOp op,
                         OpAdaptor adaptor, Value scores, int64_t group,
                         Value sq, Value skv) {
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(scores.getType());
    Type t = type.getElementType();
    Value kvLength = adaptor.getKvLength() ? adaptor.getKvLength() : skv;
    Value bias = adaptor.getBias();
    Value layout;
    if (std::optional<DenseIntElementsAttr> attr = op.getBlockLayout())
      layout = arith::ConstantOp::create(rewriter, loc, *attr);
    double scale = op.getEffectiveScale();
    Value init = emptyTensor(rewriter, loc, getSizes(rewriter, loc, scores), t);
    AffineMap identity = rewriter.getMultiDimIdentityMap(5);
    return linalg::GenericOp::create(
               rewriter, loc, type, scores, init, {identity, identity},
               iterators(5),
               [&](OpBuilder &b, Location l, ValueRange a) {
                 auto cIdx = [&](int64_t v) { return indexConstant(b, l, v); };
                 auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) {
                   return arith::CmpIOp::create(b, l, p, x, y).getResult();
                 };
                 auto both = [&](Value x, Value y) {
                   return arith::AndIOp::create(b, l, x, y).getResult();
                 };
                 using P = arith::CmpIPredicate;
                 Value bi = linalg::IndexOp::create(b, l, 0);
                 Value kvh = linalg::IndexOp::create(b, l, 1);
                 Value gi = linalg::IndexOp::create(b, l, 2);
                 Value i = linalg::IndexOp::create(b, l, 3);
                 Value j = linalg::IndexOp::create(b, l, 4);
                 Value h = arith::AddIOp::create(
                     b, l, arith::MulIOp::create(b, l, kvh, cIdx(group)), gi);
                 // Queries are the last Sq of kv_length positions.
                 Value qpos = arith::AddIOp::create(
                     b, l, arith::SubIOp::create(b, l, kvLength, sq), i);
                 Value kpos = j;
                 Value visible = cmp(P::slt, kpos, kvLength);
                 if (op.getCausal())
                   visible = both(visible, cmp(P::sle, kpos, qpos));
                 Value local = arith::ConstantIntOp::create(b, l, 1, 1);
                 Value diff = arith::SubIOp::create(b, l, qpos, kpos);
                 if (std::optional<int64_t> w = op.getSlidingWindow()) {
                   Value near = cmp(P::slt, diff, cIdx(*w));
                   if (!op.getCausal())
                     near = both(near, cmp(P::slt, arith::SubIOp::create(
                                                       b, l, kpos, qpos),
                                           cIdx(*w)));
                   local = both(local, near);
                 }
                 if (std::optional<int64_t> rate = op.getDilationRate()) {
                   Value segment = cIdx(*op.getDilationSegment());
                   Value sameSegment =
                       cmp(P::eq, arith::DivSIOp::create(b, l, qpos, segment),
                           arith::DivSIOp::create(b, l, kpos, segment));
                   Value onStride =
                       cmp(P::eq, arith::RemSIOp::create(b, l, diff, cIdx(*rate)),
                           cIdx(0));
                   local = both(local, both(sameSegment, onStride));
                 }
                 if (layout) {
                   int64_t blocks =
                       cast<ShapedType>(layout.getType()).getDimSize(0);
                   Value bs = cIdx(*op.getBlockSize());
                   Value qb = arith::DivSIOp::create(b, l, qpos, bs);
                   Value kb = arith::DivSIOp::create(b, l, kpos, bs);
                   Value inside = both(cmp(P::slt, qb, cIdx(blocks)),
                                       cmp(P::slt, kb, cIdx(blocks)));
                   Value zero = cIdx(0);
                   qb = arith::SelectOp::create(b, l, inside, qb, zero);
                   kb = arith::SelectOp::create(b, l, inside, kb, zero);
                   Value bit = tensor::ExtractOp::create(b, l, layout,
                                                         ValueRange{qb, kb});
                   local = both(local, both(inside, bit));
                 }
                 if (std::optional<int64_t> g = op.getGlobalTokens()) {
                   Value global = arith::OrIOp::create(
                       b, l, cmp(P::slt, qpos, cIdx(*g)),
                       cmp(P::slt, kpos, cIdx(*g)));
                   local = arith::OrIOp::create(b, l, local, global);
                 }
                 visible = both(visible, local);
                 if (!op.getMaskMod().empty())
                   visible = both(visible, inlineModifier(b, op.getMaskMod(),
                                                          {bi, h, qpos, kpos}));

                 // scale, then score_mod, then the additive bias: the order
                 // of Gemma 2's soft-capping before the attention mask.
                 Value s = arith::MulFOp::create(b, l, a[0],
                                                 floatConstant(b, l, t, scale));
                 if (!op.getScoreMod().empty())
                   s = inlineModifier(b, op.getScoreMod(), {s, bi, h, qpos, kpos});
                 if (bias) {
                   // Broadcast unit dims of the [B, Hq, Sq, Skv] bias.
                   auto biasType = cast<RankedTensorType>(bias.getType());
                   Value indices[4] = {bi, h, i, j};
                   for (int d = 0; d < 4; ++d)
                     if (biasType.getDimSize(d) == 1)
                       indices[d] = cIdx(0);
                   s = arith::AddFOp::create(
                       b, l, s, tensor::ExtractOp::create(b, l, bias, indices));
                 }
                 Value negInf = floatConstant(b, l, t, -INFINITY);
                 yieldValue(
                     b, l, arith::SelectOp::create(b, l, visible, s, negInf));
               })
        .getResult(0);
  }

  /// Softmax over the last dim; rows with no visible key become zeros.
  static Value maskedSoftmax(OpBuilder &b, Location loc, Value scores) {
    MLIRContext *ctx = b.getContext();
    auto type = cast<RankedTensorType>(scores.getType());
    Type t = type.getElementType();
    SmallVector<OpFoldResult> rowSizes = getSizes(b, loc, scores);
    rowSizes.pop_back();
    AffineMap full = b.getMultiDimIdentityMap(5);
    AffineMap row = dimsMap(ctx, 5, {0, 1, 2, 3});
    Value max = filledTensor(b, loc, rowSizes, t, -INFINITY);
    max = linalg::GenericOp::create(
              b, loc, max.getType(), scores, max, {full, row}, iterators(4, 1),
              [](OpBuilder &nb, Location nl, ValueRange a) {
                yieldValue(
                    nb, nl, arith::MaximumFOp::create(nb, nl, a[0], a[1]));
              })
              .getResult(0);
    // exp(s - max), 0 where s is -inf (so a fully masked row yields 0, not
    // NaN from -inf - -inf).
    auto expShifted = [t](OpBuilder &nb, Location nl, Value s, Value m) {
      Value masked = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, s,
                                           floatConstant(nb, nl, t, -INFINITY));
      Value e = math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, s, m));
      return arith::SelectOp::create(nb, nl, masked,
                                     floatConstant(nb, nl, t, 0.0), e)
          .getResult();
    };
    Value sum = filledTensor(b, loc, rowSizes, t, 0.0);
    sum = linalg::GenericOp::create(
              b, loc, sum.getType(), ValueRange{scores, max}, sum,
              {full, row, row}, iterators(4, 1),
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value e = expShifted(nb, nl, a[0], a[1]);
                yieldValue(nb, nl,
                                        arith::AddFOp::create(nb, nl, a[2], e));
              })
              .getResult(0);
    Value init = emptyTensor(b, loc, getSizes(b, loc, scores), t);
    return linalg::GenericOp::create(
               b, loc, type, ValueRange{scores, max, sum}, init,
               {full, row, row, full}, iterators(5),
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 Value e = expShifted(nb, nl, a[0], a[1]);
                 Value empty = arith::CmpFOp::create(
                     nb, nl, arith::CmpFPredicate::OEQ, a[2],
                     floatConstant(nb, nl, t, 0.0));
                 Value p = arith::DivFOp::create(nb, nl, e, a[2]);
                 yieldValue(
                     nb, nl,
                     arith::SelectOp::create(nb, nl, empty,
                                             floatConstant(nb, nl, t, 0.0), p));
               })
        .getResult(0);
  }
};

} // namespace

void seqc::populateAttentionLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(patterns.getContext());
}
