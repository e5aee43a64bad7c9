//===- VectorFlashAttention.cpp - register-tiled flash attention (f32) ----===//
//
// The flash-attention forward pass written directly in 16-lane vectors, for
// f32 with a value dim that is a multiple of 16. Per (batch, KV head, query
// tile) — R = query positions × group rows, scale folded into the packed
// query tile Q [R, D] — each key tile of kt keys runs:
//
//   Kᵀ [D, kt]  the key tile transposed (zero padded): one pack per tile;
//   S = Q·Kᵀ    register tiles of rbS rows × kt keys, FMA on broadcast q;
//   mask        only on tiles the visibility bounds cannot prove full;
//   softmax     per row: max, exp (polynomial, vectorised), sum, rescale;
//   acc = acc·c + P·V  register tiles of rbV rows × Dv, V read in place.
//
// Tiles the bounds prove empty are skipped. Accumulators live in vector
// loop-carried values, so LLVM keeps them in registers.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/SeqToLinalg/AttentionMask.h"
#include "passes/Conversion/SeqToLinalg/AttentionShape.h"
#include "passes/Conversion/SeqToLinalg/AttentionTileVisibility.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"
#include "passes/Conversion/SeqToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

constexpr int64_t kLanes = 16;

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
  return m;
}

int64_t largestRowBlock(int64_t rows, int64_t vectorsPerRow) {
  for (int64_t rb : {4, 2})
    if (rows % rb == 0 && rb * vectorsPerRow <= 16)
      return rb;
  return 1;
}

struct VectorFlashAttentionLowering : OpConversionPattern<seq::AttentionOp> {
  VectorFlashAttentionLowering(MLIRContext *ctx, int64_t queryTile,
                               int64_t keyTile)
      : OpConversionPattern(ctx, /*benefit=*/3), queryTile(queryTile),
        keyTile(keyTile) {}

  LogicalResult
  matchAndRewrite(seq::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<AttentionShape> shape = getAttentionShape(op);
    if (failed(shape))
      return rewriter.notifyMatchFailure(op, "dynamic head counts or dims");
    auto f32 = rewriter.getF32Type();
    for (Value x : op->getOperands())
      if (auto type = dyn_cast<RankedTensorType>(x.getType()))
        if (type.getElementType() != f32)
          return rewriter.notifyMatchFailure(op, "not f32");
    if (shape->valueDim % kLanes != 0)
      return rewriter.notifyMatchFailure(op, "value dim not a multiple of 16");

    Geometry g;
    g.group = shape->group;
    g.headDim = shape->headDim;
    g.valueDim = shape->valueDim;
    int64_t sqStatic =
        cast<RankedTensorType>(op.getQuery().getType()).getDimSize(1);
    // Default: about 64 rows of query vectors per tile.
    g.queryTile = queryTile > 0 ? queryTile
                                : std::max<int64_t>(1, (64 + g.group - 1) /
                                                           g.group);
    if (!ShapedType::isDynamic(sqStatic))
      g.queryTile = std::max<int64_t>(1, std::min(g.queryTile, sqStatic));
    g.keyTile = std::min<int64_t>(
        256, (std::max<int64_t>(keyTile, 1) + kLanes - 1) / kLanes * kLanes);
    g.rows = g.queryTile * g.group;
    g.rbS = largestRowBlock(g.rows, g.keyTile / kLanes);
    g.rbV = largestRowBlock(g.rows, g.valueDim / kLanes);

    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    SmallVector<OpFoldResult> qSizes = getSizes(rewriter, loc, q);
    OpFoldResult batch = qSizes[0], sq = qSizes[1];
    Value sqV = getValueOrCreateConstantIndexOp(rewriter, loc, sq);
    Value skvV = getValueOrCreateConstantIndexOp(rewriter, loc,
                                                 getSizes(rewriter, loc, k)[1]);
    Value kvLength = adaptor.getKvLength() ? adaptor.getKvLength() : skvV;
    auto idx = [&](int64_t x) { return rewriter.getIndexAttr(x); };

    Value qg = splitQueryHeads(rewriter, loc, q, *shape);
    Value outInit =
        emptyTensor(rewriter, loc,
                    {batch, sq, idx(shape->kvHeads), idx(g.group),
                     idx(g.valueDim)},
                    f32);
    Value tq = indexConstant(rewriter, loc, g.queryTile);
    Value tiles = arith::CeilDivUIOp::create(rewriter, loc, sqV, tq);
    Value qBase = arith::SubIOp::create(rewriter, loc, kvLength, sqV);
    AttentionMask mask(rewriter, loc, op, adaptor.getBias(), kvLength, sqV,
                       g.group);

    auto forall = scf::ForallOp::create(
        rewriter, loc,
        SmallVector<OpFoldResult>{batch, idx(shape->kvHeads), tiles},
        ValueRange{outInit}, std::nullopt,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value ib = args[0], ih = args[1], it = args[2], outArg = args[3];
          TileContext tc{op, mask, g, qg, k, v, ib, ih, sqV, kvLength, qBase};
          auto [tile, i0, rows] = emitQueryTile(b, l, tc, it);
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
    int64_t queryTile, keyTile, rows; ///< rows = queryTile · group
    int64_t rbS, rbV;                 ///< register-tile rows of Q·Kᵀ and P·V
  };
  struct TileContext {
    seq::AttentionOp op;
    const AttentionMask &mask;
    const Geometry &g;
    Value qg, k, v, ib, ih, sq, kvLength, qBase;
  };

  /// The output [rows, G, Dv] of query tile `it`, its first row and count.
  std::tuple<Value, Value, Value> emitQueryTile(OpBuilder &b, Location l,
                                                const TileContext &tc,
                                                Value it) const {
    const Geometry &g = tc.g;
    seq::AttentionOp op = tc.op;
    Type t = b.getF32Type();
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    int64_t dyn = ShapedType::kDynamic;
    MLIRContext *ctx = b.getContext();

    Value i0 = arith::MulIOp::create(b, l, it, c(g.queryTile));
    Value rows = arith::MinSIOp::create(
        b, l, c(g.queryTile), arith::SubIOp::create(b, l, tc.sq, i0));

    // Q [R, D]: the tile's queries times the scale, zero rows past the end.
    Value qSlice = tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({dyn, g.group, g.headDim}, t), tc.qg,
        ArrayRef<OpFoldResult>{tc.ib, i0, tc.ih, a(0), a(0)},
        ArrayRef<OpFoldResult>{a(1), rows, a(1), a(g.group), a(g.headDim)},
        ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(5, a(1))));
    Value scale = floatConstant(b, l, t, op.getEffectiveScale());
    Value scaled = pointwise(b, l, qSlice, qSlice,
                             [&](OpBuilder &bb, Location bl, ValueRange x) {
                               return arith::MulFOp::create(bb, bl, x[0], scale);
                             });
    Value qPad = filledTensor(b, l, {a(g.queryTile), a(g.group), a(g.headDim)},
                              t, 0.0);
    qPad = tensor::InsertSliceOp::create(
        b, l, scaled, qPad, ArrayRef<OpFoldResult>{a(0), a(0), a(0)},
        ArrayRef<OpFoldResult>{rows, a(g.group), a(g.headDim)},
        ArrayRef<OpFoldResult>{a(1), a(1), a(1)});
    Value qm = tensor::CollapseShapeOp::create(
        b, l, RankedTensorType::get({g.rows, g.headDim}, t), qPad,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});

    // Keys this tile can see: [start, end).
    Value firstQ = arith::AddIOp::create(b, l, tc.qBase, i0);
    Value lastQ = arith::SubIOp::create(
        b, l, arith::AddIOp::create(b, l, firstQ, rows), c(1));
    Value start = c(0), end = tc.kvLength;
    if (op.getCausal())
      end = arith::MinSIOp::create(b, l, end,
                                   arith::AddIOp::create(b, l, lastQ, c(1)));
    std::optional<int64_t> window = op.getSlidingWindow();
    if (window && !op.getGlobalTokens()) {
      start = arith::MaxSIOp::create(
          b, l, c(0),
          arith::AddIOp::create(
              b, l, arith::SubIOp::create(b, l, firstQ, c(*window)), c(1)));
      if (!op.getCausal())
        end = arith::MinSIOp::create(
            b, l, end, arith::AddIOp::create(b, l, lastQ, c(*window)));
    }
    end = arith::MaxSIOp::create(b, l, end, start);

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
          auto bounds = TileVisibility<IndexOps>::compute(
              ops, terms, firstQ, lastQ, j0, jLast);
          Value whole = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::eq, kt, c(g.keyTile));
          Value needMask =
              alwaysGeneric
                  ? ops.constant(true)
                  : arith::XOrIOp::create(nb, nl,
                                          ops.both(bounds.all, whole),
                                          ops.constant(true))
                        .getResult();
          auto ifVisible = scf::IfOp::create(
              nb, nl, bounds.any,
              [&](OpBuilder &ib, Location il) {
                SmallVector<Value> next =
                    emitKeyTile(ib, il, tc, qm, iter, i0, j0, kt, needMask);
                scf::YieldOp::create(ib, il, next);
              },
              [&](OpBuilder &ib, Location il) {
                scf::YieldOp::create(ib, il, iter);
              });
          scf::YieldOp::create(nb, nl, ifVisible.getResults());
        });

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
              Value empty = arith::CmpFOp::create(
                  bb, bl, arith::CmpFPredicate::OEQ, x[1],
                  floatConstant(bb, bl, t, 0.0));
              Value o = arith::DivFOp::create(bb, bl, x[0], x[1]);
              yieldValue(bb, bl,
                         arith::SelectOp::create(
                             bb, bl, empty, floatConstant(bb, bl, t, 0.0), o));
            })
            .getResult(0);
    Value expanded = tensor::ExpandShapeOp::create(
        b, l, RankedTensorType::get({g.queryTile, g.group, g.valueDim}, t), out,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
    Value tile = tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({dyn, g.group, g.valueDim}, t), expanded,
        ArrayRef<OpFoldResult>{a(0), a(0), a(0)},
        ArrayRef<OpFoldResult>{rows, a(g.group), a(g.valueDim)},
        ArrayRef<OpFoldResult>{a(1), a(1), a(1)});
    return {tile, i0, rows};
  }

  /// One visible key tile [j0, j0 + kt): the updated (m, l, acc).
  SmallVector<Value> emitKeyTile(OpBuilder &b, Location l,
                                 const TileContext &tc, Value qm,
                                 ValueRange iter, Value i0, Value j0, Value kt,
                                 Value needMask) const {
    const Geometry &g = tc.g;
    Type t = b.getF32Type();
    auto vt = VectorType::get({kLanes}, t);
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    MLIRContext *ctx = b.getContext();
    int64_t dyn = ShapedType::kDynamic;
    Value zeroF = floatConstant(b, l, t, 0.0);
    Value negInf = floatConstant(b, l, t, -INFINITY);
    auto minor = [&](unsigned rank) {
      return AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
    };
    auto read = [&](OpBuilder &bb, Location bl, Value src,
                    ValueRange indices) -> Value {
      return vector::TransferReadOp::create(bb, bl, vt, src, indices, zeroF,
                                            minor(indices.size()),
                                            ArrayRef<bool>{true});
    };
    auto write = [&](OpBuilder &bb, Location bl, Value vec, Value dest,
                     ValueRange indices) -> Value {
      return vector::TransferWriteOp::create(
                 bb, bl, vec, dest, indices,
                 AffineMapAttr::get(minor(indices.size())),
                 bb.getBoolArrayAttr({true}))
          .getResult();
    };
    auto splat = [&](OpBuilder &bb, Location bl, Value scalar) -> Value {
      return vector::BroadcastOp::create(bb, bl, vt, scalar);
    };
    int64_t keyVecs = g.keyTile / kLanes, valueVecs = g.valueDim / kLanes;

    // Kᵀ [D, kt], zero past the tile's last key.
    Value kSlice = tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({dyn, g.headDim}, t), tc.k,
        ArrayRef<OpFoldResult>{tc.ib, j0, tc.ih, a(0)},
        ArrayRef<OpFoldResult>{a(1), kt, a(1), a(g.headDim)},
        ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(4, a(1))));
    Value kTrans = linalg::TransposeOp::create(
                       b, l, kSlice,
                       emptyTensor(b, l, {a(g.headDim), kt}, t),
                       ArrayRef<int64_t>{1, 0})
                       .getResult()[0];
    Value kPad = filledTensor(b, l, {a(g.headDim), a(g.keyTile)}, t, 0.0);
    kPad = tensor::InsertSliceOp::create(
        b, l, kTrans, kPad, ArrayRef<OpFoldResult>{a(0), a(0)},
        ArrayRef<OpFoldResult>{a(g.headDim), kt},
        ArrayRef<OpFoldResult>{a(1), a(1)});

    // S = Q·Kᵀ in register tiles of rbS rows × kt keys.
    Value s0 = emptyTensor(b, l, {a(g.rows), a(g.keyTile)}, t);
    Value s =
        scf::ForOp::create(
            b, l, c(0), c(g.rows), c(g.rbS), ValueRange{s0},
            [&](OpBuilder &rb, Location rl, Value r0, ValueRange sIter) {
              SmallVector<Value> zeros(g.rbS * keyVecs, splat(rb, rl, zeroF));
              auto dLoop = scf::ForOp::create(
                  rb, rl, c(0), c(g.headDim), c(1), zeros,
                  [&](OpBuilder &db, Location dl, Value d, ValueRange accs) {
                    SmallVector<Value> kv, next;
                    for (int64_t cv = 0; cv < keyVecs; ++cv)
                      kv.push_back(read(db, dl, kPad, {d, c(cv * kLanes)}));
                    for (int64_t rr = 0; rr < g.rbS; ++rr) {
                      Value row = arith::AddIOp::create(db, dl, r0, c(rr));
                      Value qb = splat(db, dl,
                                       tensor::ExtractOp::create(
                                           db, dl, qm, ValueRange{row, d}));
                      for (int64_t cv = 0; cv < keyVecs; ++cv)
                        next.push_back(math::FmaOp::create(
                            db, dl, qb, kv[cv], accs[rr * keyVecs + cv]));
                    }
                    scf::YieldOp::create(db, dl, next);
                  });
              Value st = sIter[0];
              for (int64_t rr = 0; rr < g.rbS; ++rr)
                for (int64_t cv = 0; cv < keyVecs; ++cv)
                  st = write(rb, rl, dLoop.getResult(rr * keyVecs + cv), st,
                             {arith::AddIOp::create(rb, rl, r0, c(rr)),
                              c(cv * kLanes)});
              scf::YieldOp::create(rb, rl, st);
            })
            .getResult(0);

    // The mask (and bias, score_mod) where the tile is not provably full.
    auto masked = scf::IfOp::create(
        b, l, needMask,
        [&](OpBuilder &ib, Location il) {
          Value init = emptyTensor(ib, il, {a(g.rows), a(g.keyTile)}, t);
          AffineMap id = dimsMap(ctx, 2, {0, 1});
          Value lastRow = arith::SubIOp::create(ib, il, tc.sq, c(1));
          Value out =
              linalg::GenericOp::create(
                  ib, il, init.getType(), s, init, {id, id}, iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange x) {
                    Value r = linalg::IndexOp::create(bb, bl, 0);
                    Value j = linalg::IndexOp::create(bb, bl, 1);
                    Value gc = indexConstant(bb, bl, g.group);
                    Value i = arith::DivUIOp::create(bb, bl, r, gc);
                    Value member = arith::RemUIOp::create(bb, bl, r, gc);
                    // Padding rows and keys read in-bounds stand-ins; their
                    // scores are dropped (rows) or -inf (keys).
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

    // Online softmax, one row at a time: m, l, the row's correction c and
    // its probabilities P.
    Value p0 = emptyTensor(b, l, {a(g.rows), a(g.keyTile)}, t);
    Value corr0 = emptyTensor(b, l, {a(g.rows)}, t);
    auto reassoc = arith::FastMathFlagsAttr::get(
        ctx, arith::FastMathFlags::reassoc);
    auto rowLoop = scf::ForOp::create(
        b, l, c(0), c(g.rows), c(1),
        ValueRange{iter[0], iter[1], p0, corr0},
        [&](OpBuilder &rb, Location rl, Value r, ValueRange it) {
          SmallVector<Value> sv;
          for (int64_t cv = 0; cv < keyVecs; ++cv)
            sv.push_back(read(rb, rl, s, {r, c(cv * kLanes)}));
          Value vmax = sv[0];
          for (int64_t cv = 1; cv < keyVecs; ++cv)
            vmax = arith::MaximumFOp::create(rb, rl, vmax, sv[cv]);
          Value rowMax = vector::ReductionOp::create(
              rb, rl, vector::CombiningKind::MAXIMUMF, vmax);
          Value mOld = tensor::ExtractOp::create(rb, rl, it[0], r);
          Value mNew = arith::MaximumFOp::create(rb, rl, mOld, rowMax);
          Value none = arith::CmpFOp::create(
              rb, rl, arith::CmpFPredicate::OEQ, mNew, negInf);
          Value mUse = arith::SelectOp::create(rb, rl, none, zeroF, mNew);
          Value corr = math::ExpOp::create(
              rb, rl, arith::SubFOp::create(rb, rl, mOld, mUse));
          Value mb = splat(rb, rl, mUse);
          Value zeroV = splat(rb, rl, zeroF), negInfV = splat(rb, rl, negInf);
          Value pt = it[2], psum = zeroV;
          for (int64_t cv = 0; cv < keyVecs; ++cv) {
            Value e = math::ExpOp::create(
                rb, rl, arith::SubFOp::create(rb, rl, sv[cv], mb));
            Value hidden = arith::CmpFOp::create(
                rb, rl, arith::CmpFPredicate::OEQ, sv[cv], negInfV);
            Value p = arith::SelectOp::create(rb, rl, hidden, zeroV, e);
            psum = arith::AddFOp::create(rb, rl, psum, p);
            pt = write(rb, rl, p, pt, {r, c(cv * kLanes)});
          }
          Value rowSum = vector::ReductionOp::create(
              rb, rl, vector::CombiningKind::ADD, psum, Value(),
              reassoc.getValue());
          Value lOld = tensor::ExtractOp::create(rb, rl, it[1], r);
          Value lNew = arith::AddFOp::create(
              rb, rl, arith::MulFOp::create(rb, rl, lOld, corr), rowSum);
          Value mt = tensor::InsertOp::create(rb, rl, mNew, it[0], r);
          Value lt = tensor::InsertOp::create(rb, rl, lNew, it[1], r);
          Value ct = tensor::InsertOp::create(rb, rl, corr, it[3], r);
          scf::YieldOp::create(rb, rl, ValueRange{mt, lt, pt, ct});
        });
    Value mNew = rowLoop.getResult(0), lNew = rowLoop.getResult(1);
    Value p = rowLoop.getResult(2), corr = rowLoop.getResult(3);

    // acc = acc·c + P·V in register tiles of rbV rows × Dv, V read in place.
    Value accNew =
        scf::ForOp::create(
            b, l, c(0), c(g.rows), c(g.rbV), ValueRange{iter[2]},
            [&](OpBuilder &rb, Location rl, Value r0, ValueRange accIter) {
              SmallVector<Value> rowsIdx, accs;
              for (int64_t rr = 0; rr < g.rbV; ++rr) {
                Value row = arith::AddIOp::create(rb, rl, r0, c(rr));
                rowsIdx.push_back(row);
                Value cb = splat(rb, rl,
                                 tensor::ExtractOp::create(rb, rl, corr, row));
                for (int64_t cv = 0; cv < valueVecs; ++cv)
                  accs.push_back(arith::MulFOp::create(
                      rb, rl, read(rb, rl, accIter[0], {row, c(cv * kLanes)}),
                      cb));
              }
              auto jLoop = scf::ForOp::create(
                  rb, rl, c(0), kt, c(1), accs,
                  [&](OpBuilder &jb, Location jl, Value j, ValueRange av) {
                    Value key = arith::AddIOp::create(jb, jl, j0, j);
                    SmallVector<Value> vv, next;
                    for (int64_t cv = 0; cv < valueVecs; ++cv)
                      vv.push_back(read(jb, jl, tc.v,
                                        {tc.ib, key, tc.ih, c(cv * kLanes)}));
                    for (int64_t rr = 0; rr < g.rbV; ++rr) {
                      Value pb = splat(jb, jl,
                                       tensor::ExtractOp::create(
                                           jb, jl, p, ValueRange{rowsIdx[rr], j}));
                      for (int64_t cv = 0; cv < valueVecs; ++cv)
                        next.push_back(math::FmaOp::create(
                            jb, jl, pb, vv[cv], av[rr * valueVecs + cv]));
                    }
                    scf::YieldOp::create(jb, jl, next);
                  });
              Value at = accIter[0];
              for (int64_t rr = 0; rr < g.rbV; ++rr)
                for (int64_t cv = 0; cv < valueVecs; ++cv)
                  at = write(rb, rl, jLoop.getResult(rr * valueVecs + cv), at,
                             {rowsIdx[rr], c(cv * kLanes)});
              scf::YieldOp::create(rb, rl, at);
            })
            .getResult(0);
    return {mNew, lNew, accNew};
  }

  int64_t queryTile, keyTile;
};

} // namespace

void seqc::populateVectorFlashAttentionLoweringPatterns(
    RewritePatternSet &patterns, int64_t queryTile, int64_t keyTile) {
  patterns.add<VectorFlashAttentionLowering>(patterns.getContext(), queryTile,
                                             keyTile);
}
