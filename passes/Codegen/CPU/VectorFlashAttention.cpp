//===- VectorFlashAttention.cpp - register-tiled flash attention (f32) ----===//
//
// The flash-attention forward pass written directly in 16-lane vectors, for
// f32 (keys and values may be a bf16/f16 cache, widened as they are read, or
// 8-bit blocks of 16k elements, scaled as they are read)
// with a value dim that is a multiple of 16. Per (batch, KV head, query
// tile), the tile's R query vectors (query positions × group members, padded
// to a multiple of 16) are packed once, scaled and transposed, as Qᵀ [D, R]:
// queries lie along the vector lanes. Each key tile of kt keys then runs
//
//   pack        the tile's rows of K and V copied out of the cache, where
//               they lie a KV-head stride apart, into [kt, D] / [kt, Dv]
//               (the next tile's rows prefetched meanwhile);
//   Sᵀ = K·Qᵀ   [kt, R], register tiles of up to 6 keys × R/16 vectors, FMA
//               on a broadcast key element;
//   mask        only on tiles the visibility bounds cannot prove full;
//   softmax     lane-wise over 16 queries at a time: running max, exp
//               (inline polynomial), sum and correction stay vectors, no
//               horizontal reductions;
//   acc = acc·c + P·V  register tiles of 4 queries × 4 vectors of Dv.
//
// Decode (a few query rows) reads K and V in place with prefetch hints and
// computes the scores as dot products along D.
//
// Tiles the bounds prove empty are skipped. Accumulators are vector
// loop-carried values, so LLVM keeps them in registers.
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/AttentionTileVisibility.h"
#include "passes/Codegen/CPU/CpuKernels.h"
#include "passes/Codegen/CPU/VectorLanes.h"
#include "passes/Conversion/SeqToLinalg/AttentionMask.h"
#include "passes/Conversion/SeqToLinalg/AttentionShape.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace seqc::lowering;
using namespace seqc::cpu;
namespace seq = seqc::seq;

namespace {

constexpr int64_t kLanes = kVectorLanes;
/// K·Qᵀ register tiles: up to 24 accumulators (6 keys × 4 vectors of
/// queries: 10 loads per 24 FMAs), at most 8 keys.
constexpr int64_t kScoreAccumulators = 24, kMaxScoreKeys = 8;
/// Elements of `tensor` per 64-byte cache line, one prefetch each (16 f32,
/// 32 for a bf16/f16 cache).
int64_t lineElements(Value tensor) {
  return 512 / cast<RankedTensorType>(tensor.getType())
                   .getElementType()
                   .getIntOrFloatBitWidth();
}

/// TileVisibility policy that emits index arithmetic.
struct IndexOps {
  using Int = Value;
  using Bool = Value;
  OpBuilder &b;
  Location l;
  Value constant(int64_t v) { return indexConstant(b, l, v); }
  Value constant(bool v) { return arith::ConstantIntOp::create(b, l, v, 1); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, l, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, l, x, y); }
  Value div(Value x, Value y) { return arith::DivSIOp::create(b, l, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, x, y);
  }
  Value le(Value x, Value y) {
    return arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, x, y);
  }
  Value eq(Value x, Value y) {
    return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, l, x, y); }
  Value either(Value x, Value y) { return arith::OrIOp::create(b, l, x, y); }
  // The layout is a constant, but reading a rectangle of it needs loops:
  // conservatively "maybe some, not all" (the compile-time block map of
  // seq-sparsify-attention is exact).
  std::pair<Value, Value> blockLayout(Value, Value, Value, Value) {
    return {constant(true), constant(false)};
  }
};

MaskTerms maskTerms(seq::AttentionOp op) {
  MaskTerms m;
  m.causal = op.getCausal();
  m.window = op.getSlidingWindow();
  m.dilationRate = op.getDilationRate();
  m.dilationSegment = op.getDilationSegment();
  m.globalTokens = op.getGlobalTokens();
  m.hasBlockLayout = op.getBlockLayout().has_value();
  m.hasMaskMod = !op.getMaskMod().empty();
  m.ringKeys = op.getRing();
  return m;
}

/// Rows per register tile: at most 16 accumulators of `vectorsPerRow`.
int64_t largestRowBlock(int64_t rows, int64_t vectorsPerRow) {
  for (int64_t rb : {4, 2})
    if (rows % rb == 0 && rb * vectorsPerRow <= 16)
      return rb;
  return 1;
}

struct VectorFlashAttentionLowering : OpConversionPattern<seq::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(seq::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    seq::LoweringAttr lowering = seq::getLowering(op);
    if (!lowering || lowering.getKernel() != seq::LoweringKernel::cpu_flash ||
        !seqc::cpu::whyNotVectorFlashAttention(op).empty())
      return failure();
    Location loc = op.getLoc();
    FailureOr<AttentionShape> shape = getAttentionShape(op);
    auto f32 = rewriter.getF32Type();
    int64_t kvSplits = lowering.getKvSplits();

    Geometry g;
    g.group = shape->group;
    g.headDim = shape->headDim;
    g.valueDim = shape->valueDim;
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    g.queryTile = lowering.getQueryTile();
    g.keyTile = lowering.getKeyTile();
    // The block map of seq-sparsify-attention, where it describes these
    // tiles (the strategy takes its tile sizes when it can).
    Value tileMap;
    if (auto map = tileMapFor(op, g.queryTile, g.keyTile))
      tileMap = arith::ConstantOp::create(rewriter, loc, map);
    g.rows = (g.queryTile * g.group + kLanes - 1) / kLanes * kLanes;
    // K·Qᵀ: rbK keys × R/16 vectors of accumulators, up to 24 (6 keys × 4
    // vectors: 10 loads per 24 FMAs).
    g.rbK = std::max<int64_t>(
        1, std::min<int64_t>(kMaxScoreKeys,
                             kScoreAccumulators / (g.rows / kLanes)));
    // P·V in chunks of up to 4 vectors of Dv, so that a register tile is
    // 4 queries × 4 vectors (8 loads per 16 FMAs; D = 128 in one piece
    // would be 2 × 8: 10 loads).
    g.pvVecs = g.valueDim / kLanes;
    for (int64_t v : {4, 3, 2, 1})
      if (g.pvVecs % v == 0) {
        g.pvVecs = v;
        break;
      }
    g.rbV = largestRowBlock(g.rows, g.pvVecs);
    // P·V skips the padding queries (decode: 1 × group of 16 lanes).
    int64_t used = g.queryTile * g.group;
    g.pvRows = std::min(g.rows, (used + g.rbV - 1) / g.rbV * g.rbV);
    g.dotScores = used <= 8 && g.headDim % kLanes == 0;

    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    Value kScales = adaptor.getKeyScales(), vScales = adaptor.getValueScales();
    AttentionPositions pos =
        getAttentionPositions(rewriter, loc, q, k, adaptor.getKvLength());
    OpFoldResult batch = pos.batch, sq = pos.queries;
    Value sqV = pos.queriesValue, kvLength = pos.kvLength;
    auto idx = [&](int64_t x) { return rewriter.getIndexAttr(x); };

    Value qg = splitQueryHeads(rewriter, loc, q, *shape);
    Value outInit = emptyTensor(
        rewriter, loc,
        {batch, sq, idx(shape->kvHeads), idx(g.group), idx(g.valueDim)}, f32);
    Value tq = indexConstant(rewriter, loc, g.queryTile);
    Value tiles = arith::CeilDivUIOp::create(rewriter, loc, sqV, tq);
    Value qBase = pos.queryBase;
    AttentionMask mask(rewriter, loc, op, adaptor.getBias(), kvLength, sqV,
                       g.group);

    // Decode and short chunks (one query tile): split the keys over
    // kvSplits tasks per (batch, KV head), flash-decoding style, and merge.
    if (kvSplits > 1 && !qType.isDynamicDim(1) &&
        qType.getDimSize(1) <= g.queryTile) {
      int64_t splits = kvSplits, sqStatic = qType.getDimSize(1);
      auto one = rewriter.getIndexAttr(1), zero = rewriter.getIndexAttr(0);
      SmallVector<OpFoldResult> partSizes = {batch, idx(shape->kvHeads),
                                             idx(splits), idx(g.rows)};
      SmallVector<OpFoldResult> accSizes(partSizes);
      accSizes.push_back(idx(g.valueDim));
      auto forall = scf::ForallOp::create(
          rewriter, loc,
          SmallVector<OpFoldResult>{batch, idx(shape->kvHeads), idx(splits)},
          ValueRange{emptyTensor(rewriter, loc, partSizes, f32),
                     emptyTensor(rewriter, loc, partSizes, f32),
                     emptyTensor(rewriter, loc, accSizes, f32)},
          std::nullopt, [&](OpBuilder &b, Location l, ValueRange args) {
            Value ib = args[0], ih = args[1], is = args[2];
            TileContext tc{op,      mask, g,  qg,  k,        v,     kScales,
                           vScales, ib,   ih, sqV, kvLength, qBase, tileMap};
            QueryTile part =
                emitQueryTile(b, l, tc, indexConstant(b, l, 0), is, splits);
            auto inParallel = scf::InParallelOp::create(b, l);
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(inParallel.getBody());
            auto rowsA = b.getIndexAttr(g.rows);
            Value stats[2][2] = {{part.m, args[3]}, {part.l, args[4]}};
            for (auto [value, dest] : stats)
              tensor::ParallelInsertSliceOp::create(
                  b, l, value, dest, ArrayRef<OpFoldResult>{ib, ih, is, zero},
                  ArrayRef<OpFoldResult>{one, one, one, rowsA},
                  ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(4, one)));
            tensor::ParallelInsertSliceOp::create(
                b, l, part.acc, args[5],
                ArrayRef<OpFoldResult>{ib, ih, is, zero, zero},
                ArrayRef<OpFoldResult>{one, one, one, rowsA,
                                       b.getIndexAttr(g.valueDim)},
                ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(5, one)));
          });
      Value merged = mergeSplits(rewriter, loc, forall.getResult(0),
                                 forall.getResult(1), forall.getResult(2));
      // [B, Hkv, R, Dv] → the used rows (i·G + g) → [B, Sq, Hq, Dv].
      int64_t used = sqStatic * g.group;
      Value usedRows = tensor::ExtractSliceOp::create(
          rewriter, loc,
          RankedTensorType::get(
              {qType.getDimSize(0), shape->kvHeads, used, g.valueDim}, f32),
          merged, ArrayRef<OpFoldResult>{zero, zero, zero, zero},
          ArrayRef<OpFoldResult>{batch, idx(shape->kvHeads), idx(used),
                                 idx(g.valueDim)},
          ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(4, one)));
      Value byQuery = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({qType.getDimSize(0), shape->kvHeads, sqStatic,
                                 g.group, g.valueDim},
                                f32),
          usedRows, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}},
          SmallVector<OpFoldResult>{batch, idx(shape->kvHeads), idx(sqStatic),
                                    idx(g.group), idx(g.valueDim)});
      Value transposed =
          linalg::TransposeOp::create(
              rewriter, loc, byQuery,
              emptyTensor(rewriter, loc,
                          {batch, idx(sqStatic), idx(shape->kvHeads),
                           idx(g.group), idx(g.valueDim)},
                          f32),
              ArrayRef<int64_t>{0, 2, 1, 3, 4})
              .getResult()[0];
      rewriter.replaceOp(
          op,
          tensor::CollapseShapeOp::create(
              rewriter, loc, cast<RankedTensorType>(op.getType()), transposed,
              SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}}));
      return success();
    }

    auto forall = scf::ForallOp::create(
        rewriter, loc,
        SmallVector<OpFoldResult>{batch, idx(shape->kvHeads), tiles},
        ValueRange{outInit}, std::nullopt,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value ib = args[0], ih = args[1], it = args[2], outArg = args[3];
          TileContext tc{op,      mask, g,  qg,  k,        v,     kScales,
                         vScales, ib,   ih, sqV, kvLength, qBase, tileMap};
          QueryTile qt = emitQueryTile(b, l, tc, it);
          Value tile = qt.tile, i0 = qt.i0, rows = qt.rows;
          auto inParallel = scf::InParallelOp::create(b, l);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(inParallel.getBody());
          auto one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
          tensor::ParallelInsertSliceOp::create(
              b, l, tile, outArg,
              ArrayRef<OpFoldResult>{ib, i0, ih, zero, zero},
              ArrayRef<OpFoldResult>{one, rows, one, b.getIndexAttr(g.group),
                                     b.getIndexAttr(g.valueDim)},
              ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(5, one)));
        });
    Value result = tensor::CollapseShapeOp::create(
        rewriter, loc, cast<RankedTensorType>(op.getType()),
        forall.getResult(0),
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  struct Geometry {
    int64_t group, headDim, valueDim;
    int64_t queryTile, keyTile;
    int64_t rows;     ///< queryTile · group, padded to a multiple of 16
    int64_t rbK, rbV; ///< register-tile keys of K·Qᵀ, queries of P·V
    int64_t pvVecs;   ///< vectors of Dv per P·V register tile
    int64_t pvRows;   ///< queries P·V computes: the used ones, rounded to rbV
    bool dotScores;   ///< few queries: scores as dot products along D
  };
  struct TileContext {
    seq::AttentionOp op;
    const AttentionMask &mask;
    const Geometry &g;
    Value qg, k, v;
    Value kScales, vScales; ///< block scales of an 8-bit cache, or null
    Value ib, ih, sq, kvLength, qBase;
    Value tileMap; ///< [query tiles, key tiles] TileKind, or null
  };

  /// 16 lanes of key (`value` false) or value row `key` from column `col`
  /// as f32: a bf16/f16 cache widened, an 8-bit one converted and times its
  /// block's scale (blocks are multiples of 16 lanes).
  static Value readCacheLanes(OpBuilder &b, Location l, const TileContext &tc,
                              bool value, Value key, int64_t col) {
    Value src = value ? tc.v : tc.k, scales = value ? tc.vScales : tc.kScales;
    Value lanes =
        readLanes(b, l, src, {tc.ib, key, tc.ih, indexConstant(b, l, col)});
    if (!scales)
      return lanes;
    int64_t block = cast<RankedTensorType>(src.getType()).getDimSize(3) /
                    cast<RankedTensorType>(scales.getType()).getDimSize(3);
    Value scale = tensor::ExtractOp::create(
        b, l, scales,
        ValueRange{tc.ib, key, tc.ih, indexConstant(b, l, col / block)});
    return arith::MulFOp::create(
        b, l, lanes, splatLanes(b, l, widen(b, l, scale, b.getF32Type())));
  }

  struct QueryTile {
    Value tile, i0, rows; ///< normalised output [rows, G, Dv], first row, count
    Value m, l, acc;      ///< the online-softmax state: [R], [R], [R, Dv]
  };

  /// Query tile `it`: with `split` (of `splits`), only that share of its key
  /// tiles and the unnormalised state; otherwise the normalised output.
  QueryTile emitQueryTile(OpBuilder &b, Location l, const TileContext &tc,
                          Value it, Value split = Value(),
                          int64_t splits = 1) const {
    const Geometry &g = tc.g;
    seq::AttentionOp op = tc.op;
    Type t = b.getF32Type();
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    int64_t dyn = ShapedType::kDynamic;
    MLIRContext *ctx = b.getContext();

    Value i0 = arith::MulIOp::create(b, l, it, c(g.queryTile));
    Value rows = arith::MinSIOp::create(b, l, c(g.queryTile),
                                        arith::SubIOp::create(b, l, tc.sq, i0));

    // Q [R, D]: the tile's queries times the scale, zero rows past the end.
    Value qSlice = tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({dyn, g.group, g.headDim}, t), tc.qg,
        ArrayRef<OpFoldResult>{tc.ib, i0, tc.ih, a(0), a(0)},
        ArrayRef<OpFoldResult>{a(1), rows, a(1), a(g.group), a(g.headDim)},
        ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(5, a(1))));
    Value scale = floatConstant(b, l, t, op.getEffectiveScale());
    Value scaled = pointwise(
        b, l, qSlice, qSlice, [&](OpBuilder &bb, Location bl, ValueRange x) {
          return arith::MulFOp::create(bb, bl, x[0], scale);
        });
    int64_t used = g.queryTile * g.group;
    Value qPad =
        filledTensor(b, l, {a(g.queryTile), a(g.group), a(g.headDim)}, t, 0.0);
    qPad = tensor::InsertSliceOp::create(
        b, l, scaled, qPad, ArrayRef<OpFoldResult>{a(0), a(0), a(0)},
        ArrayRef<OpFoldResult>{rows, a(g.group), a(g.headDim)},
        ArrayRef<OpFoldResult>{a(1), a(1), a(1)});
    Value qRows = tensor::CollapseShapeOp::create(
        b, l, RankedTensorType::get({used, g.headDim}, t), qPad,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
    Value qCols =
        linalg::TransposeOp::create(
            b, l, qRows, emptyTensor(b, l, {a(g.headDim), a(used)}, t),
            ArrayRef<int64_t>{1, 0})
            .getResult()[0];
    Value qt = filledTensor(b, l, {a(g.headDim), a(g.rows)}, t, 0.0);
    qt = tensor::InsertSliceOp::create(
        b, l, qCols, qt, ArrayRef<OpFoldResult>{a(0), a(0)},
        ArrayRef<OpFoldResult>{a(g.headDim), a(used)},
        ArrayRef<OpFoldResult>{a(1), a(1)});

    // Keys this tile can see: [start, end).
    Value firstQ = arith::AddIOp::create(b, l, tc.qBase, i0);
    Value lastQ = arith::SubIOp::create(
        b, l, arith::AddIOp::create(b, l, firstQ, rows), c(1));
    Value start, end;
    std::tie(start, end) =
        visibleKeyRange(b, l, op, firstQ, lastQ, tc.kvLength);
    // Key tiles start at multiples of kt, the tiles of the block map.
    start = arith::MulIOp::create(
        b, l, arith::DivUIOp::create(b, l, start, c(g.keyTile)), c(g.keyTile));
    if (split) {
      // Split-KV: an equal share of the key tiles; shares past the end are
      // empty (m = -inf, l = 0) and drop out of the merge.
      Value total = arith::CeilDivUIOp::create(
          b, l, arith::SubIOp::create(b, l, end, start), c(g.keyTile));
      Value share = arith::MulIOp::create(
          b, l, arith::CeilDivUIOp::create(b, l, total, c(splits)),
          c(g.keyTile));
      start = arith::AddIOp::create(b, l, start,
                                    arith::MulIOp::create(b, l, split, share));
      end = arith::MinSIOp::create(b, l, end,
                                   arith::AddIOp::create(b, l, start, share));
    }

    Value m0 = filledTensor(b, l, {a(g.rows)}, t, -INFINITY);
    Value l0 = filledTensor(b, l, {a(g.rows)}, t, 0.0);
    Value acc0 = filledTensor(b, l, {a(g.rows), a(g.valueDim)}, t, 0.0);
    bool alwaysGeneric = op.getBias() || !op.getScoreMod().empty();
    MaskTerms terms = maskTerms(op);

    auto loop = scf::ForOp::create(
        b, l, start, end, c(g.keyTile), ValueRange{m0, l0, acc0},
        [&](OpBuilder &nb, Location nl, Value j0, ValueRange iter) {
          Value kt = arith::MinSIOp::create(
              nb, nl, c(g.keyTile), arith::SubIOp::create(nb, nl, end, j0));
          Value jLast = arith::SubIOp::create(
              nb, nl, arith::AddIOp::create(nb, nl, j0, kt), c(1));
          IndexOps ops{nb, nl};
          auto bounds = TileVisibility<IndexOps>::compute(ops, terms, firstQ,
                                                          lastQ, j0, jLast);
          if (tc.tileMap) {
            // The compile-time map is exact where the bounds are not
            // (block layouts).
            Value jt = arith::DivUIOp::create(nb, nl, j0, c(g.keyTile));
            Value kind = tensor::ExtractOp::create(nb, nl, tc.tileMap,
                                                   ValueRange{it, jt});
            auto is = [&](TileKind k) {
              return arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::eq, kind,
                  arith::ConstantIntOp::create(nb, nl, int64_t(k), 8));
            };
            bounds.any = ops.both(
                bounds.any, arith::XOrIOp::create(nb, nl, is(TileKind::Skip),
                                                  ops.constant(true)));
            bounds.all = ops.either(bounds.all, is(TileKind::Full));
          }
          Value whole = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                              kt, c(g.keyTile));
          Value needMask =
              alwaysGeneric
                  ? ops.constant(true)
                  : arith::XOrIOp::create(nb, nl, ops.both(bounds.all, whole),
                                          ops.constant(true))
                        .getResult();
          auto ifVisible = scf::IfOp::create(
              nb, nl, bounds.any,
              [&](OpBuilder &ib, Location il) {
                SmallVector<Value> next = emitKeyTile(
                    ib, il, tc, qt, qRows, iter, i0, j0, kt, needMask);
                scf::YieldOp::create(ib, il, next);
              },
              [&](OpBuilder &ib, Location il) {
                scf::YieldOp::create(ib, il, iter);
              });
          scf::YieldOp::create(nb, nl, ifVisible.getResults());
        });

    if (split)
      return {Value(),          i0, rows, loop.getResult(0), loop.getResult(1),
              loop.getResult(2)};
    // out = acc / l; a query with no visible key gives zeros.
    Value lFinal = loop.getResult(1), accFinal = loop.getResult(2);
    Value outInit = emptyTensor(b, l, {a(g.rows), a(g.valueDim)}, t);
    Value out =
        linalg::GenericOp::create(
            b, l, outInit.getType(), ValueRange{accFinal, lFinal}, outInit,
            {dimsMap(ctx, 2, {0, 1}), dimsMap(ctx, 2, {0}),
             dimsMap(ctx, 2, {0, 1})},
            iterators(2),
            [&](OpBuilder &bb, Location bl, ValueRange x) {
              Value empty =
                  arith::CmpFOp::create(bb, bl, arith::CmpFPredicate::OEQ, x[1],
                                        floatConstant(bb, bl, t, 0.0));
              Value o = arith::DivFOp::create(bb, bl, x[0], x[1]);
              yieldValue(bb, bl,
                         arith::SelectOp::create(
                             bb, bl, empty, floatConstant(bb, bl, t, 0.0), o));
            })
            .getResult(0);
    Value usedOut = tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({used, g.valueDim}, t), out,
        ArrayRef<OpFoldResult>{a(0), a(0)},
        ArrayRef<OpFoldResult>{a(used), a(g.valueDim)},
        ArrayRef<OpFoldResult>{a(1), a(1)});
    Value expanded = tensor::ExpandShapeOp::create(
        b, l, RankedTensorType::get({g.queryTile, g.group, g.valueDim}, t),
        usedOut, SmallVector<ReassociationIndices>{{0, 1}, {2}});
    Value tile = tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({dyn, g.group, g.valueDim}, t), expanded,
        ArrayRef<OpFoldResult>{a(0), a(0), a(0)},
        ArrayRef<OpFoldResult>{rows, a(g.group), a(g.valueDim)},
        ArrayRef<OpFoldResult>{a(1), a(1), a(1)});
    return {tile, i0, rows, Value(), Value(), Value()};
  }

  /// The key tile's rows of K and V, packed: [kt, D] and [kt, Dv].
  struct KeyTile {
    Value k, v;
  };

  /// Copies the key tile [j0, j0 + kt) of K and V into contiguous [kt, D] /
  /// [kt, Dv] tensors (keys past the tile's end repeat its last key, masked
  /// later). In the cache, rows lie a KV-head stride apart (2-4 KB), so a
  /// tile read in place maps onto a few L1 sets and is evicted between the
  /// register tiles that reuse it; packed, it stays in L1. The copy also
  /// prefetches the next tile's rows into L2.
  KeyTile packKeyTile(OpBuilder &b, Location l, const TileContext &tc, Value j0,
                      Value kt) const {
    const Geometry &g = tc.g;
    Type t = b.getF32Type();
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    Value lastKey =
        arith::SubIOp::create(b, l, arith::AddIOp::create(b, l, j0, kt), c(1));
    Value lastCached = lastCachedKey(b, l, tc);
    Value k0 = emptyTensor(b, l, {a(g.keyTile), a(g.headDim)}, t);
    Value v0 = emptyTensor(b, l, {a(g.keyTile), a(g.valueDim)}, t);
    auto loop = scf::ForOp::create(
        b, l, c(0), c(g.keyTile), c(1), ValueRange{k0, v0},
        [&](OpBuilder &jb, Location jl, Value j, ValueRange it) {
          Value key = arith::MinSIOp::create(
              jb, jl, arith::AddIOp::create(jb, jl, j0, j), lastKey);
          Value next = arith::MinSIOp::create(
              jb, jl, arith::AddIOp::create(jb, jl, key, c(g.keyTile)),
              lastCached);
          SmallVector<Value> out(it);
          Value sources[2] = {tc.k, tc.v};
          int64_t widths[2] = {g.headDim, g.valueDim};
          for (int which = 0; which < 2; ++which)
            for (int64_t col = 0; col < widths[which]; col += kLanes) {
              if (col % lineElements(sources[which]) == 0)
                seq::PrefetchOp::create(jb, jl, sources[which],
                                        ValueRange{tc.ib, next, tc.ih, c(col)},
                                        /*locality=*/2);
              if (col + kLanes <= widths[which]) {
                out[which] = writeLanes(
                    jb, jl, readCacheLanes(jb, jl, tc, which == 1, key, col),
                    out[which], {j, c(col)});
                continue;
              }
              assert(!tc.kScales && "8-bit caches have whole vectors");
              // A head dim that is not a multiple of 16: the last lanes
              // are a masked read and write.
              auto f32 = jb.getF32Type();
              MLIRContext *ctx = jb.getContext();
              auto lastDim = [&](unsigned n) {
                return AffineMap::get(n, 0, getAffineDimExpr(n - 1, ctx));
              };
              Type stored = cast<RankedTensorType>(sources[which].getType())
                                .getElementType();
              Value part = vector::TransferReadOp::create(
                  jb, jl, VectorType::get({kLanes}, stored), sources[which],
                  ValueRange{tc.ib, key, tc.ih, c(col)},
                  floatConstant(jb, jl, stored, 0.0), lastDim(4),
                  ArrayRef<bool>{false});
              if (stored != f32) // a bf16/f16 cache, widened exactly
                part = arith::ExtFOp::create(
                    jb, jl, VectorType::get({kLanes}, f32), part);
              out[which] = vector::TransferWriteOp::create(
                               jb, jl, part, out[which], ValueRange{j, c(col)},
                               AffineMapAttr::get(lastDim(2)),
                               jb.getBoolArrayAttr({false}))
                               .getResult();
            }
          scf::YieldOp::create(jb, jl, out);
        });
    return {loop.getResult(0), loop.getResult(1)};
  }

  /// Sᵀ = K·Qᵀ [kt, R] in register tiles of rbK keys × R/16 vectors (FMA
  /// on a broadcast key element of the packed tile).
  Value emitScoresByBroadcast(OpBuilder &b, Location l, const TileContext &tc,
                              Value qt, Value kTile) const {
    const Geometry &g = tc.g;
    Type t = b.getF32Type();
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    Value zeroF = floatConstant(b, l, t, 0.0);
    int64_t queryVecs = g.rows / kLanes;
    // rbK need not divide kt: Sᵀ gets rows up to the next multiple, the
    // first kt of which are the tile's.
    int64_t padded = (g.keyTile + g.rbK - 1) / g.rbK * g.rbK;
    Value s0 = emptyTensor(b, l, {a(padded), a(g.rows)}, t);
    Value scores =
        scf::ForOp::create(
            b, l, c(0), c(padded), c(g.rbK), ValueRange{s0},
            [&](OpBuilder &rb, Location rl, Value jr, ValueRange sIter) {
              SmallVector<Value> keys;
              for (int64_t kk = 0; kk < g.rbK; ++kk)
                keys.push_back(arith::MinSIOp::create(
                    rb, rl, arith::AddIOp::create(rb, rl, jr, c(kk)),
                    c(g.keyTile - 1)));
              SmallVector<Value> zeros(g.rbK * queryVecs,
                                       splatLanes(rb, rl, zeroF));
              auto dLoop = scf::ForOp::create(
                  rb, rl, c(0), c(g.headDim), c(1), zeros,
                  [&](OpBuilder &db, Location dl, Value d, ValueRange accs) {
                    SmallVector<Value> qv, next;
                    for (int64_t cv = 0; cv < queryVecs; ++cv)
                      qv.push_back(readLanes(db, dl, qt, {d, c(cv * kLanes)}));
                    for (int64_t kk = 0; kk < g.rbK; ++kk) {
                      Value kb = splatLanes(
                          db, dl,
                          tensor::ExtractOp::create(db, dl, kTile,
                                                    ValueRange{keys[kk], d}));
                      for (int64_t cv = 0; cv < queryVecs; ++cv)
                        next.push_back(math::FmaOp::create(
                            db, dl, kb, qv[cv], accs[kk * queryVecs + cv]));
                    }
                    scf::YieldOp::create(db, dl, next);
                  });
              Value st = sIter[0];
              for (int64_t kk = 0; kk < g.rbK; ++kk)
                for (int64_t cv = 0; cv < queryVecs; ++cv)
                  st = writeLanes(rb, rl, dLoop.getResult(kk * queryVecs + cv),
                                  st,
                                  {arith::AddIOp::create(rb, rl, jr, c(kk)),
                                   c(cv * kLanes)});
              scf::YieldOp::create(rb, rl, st);
            })
            .getResult(0);
    if (padded == g.keyTile)
      return scores;
    return tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({g.keyTile, g.rows}, t), scores,
        ArrayRef<OpFoldResult>{a(0), a(0)},
        ArrayRef<OpFoldResult>{a(g.keyTile), a(g.rows)},
        ArrayRef<OpFoldResult>{a(1), a(1)});
  }

  /// The last key the K and V tensors hold (prefetches stay inside).
  Value lastCachedKey(OpBuilder &b, Location l, const TileContext &tc) const {
    return arith::SubIOp::create(b, l, tensor::DimOp::create(b, l, tc.k, 1),
                                 indexConstant(b, l, 1));
  }

  /// K and V rows lie a KV-head stride apart (4 KB for 8 heads of 128),
  /// which the hardware prefetcher does not follow: while a key tile's
  /// scores are computed, ask for the next tile's row of K (`key` + kt) and
  /// this key's row of V (P·V reads it after the scores) into L2, one hint
  /// per cache line.
  void emitPrefetches(OpBuilder &b, Location l, const TileContext &tc,
                      Value key, Value lastCached) const {
    const Geometry &g = tc.g;
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    Value ahead = arith::MinSIOp::create(
        b, l, arith::AddIOp::create(b, l, key, c(g.keyTile)), lastCached);
    for (int64_t line = 0; line < g.headDim; line += lineElements(tc.k))
      seq::PrefetchOp::create(b, l, tc.k,
                              ValueRange{tc.ib, ahead, tc.ih, c(line)},
                              /*locality=*/2);
    for (int64_t line = 0; line < g.valueDim; line += lineElements(tc.v))
      seq::PrefetchOp::create(b, l, tc.v,
                              ValueRange{tc.ib, key, tc.ih, c(line)},
                              /*locality=*/2);
  }

  /// Sᵀ [kt, R] for a few query rows (decode): per key, D/16 vector loads
  /// of the key and one dot product per used row, reduced across lanes —
  /// D/16 FMAs per row instead of D broadcasts. Unused rows stay 0; keys past
  /// the tile's end stay 0 and are masked later.
  Value emitScoresByDot(OpBuilder &b, Location l, const TileContext &tc,
                        Value qRows, Value j0, Value kt) const {
    const Geometry &g = tc.g;
    Type t = b.getF32Type();
    MLIRContext *ctx = b.getContext();
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    auto reassoc =
        arith::FastMathFlagsAttr::get(ctx, arith::FastMathFlags::reassoc);
    int64_t used = g.queryTile * g.group, headVecs = g.headDim / kLanes;
    Value s0 = filledTensor(b, l, {a(g.keyTile), a(g.rows)}, t, 0.0);
    Value lastCached = lastCachedKey(b, l, tc);
    return scf::ForOp::create(
               b, l, c(0), kt, c(1), ValueRange{s0},
               [&](OpBuilder &jb, Location jl, Value j, ValueRange sIter) {
                 Value key = arith::AddIOp::create(jb, jl, j0, j);
                 emitPrefetches(jb, jl, tc, key, lastCached);
                 SmallVector<Value> kv;
                 for (int64_t cv = 0; cv < headVecs; ++cv)
                   kv.push_back(readCacheLanes(jb, jl, tc, /*value=*/false, key,
                                               cv * kLanes));
                 Value st = sIter[0];
                 for (int64_t r = 0; r < used; ++r) {
                   Value acc;
                   for (int64_t cv = 0; cv < headVecs; ++cv) {
                     Value qv =
                         readLanes(jb, jl, qRows, {c(r), c(cv * kLanes)});
                     acc = acc ? math::FmaOp::create(jb, jl, qv, kv[cv], acc)
                                     .getResult()
                               : arith::MulFOp::create(jb, jl, qv, kv[cv])
                                     .getResult();
                   }
                   Value dot = vector::ReductionOp::create(
                       jb, jl, vector::CombiningKind::ADD, acc, Value(),
                       reassoc.getValue());
                   st = tensor::InsertOp::create(jb, jl, dot, st,
                                                 ValueRange{j, c(r)});
                 }
                 scf::YieldOp::create(jb, jl, st);
               })
        .getResult(0);
  }

  /// Only causal / sliding-window terms (no bias, modifiers, dilation,
  /// blocks, globals or ring): the mask is a comparison of positions.
  static bool positionOnlyMask(seq::AttentionOp op) {
    return !op.getBias() && op.getScoreMod().empty() &&
           op.getMaskMod().empty() && !op.getDilationRate() &&
           !op.getBlockSize() && !op.getGlobalTokens() && !op.getRing();
  }

  /// Sᵀ with -inf where the causal / window terms hide a key, 16 queries
  /// per vector compare (the linalg mask costs index arithmetic per score).
  Value emitPositionMask(OpBuilder &b, Location l, const TileContext &tc,
                         Value s, Value i0, Value j0, Value kt) const {
    const Geometry &g = tc.g;
    seq::AttentionOp op = tc.op;
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto i32 = b.getI32Type();
    auto lanesI32 = VectorType::get({kLanes}, i32);
    auto toI32 = [&](Value index) {
      return arith::IndexCastOp::create(b, l, i32, index).getResult();
    };
    auto splatI32 = [&](Value x) {
      return vector::BroadcastOp::create(b, l, lanesI32, x).getResult();
    };
    Value negInf =
        splatLanes(b, l, floatConstant(b, l, b.getF32Type(), -INFINITY));
    // qpos of lane r of query vector cv: firstQ + (cv·16 + r) / G.
    Value firstQ = arith::AddIOp::create(b, l, tc.qBase, i0);
    Value lane = arith::IndexCastOp::create(
        b, l, lanesI32,
        vector::StepOp::create(b, l,
                               VectorType::get({kLanes}, b.getIndexType())));
    SmallVector<Value> qpos;
    for (int64_t cv = 0; cv < g.rows / kLanes; ++cv) {
      Value r = arith::AddIOp::create(
          b, l, lane,
          splatI32(arith::ConstantIntOp::create(b, l, cv * kLanes, 32)));
      Value i = arith::DivUIOp::create(
          b, l, r, splatI32(arith::ConstantIntOp::create(b, l, g.group, 32)));
      qpos.push_back(arith::AddIOp::create(b, l, splatI32(toI32(firstQ)), i));
    }
    std::optional<int64_t> window = op.getSlidingWindow();
    auto loop = scf::ForOp::create(
        b, l, c(0), c(g.keyTile), c(1), ValueRange{s},
        [&](OpBuilder &jb, Location jl, Value j, ValueRange it) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(jb.getInsertionBlock(), jb.getInsertionPoint());
          Value inTile =
              arith::CmpIOp::create(b, jl, arith::CmpIPredicate::slt, j, kt);
          Value kpos = splatI32(toI32(arith::AddIOp::create(b, jl, j0, j)));
          Value keep = vector::BroadcastOp::create(
              b, jl, VectorType::get({kLanes}, b.getI1Type()), inTile);
          Value st = it[0];
          for (int64_t cv = 0; cv < g.rows / kLanes; ++cv) {
            Value visible = keep;
            Value diff = arith::SubIOp::create(b, jl, qpos[cv], kpos);
            auto both = [&](arith::CmpIPredicate p, Value x, Value y) {
              visible = arith::AndIOp::create(
                  b, jl, visible, arith::CmpIOp::create(b, jl, p, x, y));
            };
            if (op.getCausal())
              both(arith::CmpIPredicate::sge, diff,
                   splatI32(arith::ConstantIntOp::create(b, jl, 0, 32)));
            if (window) {
              Value w =
                  splatI32(arith::ConstantIntOp::create(b, jl, *window, 32));
              both(arith::CmpIPredicate::slt, diff, w);
              if (!op.getCausal())
                both(arith::CmpIPredicate::slt,
                     arith::SubIOp::create(b, jl, kpos, qpos[cv]), w);
            }
            Value sv = readLanes(b, jl, st, {j, c(cv * kLanes)});
            st = writeLanes(b, jl,
                            arith::SelectOp::create(b, jl, visible, sv, negInf),
                            st, {j, c(cv * kLanes)});
          }
          scf::YieldOp::create(b, jl, st);
        });
    return loop.getResult(0);
  }

  /// One visible key tile [j0, j0 + kt): the updated (m, l, acc).
  SmallVector<Value> emitKeyTile(OpBuilder &b, Location l,
                                 const TileContext &tc, Value qt, Value qRows,
                                 ValueRange iter, Value i0, Value j0, Value kt,
                                 Value needMask) const {
    const Geometry &g = tc.g;
    Type t = b.getF32Type();
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    MLIRContext *ctx = b.getContext();
    Value zeroF = floatConstant(b, l, t, 0.0);
    Value negInf = floatConstant(b, l, t, -INFINITY);
    int64_t valueVecs = g.valueDim / kLanes;

    // Many query rows (prefill) read the tile's keys and values once per
    // register tile: copy them out of the strided cache first.
    KeyTile tile;
    if (!g.dotScores)
      tile = packKeyTile(b, l, tc, j0, kt);
    Value s = g.dotScores ? emitScoresByDot(b, l, tc, qRows, j0, kt)
                          : emitScoresByBroadcast(b, l, tc, qt, tile.k);

    // The mask (and bias, score_mod) where the tile is not provably full.
    auto masked = scf::IfOp::create(
        b, l, needMask,
        [&](OpBuilder &ib, Location il) {
          if (positionOnlyMask(tc.op)) {
            scf::YieldOp::create(ib, il,
                                 emitPositionMask(ib, il, tc, s, i0, j0, kt));
            return;
          }
          Value init = emptyTensor(ib, il, {a(g.keyTile), a(g.rows)}, t);
          AffineMap id = dimsMap(ctx, 2, {0, 1});
          Value lastRow = arith::SubIOp::create(ib, il, tc.sq, c(1));
          Value out =
              linalg::GenericOp::create(
                  ib, il, init.getType(), s, init, {id, id}, iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange x) {
                    Value j = linalg::IndexOp::create(bb, bl, 0);
                    Value r = linalg::IndexOp::create(bb, bl, 1);
                    Value gc = indexConstant(bb, bl, g.group);
                    Value i = arith::DivUIOp::create(bb, bl, r, gc);
                    Value member = arith::RemUIOp::create(bb, bl, r, gc);
                    // Padding queries and keys use in-bounds stand-ins; their
                    // scores are dropped (queries) or -inf (keys).
                    Value row = arith::MinSIOp::create(
                        bb, bl, arith::AddIOp::create(bb, bl, i0, i), lastRow);
                    Value inTile = arith::CmpIOp::create(
                        bb, bl, arith::CmpIPredicate::slt, j, kt);
                    Value key = arith::AddIOp::create(
                        bb, bl, j0,
                        arith::SelectOp::create(bb, bl, inTile, j,
                                                indexConstant(bb, bl, 0)));
                    Value score = tc.mask.score(bb, bl, x[0], tc.ib, tc.ih,
                                                member, row, key,
                                                /*prescaled=*/true);
                    yieldValue(bb, bl,
                               arith::SelectOp::create(
                                   bb, bl, inTile, score,
                                   floatConstant(bb, bl, t, -INFINITY)));
                  })
                  .getResult(0);
          scf::YieldOp::create(ib, il, out);
        },
        [&](OpBuilder &ib, Location il) { scf::YieldOp::create(ib, il, s); });
    s = masked.getResult(0);

    // Online softmax, 16 queries per vector: m, l, the correction c and the
    // probabilities Pᵀ [kt, R].
    Value p0 = emptyTensor(b, l, {a(g.keyTile), a(g.rows)}, t);
    Value corr0 = emptyTensor(b, l, {a(g.rows)}, t);
    auto softmax = scf::ForOp::create(
        b, l, c(0), c(g.rows), c(kLanes),
        ValueRange{iter[0], iter[1], p0, corr0},
        [&](OpBuilder &rb, Location rl, Value r, ValueRange it) {
          Value zeroV = splatLanes(rb, rl, zeroF),
                negInfV = splatLanes(rb, rl, negInf);
          Value mOld = readLanes(rb, rl, it[0], {r});
          auto maxLoop = scf::ForOp::create(
              rb, rl, c(0), kt, c(1), ValueRange{mOld},
              [&](OpBuilder &jb, Location jl, Value j, ValueRange m) {
                Value sv = readLanes(jb, jl, s, {j, r});
                scf::YieldOp::create(
                    jb, jl,
                    ValueRange{arith::MaximumFOp::create(jb, jl, m[0], sv)});
              });
          Value mNew = maxLoop.getResult(0);
          // Queries that have seen no visible key keep a zero state.
          Value none = arith::CmpFOp::create(rb, rl, arith::CmpFPredicate::OEQ,
                                             mNew, negInfV);
          Value mUse = arith::SelectOp::create(rb, rl, none, zeroV, mNew);
          Value corr = math::ExpOp::create(
              rb, rl, arith::SubFOp::create(rb, rl, mOld, mUse));
          auto expLoop = scf::ForOp::create(
              rb, rl, c(0), c(g.keyTile), c(1), ValueRange{zeroV, it[2]},
              [&](OpBuilder &jb, Location jl, Value j, ValueRange acc) {
                Value sv = readLanes(jb, jl, s, {j, r});
                Value e = math::ExpOp::create(
                    jb, jl, arith::SubFOp::create(jb, jl, sv, mUse));
                Value hidden = arith::CmpFOp::create(
                    jb, jl, arith::CmpFPredicate::OEQ, sv, negInfV);
                Value p = arith::SelectOp::create(jb, jl, hidden, zeroV, e);
                scf::YieldOp::create(
                    jb, jl,
                    ValueRange{arith::AddFOp::create(jb, jl, acc[0], p),
                               writeLanes(jb, jl, p, acc[1], {j, r})});
              });
          Value lNew =
              math::FmaOp::create(rb, rl, readLanes(rb, rl, it[1], {r}), corr,
                                  expLoop.getResult(0));
          scf::YieldOp::create(
              rb, rl,
              ValueRange{writeLanes(rb, rl, mNew, it[0], {r}),
                         writeLanes(rb, rl, lNew, it[1], {r}),
                         expLoop.getResult(1),
                         writeLanes(rb, rl, corr, it[3], {r})});
        });
    Value mNew = softmax.getResult(0), lNew = softmax.getResult(1);
    Value p = softmax.getResult(2), corr = softmax.getResult(3);

    // acc = acc·c + P·V in register tiles of rbV queries × pvVecs vectors
    // of Dv (each chunk of Dv in turn), V read in place.
    int64_t chunkVecs = g.pvVecs;
    Value accNew =
        scf::ForOp::create(
            b, l, c(0), c(g.pvRows), c(g.rbV), ValueRange{iter[2]},
            [&](OpBuilder &rb, Location rl, Value r0, ValueRange accIter) {
              SmallVector<Value> rowsIdx, scales;
              for (int64_t rr = 0; rr < g.rbV; ++rr) {
                Value row = arith::AddIOp::create(rb, rl, r0, c(rr));
                rowsIdx.push_back(row);
                scales.push_back(splatLanes(
                    rb, rl, tensor::ExtractOp::create(rb, rl, corr, row)));
              }
              Value at = accIter[0];
              for (int64_t v0 = 0; v0 < valueVecs; v0 += chunkVecs) {
                SmallVector<Value> accs;
                for (int64_t rr = 0; rr < g.rbV; ++rr)
                  for (int64_t cv = v0; cv < v0 + chunkVecs; ++cv)
                    accs.push_back(arith::MulFOp::create(
                        rb, rl,
                        readLanes(rb, rl, at, {rowsIdx[rr], c(cv * kLanes)}),
                        scales[rr]));
                auto jLoop = scf::ForOp::create(
                    rb, rl, c(0), kt, c(1), accs,
                    [&](OpBuilder &jb, Location jl, Value j, ValueRange av) {
                      SmallVector<Value> vv, next;
                      for (int64_t cv = v0; cv < v0 + chunkVecs; ++cv)
                        vv.push_back(
                            tile.v
                                ? readLanes(jb, jl, tile.v, {j, c(cv * kLanes)})
                                : readCacheLanes(
                                      jb, jl, tc, /*value=*/true,
                                      arith::AddIOp::create(jb, jl, j0, j),
                                      cv * kLanes));
                      for (int64_t rr = 0; rr < g.rbV; ++rr) {
                        Value pb = splatLanes(
                            jb, jl,
                            tensor::ExtractOp::create(
                                jb, jl, p, ValueRange{j, rowsIdx[rr]}));
                        for (int64_t cv = 0; cv < chunkVecs; ++cv)
                          next.push_back(math::FmaOp::create(
                              jb, jl, pb, vv[cv], av[rr * chunkVecs + cv]));
                      }
                      scf::YieldOp::create(jb, jl, next);
                    });
                for (int64_t rr = 0; rr < g.rbV; ++rr)
                  for (int64_t cv = 0; cv < chunkVecs; ++cv)
                    at =
                        writeLanes(rb, rl, jLoop.getResult(rr * chunkVecs + cv),
                                   at, {rowsIdx[rr], c((v0 + cv) * kLanes)});
              }
              scf::YieldOp::create(rb, rl, at);
            })
            .getResult(0);
    return {mNew, lNew, accNew};
  }

  /// Split-KV decode: the partial states [B, Hkv, S, R(, Dv)] of S key
  /// shares merged into the normalised [B, Hkv, R, Dv]:
  /// out = Σ acc_s·w_s / Σ l_s·w_s with w_s = exp(m_s - max_s m_s).
  Value mergeSplits(OpBuilder &b, Location l, Value m, Value sums,
                    Value acc) const {
    MLIRContext *ctx = b.getContext();
    Type t = b.getF32Type();
    SmallVector<OpFoldResult> partSizes = getSizes(b, l, m); // B, Hkv, S, R
    SmallVector<OpFoldResult> rowSizes = {partSizes[0], partSizes[1],
                                          partSizes[3]};
    SmallVector<OpFoldResult> outSizes = getSizes(b, l, acc);
    outSizes.erase(outSizes.begin() + 2); // B, Hkv, R, Dv
    Value negInf = floatConstant(b, l, t, -INFINITY);
    AffineMap part = dimsMap(ctx, 4, {0, 1, 2, 3}),
              row = dimsMap(ctx, 4, {0, 1, 3});
    auto reduceS = SmallVector<utils::IteratorType>{
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction, utils::IteratorType::parallel};
    Value mMax =
        linalg::GenericOp::create(
            b, l, filledTensor(b, l, rowSizes, t, -INFINITY).getType(), m,
            filledTensor(b, l, rowSizes, t, -INFINITY), {part, row}, reduceS,
            [](OpBuilder &bb, Location bl, ValueRange x) {
              yieldValue(bb, bl, arith::MaximumFOp::create(bb, bl, x[0], x[1]));
            })
            .getResult(0);
    Value weights =
        linalg::GenericOp::create(
            b, l, m.getType(), ValueRange{m, mMax},
            emptyTensor(b, l, partSizes, t), {part, row, part}, iterators(4),
            [&](OpBuilder &bb, Location bl, ValueRange x) {
              Value none = arith::CmpFOp::create(
                  bb, bl, arith::CmpFPredicate::OEQ, x[1], negInf);
              Value e = math::ExpOp::create(
                  bb, bl, arith::SubFOp::create(bb, bl, x[0], x[1]));
              yieldValue(bb, bl,
                         arith::SelectOp::create(
                             bb, bl, none, floatConstant(bb, bl, t, 0.0), e));
            })
            .getResult(0);
    Value total =
        linalg::GenericOp::create(
            b, l, mMax.getType(), ValueRange{sums, weights},
            filledTensor(b, l, rowSizes, t, 0.0), {part, part, row}, reduceS,
            [](OpBuilder &bb, Location bl, ValueRange x) {
              yieldValue(bb, bl, math::FmaOp::create(bb, bl, x[0], x[1], x[2]));
            })
            .getResult(0);
    AffineMap accMap = dimsMap(ctx, 5, {0, 1, 4, 2, 3});
    Value numerator =
        linalg::GenericOp::create(
            b, l, emptyTensor(b, l, outSizes, t).getType(),
            ValueRange{acc, weights}, filledTensor(b, l, outSizes, t, 0.0),
            {accMap, dimsMap(ctx, 5, {0, 1, 4, 2}),
             dimsMap(ctx, 5, {0, 1, 2, 3})},
            iterators(4, 1),
            [](OpBuilder &bb, Location bl, ValueRange x) {
              yieldValue(bb, bl, math::FmaOp::create(bb, bl, x[0], x[1], x[2]));
            })
            .getResult(0);
    AffineMap out4 = dimsMap(ctx, 4, {0, 1, 2, 3});
    return linalg::GenericOp::create(
               b, l, numerator.getType(), ValueRange{numerator, total},
               emptyTensor(b, l, outSizes, t),
               {out4, dimsMap(ctx, 4, {0, 1, 2}), out4}, iterators(4),
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

void seqc::cpu::populateVectorFlashAttentionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<VectorFlashAttentionLowering>(patterns.getContext());
}

StringRef seqc::cpu::whyNotVectorFlashAttention(seq::AttentionOp op) {
  FailureOr<AttentionShape> shape = getAttentionShape(op);
  if (failed(shape))
    return "dynamic head counts or dims";
  // Keys and values may be a bf16/f16 cache (readLanes widens them) or an
  // 8-bit one (readCacheLanes scales them); the query, bias and result are
  // f32.
  auto element = [](Value x) {
    return cast<RankedTensorType>(x.getType()).getElementType();
  };
  Type kv = element(op.getKey());
  if (!element(op.getQuery()).isF32() ||
      (op.getBias() && !element(op.getBias()).isF32()) ||
      !(kv.isF32() || kv.isBF16() || kv.isF16() || kv.isInteger(8)))
    return "operands not f32 (or a bf16/f16/8-bit KV cache)";
  if (shape->valueDim % kLanes != 0)
    return "value dim not a multiple of 16";
  auto dim3 = [](Value x) {
    return cast<RankedTensorType>(x.getType()).getDimSize(3);
  };
  if (op.getKeyScales() &&
      ((dim3(op.getKey()) / dim3(op.getKeyScales())) % kLanes != 0 ||
       (dim3(op.getValue()) / dim3(op.getValueScales())) % kLanes != 0))
    return "8-bit cache blocks not a multiple of 16";
  return "";
}

DenseIntElementsAttr seqc::cpu::tileMapFor(seq::AttentionOp op,
                                           int64_t queryTile, int64_t keyTile) {
  auto sizes = op->getAttrOfType<DenseI64ArrayAttr>(
      seqc::seq::SeqDialect::TileSizesAttrHelper::getNameStr());
  auto map = op->getAttrOfType<DenseIntElementsAttr>(
      seqc::seq::SeqDialect::TileMapAttrHelper::getNameStr());
  if (!sizes || !map || sizes.size() != 2 || sizes[0] != queryTile ||
      sizes[1] != keyTile)
    return {};
  return map;
}

std::pair<int64_t, int64_t> seqc::cpu::vectorFlashTileSizes(seq::AttentionOp op,
                                                            int64_t queryTile,
                                                            int64_t keyTile) {
  // A block map from seq-sparsify-attention fixes the tiles it describes.
  auto sizes = op->getAttrOfType<DenseI64ArrayAttr>(
      seqc::seq::SeqDialect::TileSizesAttrHelper::getNameStr());
  if (sizes &&
      op->hasAttr(seqc::seq::SeqDialect::TileMapAttrHelper::getNameStr()) &&
      sizes.size() == 2 && sizes[1] % kLanes == 0 && sizes[1] <= 256 &&
      sizes[0] > 0)
    return {sizes[0], sizes[1]};
  auto qType = cast<RankedTensorType>(op.getQuery().getType());
  int64_t group = getAttentionShape(op)->group;
  return flashTileSizes(group, qType.getDimSize(1), !qType.isDynamicDim(1),
                        queryTile, keyTile);
}
