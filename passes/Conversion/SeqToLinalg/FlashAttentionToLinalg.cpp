//===- FlashAttentionToLinalg.cpp - tiled attention with online softmax ---===//
//
// FlashAttention's forward pass on tensors: an scf.forall over (batch, KV
// head, query tile) — each tile holds every query head of its KV group — and,
// inside, an scf.for over key tiles carrying the running max m, the running
// sum l and the unnormalised output acc:
//
//   s = mask(q·kᵀ)           m' = max(m, rowmax(s))       p = exp(s - m')
//   c = exp(m - m')          l  = l·c + rowsum(p)         acc = acc·c + p·v
//
// and out = acc / l. No [Sq, Skv] matrix exists: memory beyond the output is
// O(tile). The key loop's bounds come from the mask (causal: keys up to the
// tile's last query; sliding window: from the first query's window start),
// so the work scales with the visible part of the mask. Every state update is
// written into its loop-carried tensor, so bufferization keeps them in place.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringStrategy.h"
#include "passes/Conversion/SeqToLinalg/AttentionMask.h"
#include "passes/Conversion/SeqToLinalg/AttentionShape.h"
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

struct FlashAttentionLowering : OpConversionPattern<seq::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(seq::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    seq::LoweringAttr lowering = seq::getLowering(op);
    if (!lowering || lowering.getKernel() != seq::LoweringKernel::flash)
      return failure();
    int64_t queryTile = lowering.getQueryTile();
    int64_t keyTile = lowering.getKeyTile();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<AttentionShape> shape = getAttentionShape(op);
    if (failed(shape))
      return rewriter.notifyMatchFailure(op, "dynamic head counts or dims");
    int64_t kvHeads = shape->kvHeads, group = shape->group;
    int64_t headDim = shape->headDim, valueDim = shape->valueDim;
    Type t = cast<RankedTensorType>(op.getQuery().getType()).getElementType();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    AttentionPositions pos =
        getAttentionPositions(rewriter, loc, q, k, adaptor.getKvLength());
    OpFoldResult batch = pos.batch, sq = pos.queries;
    Value sqV = pos.queriesValue, kvLength = pos.kvLength;
    auto idx = [&](int64_t x) { return rewriter.getIndexAttr(x); };

    Value qg = splitQueryHeads(rewriter, loc, q, *shape);
    Value outInit = emptyTensor(
        rewriter, loc, {batch, sq, idx(kvHeads), idx(group), idx(valueDim)}, t);
    Value tq = indexConstant(rewriter, loc, queryTile);
    Value tiles = arith::CeilDivUIOp::create(rewriter, loc, sqV, tq);
    Value qBase = pos.queryBase;
    AttentionMask mask(rewriter, loc, op, adaptor.getBias(), kvLength, sqV,
                       group);

    auto forall = scf::ForallOp::create(
        rewriter, loc, SmallVector<OpFoldResult>{batch, idx(kvHeads), tiles},
        ValueRange{outInit}, std::nullopt,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value ib = args[0], ih = args[1], it = args[2], outArg = args[3];
          Value tile = emitQueryTile(
              b, l, op, mask, qg,
              {k, v, adaptor.getKeyScales(), adaptor.getValueScales()}, ib, ih,
              it, sqV, kvLength, qBase, group, headDim, valueDim, queryTile,
              keyTile);
          Value i0 = arith::MulIOp::create(b, l, it, tq);
          Value rows = arith::MinSIOp::create(
              b, l, tq, arith::SubIOp::create(b, l, sqV, i0));
          auto inParallel = scf::InParallelOp::create(b, l);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(inParallel.getBody());
          tensor::ParallelInsertSliceOp::create(
              b, l, tile, outArg,
              ArrayRef<OpFoldResult>{ib, i0, ih, b.getIndexAttr(0),
                                     b.getIndexAttr(0)},
              ArrayRef<OpFoldResult>{b.getIndexAttr(1), rows, b.getIndexAttr(1),
                                     b.getIndexAttr(group),
                                     b.getIndexAttr(valueDim)},
              ArrayRef<OpFoldResult>(
                  SmallVector<OpFoldResult>(5, b.getIndexAttr(1))));
        });
    Value result = tensor::CollapseShapeOp::create(
        rewriter, loc, cast<RankedTensorType>(op.getType()),
        forall.getResult(0),
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    rewriter.replaceOp(op, result);
    (void)ctx;
    return success();
  }

private:
  /// Keys and values as stored, and their block scales (8-bit caches).
  struct Cache {
    Value k, v, kScales, vScales;
  };

  /// The output [rows, G, Dv] of query tile `it` of (batch ib, KV head ih).
  Value emitQueryTile(OpBuilder &b, Location l, seq::AttentionOp op,
                      const AttentionMask &mask, Value qg, const Cache &cache,
                      Value ib, Value ih, Value it, Value sq, Value kvLength,
                      Value qBase, int64_t group, int64_t headDim,
                      int64_t valueDim, int64_t queryTile,
                      int64_t keyTile) const {
    MLIRContext *ctx = b.getContext();
    Type t = cast<RankedTensorType>(qg.getType()).getElementType();
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    int64_t dyn = ShapedType::kDynamic;
    Value i0 = arith::MulIOp::create(b, l, it, c(queryTile));
    Value rows = arith::MinSIOp::create(b, l, c(queryTile),
                                        arith::SubIOp::create(b, l, sq, i0));
    Value qTile = tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({dyn, group, headDim}, t), qg,
        ArrayRef<OpFoldResult>{ib, i0, ih, a(0), a(0)},
        ArrayRef<OpFoldResult>{a(1), rows, a(1), a(group), a(headDim)},
        ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(5, a(1))));

    // Keys this tile can see: [start, end).
    Value firstQ = arith::AddIOp::create(b, l, qBase, i0);
    Value lastQ = arith::SubIOp::create(
        b, l, arith::AddIOp::create(b, l, firstQ, rows), c(1));
    Value start, end;
    std::tie(start, end) = visibleKeyRange(b, l, op, firstQ, lastQ, kvLength);

    SmallVector<OpFoldResult> rowSizes = {rows, a(group)};
    Value m0 = filledTensor(b, l, rowSizes, t, -INFINITY);
    Value l0 = filledTensor(b, l, rowSizes, t, 0.0);
    Value acc0 = filledTensor(b, l, {rows, a(group), a(valueDim)}, t, 0.0);
    AffineMap igj = dimsMap(ctx, 3, {0, 1, 2}), ig3 = dimsMap(ctx, 3, {0, 1});
    AffineMap ig2 = dimsMap(ctx, 2, {0, 1});

    auto loop = scf::ForOp::create(
        b, l, start, end, c(keyTile), ValueRange{m0, l0, acc0},
        [&](OpBuilder &nb, Location nl, Value j0, ValueRange iter) {
          Value m = iter[0], sum = iter[1], acc = iter[2];
          Value kt = arith::MinSIOp::create(
              nb, nl, c(keyTile), arith::SubIOp::create(nb, nl, end, j0));
          // K/V tiles in the cache's element type (a bf16/f16 cache is
          // widened as the contractions read it; an 8-bit one dequantized
          // per tile).
          auto slice = [&](Value src) {
            auto type = cast<RankedTensorType>(src.getType());
            int64_t dim = type.getDimSize(3);
            return tensor::ExtractSliceOp::create(
                       nb, nl,
                       RankedTensorType::get({dyn, dim}, type.getElementType()),
                       src, ArrayRef<OpFoldResult>{ib, j0, ih, a(0)},
                       ArrayRef<OpFoldResult>{a(1), kt, a(1), a(dim)},
                       ArrayRef<OpFoldResult>(
                           SmallVector<OpFoldResult>(4, a(1))))
                .getResult();
          };
          auto tileOf = [&](Value src, Value scales) {
            Value tile = slice(src);
            return scales ? dequantizeBlocks(nb, nl, tile, slice(scales))
                          : tile;
          };
          Value kTile = tileOf(cache.k, cache.kScales);
          Value vTile = tileOf(cache.v, cache.vScales);

          // s[i, g, j] = Σ_d q[i, g, d] · k[j, d], then the mask.
          SmallVector<OpFoldResult> scoreSizes = {rows, a(group), kt};
          Value zeros = filledTensor(nb, nl, scoreSizes, t, 0.0);
          Value dots =
              linalg::GenericOp::create(
                  nb, nl, zeros.getType(), ValueRange{qTile, kTile}, zeros,
                  {dimsMap(ctx, 4, {0, 1, 3}), dimsMap(ctx, 4, {2, 3}),
                   dimsMap(ctx, 4, {0, 1, 2})},
                  iterators(3, 1),
                  [&](OpBuilder &bb, Location bl, ValueRange x) {
                    Value p = arith::MulFOp::create(bb, bl, x[0],
                                                    widen(bb, bl, x[1], t),
                                                    contractionFlags());
                    yieldValue(bb, bl,
                               arith::AddFOp::create(bb, bl, x[2], p,
                                                     contractionFlags()));
                  })
                  .getResult(0);
          Value sInit = emptyTensor(nb, nl, scoreSizes, t);
          Value s =
              linalg::GenericOp::create(
                  nb, nl, sInit.getType(), dots, sInit, {igj, igj},
                  iterators(3),
                  [&](OpBuilder &bb, Location bl, ValueRange x) {
                    Value i = linalg::IndexOp::create(bb, bl, 0);
                    Value g = linalg::IndexOp::create(bb, bl, 1);
                    Value j = linalg::IndexOp::create(bb, bl, 2);
                    Value row = arith::AddIOp::create(bb, bl, i0, i);
                    Value key = arith::AddIOp::create(bb, bl, j0, j);
                    yieldValue(bb, bl,
                               mask.score(bb, bl, x[0], ib, ih, g, row, key));
                  })
                  .getResult(0);

          // rm = rowmax(s); c = exp(m - max(m, rm)); m = max(m, rm).
          Value rm = filledTensor(nb, nl, rowSizes, t, -INFINITY);
          rm = linalg::GenericOp::create(
                   nb, nl, rm.getType(), s, rm, {igj, ig3}, iterators(2, 1),
                   [](OpBuilder &bb, Location bl, ValueRange x) {
                     yieldValue(bb, bl,
                                arith::MaximumFOp::create(bb, bl, x[0], x[1]));
                   })
                   .getResult(0);
          Value corrInit = emptyTensor(nb, nl, rowSizes, t);
          Value corr =
              linalg::GenericOp::create(
                  nb, nl, corrInit.getType(), ValueRange{m, rm}, corrInit,
                  {ig2, ig2, ig2}, iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange x) {
                    Value next = arith::MaximumFOp::create(bb, bl, x[0], x[1]);
                    // Nothing visible yet: keep the (zero) state as it is.
                    Value none = arith::CmpFOp::create(
                        bb, bl, arith::CmpFPredicate::OEQ, next,
                        floatConstant(bb, bl, t, -INFINITY));
                    Value e = math::ExpOp::create(
                        bb, bl, arith::SubFOp::create(bb, bl, x[0], next));
                    yieldValue(
                        bb, bl,
                        arith::SelectOp::create(
                            bb, bl, none, floatConstant(bb, bl, t, 1.0), e));
                  })
                  .getResult(0);
          Value mNew =
              linalg::GenericOp::create(
                  nb, nl, m.getType(), rm, m, {ig2, ig2}, iterators(2),
                  [](OpBuilder &bb, Location bl, ValueRange x) {
                    yieldValue(bb, bl,
                               arith::MaximumFOp::create(bb, bl, x[0], x[1]));
                  })
                  .getResult(0);
          // p = exp(s - m), 0 where masked.
          Value pInit = emptyTensor(nb, nl, scoreSizes, t);
          Value p =
              linalg::GenericOp::create(
                  nb, nl, pInit.getType(), ValueRange{s, mNew}, pInit,
                  {igj, ig3, igj}, iterators(3),
                  [&](OpBuilder &bb, Location bl, ValueRange x) {
                    Value masked = arith::CmpFOp::create(
                        bb, bl, arith::CmpFPredicate::OEQ, x[0],
                        floatConstant(bb, bl, t, -INFINITY));
                    Value e = math::ExpOp::create(
                        bb, bl, arith::SubFOp::create(bb, bl, x[0], x[1]));
                    yieldValue(
                        bb, bl,
                        arith::SelectOp::create(
                            bb, bl, masked, floatConstant(bb, bl, t, 0.0), e));
                  })
                  .getResult(0);
          // l = l·c + rowsum(p)
          Value scaledSum =
              linalg::GenericOp::create(
                  nb, nl, sum.getType(), corr, sum, {ig2, ig2}, iterators(2),
                  [](OpBuilder &bb, Location bl, ValueRange x) {
                    yieldValue(bb, bl,
                               arith::MulFOp::create(bb, bl, x[1], x[0]));
                  })
                  .getResult(0);
          Value sumNew =
              linalg::GenericOp::create(
                  nb, nl, sum.getType(), p, scaledSum, {igj, ig3},
                  iterators(2, 1),
                  [](OpBuilder &bb, Location bl, ValueRange x) {
                    yieldValue(bb, bl,
                               arith::AddFOp::create(bb, bl, x[1], x[0]));
                  })
                  .getResult(0);
          // acc = acc·c + p·v, the value dim innermost (contiguous in v).
          Value scaledAcc =
              linalg::GenericOp::create(
                  nb, nl, acc.getType(), corr, acc, {ig3, igj}, iterators(3),
                  [](OpBuilder &bb, Location bl, ValueRange x) {
                    yieldValue(bb, bl,
                               arith::MulFOp::create(bb, bl, x[1], x[0]));
                  })
                  .getResult(0);
          Value accNew =
              linalg::GenericOp::create(
                  nb, nl, acc.getType(), ValueRange{p, vTile}, scaledAcc,
                  {dimsMap(ctx, 4, {0, 1, 2}), dimsMap(ctx, 4, {2, 3}),
                   dimsMap(ctx, 4, {0, 1, 3})},
                  {utils::IteratorType::parallel, utils::IteratorType::parallel,
                   utils::IteratorType::reduction,
                   utils::IteratorType::parallel},
                  [&](OpBuilder &bb, Location bl, ValueRange x) {
                    Value pv = arith::MulFOp::create(bb, bl, x[0],
                                                     widen(bb, bl, x[1], t),
                                                     contractionFlags());
                    yieldValue(bb, bl,
                               arith::AddFOp::create(bb, bl, x[2], pv,
                                                     contractionFlags()));
                  })
                  .getResult(0);
          scf::YieldOp::create(nb, nl, ValueRange{mNew, sumNew, accNew});
        });

    // out = acc / l; a query with no visible key gives zeros.
    Value sumFinal = loop.getResult(1), accFinal = loop.getResult(2);
    Value outInit = emptyTensor(b, l, {rows, a(group), a(valueDim)}, t);
    return linalg::GenericOp::create(
               b, l, outInit.getType(), ValueRange{accFinal, sumFinal}, outInit,
               {igj, ig3, igj}, iterators(3),
               [&](OpBuilder &bb, Location bl, ValueRange x) {
                 Value empty =
                     arith::CmpFOp::create(bb, bl, arith::CmpFPredicate::OEQ,
                                           x[1], floatConstant(bb, bl, t, 0.0));
                 Value o = arith::DivFOp::create(bb, bl, x[0], x[1]);
                 yieldValue(
                     bb, bl,
                     arith::SelectOp::create(bb, bl, empty,
                                             floatConstant(bb, bl, t, 0.0), o));
               })
        .getResult(0);
  }
};

} // namespace

void seqc::populateFlashAttentionLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<FlashAttentionLowering>(patterns.getContext());
}
