//===- AttentionToLinalg.cpp - reference lowering of seq.attention --------===//
//
// scores = q·kᵀ over [B, Hkv, G, Sq, Skv] (query heads split into KV groups
// so every indexing map stays a projection), then the mask algebra and the
// modifier regions pointwise, a masked softmax, and p·v. The score matrix is
// materialised: this is the semantics that the flash-style lowering must
// reproduce, not the fast path.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringStrategy.h"
#include "passes/Conversion/SeqToLinalg/AttentionMask.h"
#include "passes/Conversion/SeqToLinalg/AttentionShape.h"
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

struct AttentionLowering : OpConversionPattern<seq::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(seq::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::reference))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<AttentionShape> shape = getAttentionShape(op);
    if (failed(shape))
      return rewriter.notifyMatchFailure(op, "dynamic head counts or dims");
    int64_t kvHeads = shape->kvHeads, group = shape->group;
    int64_t valueDim = shape->valueDim;
    Type t = cast<RankedTensorType>(op.getQuery().getType()).getElementType();
    auto resultType = cast<RankedTensorType>(op.getType());

    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    if (adaptor.getKeyScales()) { // an 8-bit cache, read whole as f32
      k = dequantizeBlocks(rewriter, loc, k, adaptor.getKeyScales());
      v = dequantizeBlocks(rewriter, loc, v, adaptor.getValueScales());
    }
    SmallVector<OpFoldResult> qSizes = getSizes(rewriter, loc, q);
    SmallVector<OpFoldResult> kSizes = getSizes(rewriter, loc, k);
    OpFoldResult batch = qSizes[0], sq = qSizes[1], skv = kSizes[1];
    auto idx = [&](int64_t v) { return rewriter.getIndexAttr(v); };

    Value qg = splitQueryHeads(rewriter, loc, q, *shape);

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
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value p = arith::MulFOp::create(b, l, a[0], widen(b, l, a[1], t),
                                              contractionFlags());
              yieldValue(
                  b, l,
                  arith::AddFOp::create(b, l, a[2], p, contractionFlags()));
            })
            .getResult(0);

    Value masked =
        applyMask(rewriter, loc, op, adaptor, scores, group,
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
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value p = arith::MulFOp::create(b, l, a[0], widen(b, l, a[1], t),
                                              contractionFlags());
              yieldValue(
                  b, l,
                  arith::AddFOp::create(b, l, a[2], p, contractionFlags()));
            })
            .getResult(0);
    Value result = tensor::CollapseShapeOp::create(
        rewriter, loc, resultType, out,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// Applies the mask algebra and score modifiers (AttentionMask.h) to the
  /// [B, Hkv, G, Sq, Skv] scores.
  static Value applyMask(OpBuilder &rewriter, Location loc, seq::AttentionOp op,
                         OpAdaptor adaptor, Value scores, int64_t group,
                         Value sq, Value skv) {
    auto type = cast<RankedTensorType>(scores.getType());
    Value kvLength = adaptor.getKvLength() ? adaptor.getKvLength() : skv;
    AttentionMask mask(rewriter, loc, op, adaptor.getBias(), kvLength, sq,
                       group);
    Value init = emptyTensor(rewriter, loc, getSizes(rewriter, loc, scores),
                             type.getElementType());
    AffineMap identity = rewriter.getMultiDimIdentityMap(5);
    return linalg::GenericOp::create(
               rewriter, loc, type, scores, init, {identity, identity},
               iterators(5),
               [&](OpBuilder &b, Location l, ValueRange a) {
                 Value bi = linalg::IndexOp::create(b, l, 0);
                 Value kvh = linalg::IndexOp::create(b, l, 1);
                 Value gi = linalg::IndexOp::create(b, l, 2);
                 Value i = linalg::IndexOp::create(b, l, 3);
                 Value j = linalg::IndexOp::create(b, l, 4);
                 yieldValue(b, l, mask.score(b, l, a[0], bi, kvh, gi, i, j));
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
    max =
        linalg::GenericOp::create(
            b, loc, max.getType(), scores, max, {full, row}, iterators(4, 1),
            [](OpBuilder &nb, Location nl, ValueRange a) {
              yieldValue(nb, nl, arith::MaximumFOp::create(nb, nl, a[0], a[1]));
            })
            .getResult(0);
    // exp(s - max), 0 where s is -inf (so a fully masked row yields 0, not
    // NaN from -inf - -inf).
    auto expShifted = [t](OpBuilder &nb, Location nl, Value s, Value m) {
      Value masked = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, s,
                                           floatConstant(nb, nl, t, -INFINITY));
      Value e =
          math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, s, m));
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
                yieldValue(nb, nl, arith::AddFOp::create(nb, nl, a[2], e));
              })
              .getResult(0);
    Value init = emptyTensor(b, loc, getSizes(b, loc, scores), t);
    return linalg::GenericOp::create(
               b, loc, type, ValueRange{scores, max, sum}, init,
               {full, row, row, full}, iterators(5),
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 Value e = expShifted(nb, nl, a[0], a[1]);
                 Value empty =
                     arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                           a[2], floatConstant(nb, nl, t, 0.0));
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
