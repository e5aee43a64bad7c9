//===- VectorSelectiveScan.cpp - the Mamba scan in AVX-512 registers ------===//
//
// CPU kernel for seq.selective_scan (f32, D a multiple of 16, N <= 64): the
// state lives in vector registers; see the pattern's comment for the tiling
// over channels and time.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/CpuKernels.h"
#include "passes/Codegen/CPU/VectorLanes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace seqc::lowering;
using namespace seqc::cpu;
namespace seq = seqc::seq;

namespace {

/// The scan with its state in vector registers, tiled over time: an
/// scf.forall over (batch, tile of up to 8 blocks of 16 channels); each tile
/// walks the sequence in chunks of kTimeChunk steps and, within a chunk,
/// runs every block's steps with its N state vectors as loop-carried values
/// (the state only touches memory between chunks). Reading a chunk's rows
/// for all the tile's blocks in turn keeps those rows' pages and lines hot:
/// one block walking the whole sequence alone touches a new page per step
/// and array (rows are D·4 bytes apart). u, Δ, z and y move as contiguous
/// 16-wide vectors, B[t] and C[t] as broadcast scalars. Applies when D is a
/// multiple of 16 and N is static and at most 64; the tiled lowering covers
/// the rest.
///
/// With `segments` > 1 the sequence is also cut into that many time
/// segments, run as a two-pass parallel prefix: pass 1 scans every segment
/// from a zero state (its local end state, and ΣΔ, whose exp(A·ΣΔ) is the
/// segment's total decay); each segment's true start state then follows
/// from the earlier segments' (decay, local state) pairs, and pass 2
/// rescans every segment from it, writing y. Twice the exps of the
/// sequential carry, but segments run in parallel: for when batch × tiles
/// is smaller than the thread count (docs/performance.md has the numbers).
struct VectorSelectiveScanLowering : OpConversionPattern<seq::SelectiveScanOp> {
  static constexpr int64_t kLanes = 16;
  static constexpr int64_t kTimeChunk = 64;

  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(seq::SelectiveScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    seq::LoweringAttr lowering = seq::getLowering(op);
    if (!lowering || lowering.getKernel() != seq::LoweringKernel::cpu_scan ||
        !seqc::cpu::whyNotVectorSelectiveScan(op).empty())
      return failure();
    auto uType = cast<RankedTensorType>(op.getU().getType());
    auto aType = cast<RankedTensorType>(op.getA().getType());
    int64_t channels = uType.getDimSize(2), n = aType.getDimSize(1);
    Location loc = op.getLoc();
    Type t = uType.getElementType();
    // Blocks per tile: up to 8, keeping at least 4 tiles for the threads.
    int64_t blocks = channels / kLanes, perTile = 1;
    for (int64_t candidate : {8, 4, 2})
      if (blocks % candidate == 0 && blocks / candidate >= 4) {
        perTile = candidate;
        break;
      }
    Geometry g{perTile, perTile * kLanes, blocks / perTile, n,
               lowering.getSegments()};
    SmallVector<OpFoldResult> uSizes = getSizes(rewriter, loc, adaptor.getU());
    OpFoldResult batch = uSizes[0], length = uSizes[1];
    Value yInit = emptyTensor(rewriter, loc, uSizes, t);
    Value sInit = emptyTensor(
        rewriter, loc,
        {batch, rewriter.getIndexAttr(channels), rewriter.getIndexAttr(n)}, t);
    auto [output, finalState] =
        g.segments > 1 ? emitSegmented(rewriter, loc, op, adaptor, g, batch,
                                       length, yInit, sInit)
                       : emitSequential(rewriter, loc, op, adaptor, g, batch,
                                        length, yInit, sInit);
    rewriter.replaceOp(
        op, {tensor::CastOp::create(rewriter, loc, op.getOutput().getType(),
                                    output),
             tensor::CastOp::create(rewriter, loc, op.getFinalState().getType(),
                                    finalState)});
    return success();
  }

private:
  struct Geometry {
    int64_t perTile;  // 16-channel blocks per tile
    int64_t width;    // channels per tile
    int64_t tiles;    // tiles per batch row
    int64_t n;        // state size
    int64_t segments; // time segments (1: one sequential pass)
  };

  /// What a run over a time range leaves: y rows (Δ scratch without
  /// output), the state [N, width] and, without output, ΣΔ [width].
  struct RangeResult {
    Value y, hT, deltaSum;
  };

  static OpFoldResult attr(OpBuilder &b, int64_t x) {
    return b.getIndexAttr(x);
  }

  /// Insert `value` at `offsets` with `sizes` into the forall's `dest`.
  static void insertInParallel(OpBuilder &b, Location l, Value value,
                               Value dest, ArrayRef<OpFoldResult> offsets,
                               ArrayRef<OpFoldResult> sizes) {
    SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
    tensor::ParallelInsertSliceOp::create(b, l, value, dest, offsets, sizes,
                                          strides);
  }

  /// The initial state of channels c0 .. c0+width-1 as [N, width] (row k:
  /// state k of every channel, so each block reads contiguous vectors).
  Value initialStateT(OpBuilder &b, Location l, OpAdaptor adaptor, Value ib,
                      Value c0, const Geometry &g) const {
    Type t = b.getF32Type();
    Value h0 = adaptor.getInitialState();
    if (!h0)
      return filledTensor(b, l, {attr(b, g.n), attr(b, g.width)}, t, 0.0);
    Value slice = tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({g.width, g.n}, t), h0,
        ArrayRef<OpFoldResult>{ib, c0, attr(b, 0)},
        ArrayRef<OpFoldResult>{attr(b, 1), attr(b, g.width), attr(b, g.n)},
        ArrayRef<OpFoldResult>{attr(b, 1), attr(b, 1), attr(b, 1)});
    return linalg::TransposeOp::create(
               b, l, slice,
               emptyTensor(b, l, {attr(b, g.n), attr(b, g.width)}, t),
               ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  }

  static Value transposed(OpBuilder &b, Location l, Value hT,
                          const Geometry &g) {
    return linalg::TransposeOp::create(
               b, l, hT,
               emptyTensor(b, l, {attr(b, g.width), attr(b, g.n)},
                           b.getF32Type()),
               ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  }

  /// One pass over the whole sequence per tile, the state carried along.
  std::pair<Value, Value>
  emitSequential(OpBuilder &b, Location loc, seq::SelectiveScanOp op,
                 OpAdaptor adaptor, const Geometry &g, OpFoldResult batch,
                 OpFoldResult length, Value yInit, Value sInit) const {
    auto forall = scf::ForallOp::create(
        b, loc, SmallVector<OpFoldResult>{batch, attr(b, g.tiles)},
        ValueRange{yInit, sInit}, std::nullopt,
        [&](OpBuilder &fb, Location l, ValueRange args) {
          Value ib = args[0];
          Value c0 = arith::MulIOp::create(fb, l, args[1],
                                           indexConstant(fb, l, g.width));
          Value lengthV = getValueOrCreateConstantIndexOp(fb, l, length);
          RangeResult r = emitRange(fb, l, op, adaptor, ib, c0, g,
                                    indexConstant(fb, l, 0), lengthV, length,
                                    initialStateT(fb, l, adaptor, ib, c0, g),
                                    /*withOutput=*/true);
          Value h = transposed(fb, l, r.hT, g);
          auto inParallel = scf::InParallelOp::create(fb, l);
          OpBuilder::InsertionGuard guard(fb);
          fb.setInsertionPointToStart(inParallel.getBody());
          insertInParallel(fb, l, r.y, args[2], {ib, attr(fb, 0), c0},
                           {attr(fb, 1), length, attr(fb, g.width)});
          insertInParallel(fb, l, h, args[3], {ib, c0, attr(fb, 0)},
                           {attr(fb, 1), attr(fb, g.width), attr(fb, g.n)});
        });
    return {forall.getResult(0), forall.getResult(1)};
  }

  /// Steps [begin, end) of segment `s` of `segments` equal parts.
  std::pair<Value, Value> segmentBounds(OpBuilder &b, Location l, Value s,
                                        Value lengthV,
                                        const Geometry &g) const {
    Value per = arith::CeilDivUIOp::create(b, l, lengthV,
                                           indexConstant(b, l, g.segments));
    Value begin = arith::MinUIOp::create(
        b, l, arith::MulIOp::create(b, l, s, per), lengthV);
    Value end = arith::MinUIOp::create(
        b, l, arith::AddIOp::create(b, l, begin, per), lengthV);
    return {begin, end};
  }

  /// The state entering segment `sEnd` of a tile: from `hT`, each earlier
  /// segment s applies its decay exp(A·ΣΔ_s) and adds its local state.
  Value carryInto(OpBuilder &b, Location l, OpAdaptor adaptor, Value ib,
                  Value it, Value c0, Value sEnd, Value hT, Value local,
                  Value deltaSum, const Geometry &g) const {
    MLIRContext *ctx = b.getContext();
    Value aT = sliceRank(b, l, adaptor.getA(), {c0, attr(b, 0)},
                         {attr(b, g.width), attr(b, g.n)}, 2);
    AffineMap nw = dimsMap(ctx, 2, {0, 1}), wn = dimsMap(ctx, 2, {1, 0}),
              w = dimsMap(ctx, 2, {1});
    auto loop = scf::ForOp::create(
        b, l, indexConstant(b, l, 0), sEnd, indexConstant(b, l, 1),
        ValueRange{hT},
        [&](OpBuilder &nb, Location nl, Value s, ValueRange iter) {
          Value localS =
              sliceRank(nb, nl, local, {ib, s, it, attr(nb, 0), attr(nb, 0)},
                        {attr(nb, 1), attr(nb, 1), attr(nb, 1), attr(nb, g.n),
                         attr(nb, g.width)},
                        2);
          Value sumS =
              sliceRank(nb, nl, deltaSum, {ib, s, c0},
                        {attr(nb, 1), attr(nb, 1), attr(nb, g.width)}, 1);
          Value next =
              linalg::GenericOp::create(
                  nb, nl, iter[0].getType(), ValueRange{aT, sumS, localS},
                  iter[0], ArrayRef<AffineMap>{wn, w, nw, nw}, iterators(2),
                  [](OpBuilder &bb, Location bl, ValueRange a) {
                    Value decay = math::ExpOp::create(
                        bb, bl, arith::MulFOp::create(bb, bl, a[0], a[1]));
                    yieldValue(bb, bl,
                               math::FmaOp::create(bb, bl, decay, a[3], a[2]));
                  })
                  .getResult(0);
          scf::YieldOp::create(nb, nl, next);
        });
    return loop.getResult(0);
  }

  std::pair<Value, Value> emitSegmented(OpBuilder &b, Location loc,
                                        seq::SelectiveScanOp op,
                                        OpAdaptor adaptor, const Geometry &g,
                                        OpFoldResult batch, OpFoldResult length,
                                        Value yInit, Value sInit) const {
    Type t = b.getF32Type();
    OpFoldResult segs = attr(b, g.segments), tiles = attr(b, g.tiles);
    OpFoldResult channels = attr(b, g.tiles * g.width);
    // Pass 1: local end states [B, S, tiles, N, width] and ΣΔ [B, S, D].
    Value localInit = emptyTensor(
        b, loc, {batch, segs, tiles, attr(b, g.n), attr(b, g.width)}, t);
    Value sumInit = emptyTensor(b, loc, {batch, segs, channels}, t);
    auto pass1 = scf::ForallOp::create(
        b, loc, SmallVector<OpFoldResult>{batch, tiles, segs},
        ValueRange{localInit, sumInit}, std::nullopt,
        [&](OpBuilder &fb, Location l, ValueRange args) {
          Value ib = args[0], it = args[1], s = args[2];
          Value c0 =
              arith::MulIOp::create(fb, l, it, indexConstant(fb, l, g.width));
          auto [begin, end] = segmentBounds(
              fb, l, s, getValueOrCreateConstantIndexOp(fb, l, length), g);
          RangeResult r = emitRange(
              fb, l, op, adaptor, ib, c0, g, begin, end,
              OpFoldResult(
                  arith::SubIOp::create(fb, l, end, begin).getResult()),
              filledTensor(fb, l, {attr(fb, g.n), attr(fb, g.width)}, t, 0.0),
              /*withOutput=*/false);
          auto inParallel = scf::InParallelOp::create(fb, l);
          OpBuilder::InsertionGuard guard(fb);
          fb.setInsertionPointToStart(inParallel.getBody());
          OpFoldResult one = attr(fb, 1), zero = attr(fb, 0);
          insertInParallel(fb, l, r.hT, args[3], {ib, s, it, zero, zero},
                           {one, one, one, attr(fb, g.n), attr(fb, g.width)});
          insertInParallel(fb, l, r.deltaSum, args[4], {ib, s, c0},
                           {one, one, attr(fb, g.width)});
        });
    Value local = pass1.getResult(0), deltaSum = pass1.getResult(1);
    // Pass 2: every segment again from its true start state, writing y.
    auto pass2 = scf::ForallOp::create(
        b, loc, SmallVector<OpFoldResult>{batch, tiles, segs},
        ValueRange{yInit}, std::nullopt,
        [&](OpBuilder &fb, Location l, ValueRange args) {
          Value ib = args[0], it = args[1], s = args[2];
          Value c0 =
              arith::MulIOp::create(fb, l, it, indexConstant(fb, l, g.width));
          auto [begin, end] = segmentBounds(
              fb, l, s, getValueOrCreateConstantIndexOp(fb, l, length), g);
          Value start = carryInto(fb, l, adaptor, ib, it, c0, s,
                                  initialStateT(fb, l, adaptor, ib, c0, g),
                                  local, deltaSum, g);
          Value rows = arith::SubIOp::create(fb, l, end, begin);
          RangeResult r = emitRange(fb, l, op, adaptor, ib, c0, g, begin, end,
                                    rows, start, /*withOutput=*/true);
          auto inParallel = scf::InParallelOp::create(fb, l);
          OpBuilder::InsertionGuard guard(fb);
          fb.setInsertionPointToStart(inParallel.getBody());
          insertInParallel(fb, l, r.y, args[3], {ib, begin, c0},
                           {attr(fb, 1), rows, attr(fb, g.width)});
        });
    // The final state: past every segment.
    auto final = scf::ForallOp::create(
        b, loc, SmallVector<OpFoldResult>{batch, tiles}, ValueRange{sInit},
        std::nullopt, [&](OpBuilder &fb, Location l, ValueRange args) {
          Value ib = args[0], it = args[1];
          Value c0 =
              arith::MulIOp::create(fb, l, it, indexConstant(fb, l, g.width));
          Value hT = carryInto(
              fb, l, adaptor, ib, it, c0, indexConstant(fb, l, g.segments),
              initialStateT(fb, l, adaptor, ib, c0, g), local, deltaSum, g);
          Value h = transposed(fb, l, hT, g);
          auto inParallel = scf::InParallelOp::create(fb, l);
          OpBuilder::InsertionGuard guard(fb);
          fb.setInsertionPointToStart(inParallel.getBody());
          insertInParallel(fb, l, h, args[2], {ib, c0, attr(fb, 0)},
                           {attr(fb, 1), attr(fb, g.width), attr(fb, g.n)});
        });
    return {pass2.getResult(0), final.getResult(0)};
  }

  /// Steps begin .. end-1 of channels c0 .. c0+width-1 of batch ib from the
  /// state hT [N, width], in time chunks. With output: y rows
  /// [end - begin, width]; without: no y, and ΣΔ per channel instead.
  RangeResult emitRange(OpBuilder &b, Location l, seq::SelectiveScanOp op,
                        OpAdaptor adaptor, Value ib, Value c0,
                        const Geometry &g, Value begin, Value end,
                        OpFoldResult rows, Value hT, bool withOutput) const {
    Type t = b.getF32Type();
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    // y, or the Δ scratch when there is no output.
    Value yTile = emptyTensor(b, l, {rows, attr(b, g.width)}, t);
    SmallVector<Value> inits = {hT, yTile};
    if (!withOutput)
      inits.push_back(filledTensor(b, l, {attr(b, g.width)}, t, 0.0));
    auto chunks = scf::ForOp::create(
        b, l, begin, end, c(kTimeChunk), inits,
        [&](OpBuilder &cb, Location cl, Value t0, ValueRange chunkIter) {
          Value tEnd = arith::MinSIOp::create(
              cb, cl, end, arith::AddIOp::create(cb, cl, t0, c(kTimeChunk)));
          auto perBlock = scf::ForOp::create(
              cb, cl, c(0), c(g.width), c(kLanes), chunkIter,
              [&](OpBuilder &bb, Location bl, Value localCol, ValueRange it) {
                SmallVector<Value> next = emitBlockChunk(
                    bb, bl, op, adaptor, ib,
                    arith::AddIOp::create(bb, bl, c0, localCol), localCol, t0,
                    tEnd, begin, it, g.n, withOutput);
                scf::YieldOp::create(bb, bl, next);
              });
          scf::YieldOp::create(cb, cl, perBlock.getResults());
        });
    RangeResult r;
    r.hT = chunks.getResult(0);
    r.y = chunks.getResult(1);
    if (!withOutput)
      r.deltaSum = chunks.getResult(2);
    return r;
  }

  /// Steps t0 .. tEnd-1 of the 16 channels c0 .. c0+15 (columns local ..
  /// local+15 of the tile): the state comes from and returns to iter[0]
  /// ([N, width]); row t - rowBase of iter[1] takes Δ and then y; iter[2]
  /// (without output) accumulates ΣΔ.
  SmallVector<Value> emitBlockChunk(OpBuilder &b, Location l,
                                    seq::SelectiveScanOp op, OpAdaptor adaptor,
                                    Value ib, Value c0, Value local, Value t0,
                                    Value tEnd, Value rowBase, ValueRange iter,
                                    int64_t n, bool withOutput) const {
    MLIRContext *ctx = b.getContext();
    Type t = b.getF32Type();
    auto vt = VectorType::get({kLanes}, t);
    Value pad = floatConstant(b, l, t, 0.0);
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    // A 16-lane read along dim `dim` of a rank-`rank` tensor.
    auto read = [&](OpBuilder &bb, Location bl, Value src,
                    ArrayRef<Value> indices, unsigned dim) -> Value {
      unsigned rank = indices.size();
      auto perm = AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx));
      return vector::TransferReadOp::create(bb, bl, vt, src, indices, pad, perm,
                                            ArrayRef<bool>{true});
    };
    auto splat = [&](OpBuilder &bb, Location bl, Value scalar) -> Value {
      return vector::BroadcastOp::create(bb, bl, vt, scalar);
    };
    Value hT = iter[0], yTile = iter[1];
    bool softplusOn = op.getDeltaSoftplus();
    Value dV = adaptor.getD() ? read(b, l, adaptor.getD(), {c0}, 0) : Value();
    Value biasV = adaptor.getDeltaBias()
                      ? read(b, l, adaptor.getDeltaBias(), {c0}, 0)
                      : Value();
    // A's columns ([D, N] read along the channel dim) and the state rows.
    SmallVector<Value> aCols, inits;
    for (int64_t k = 0; k < n; ++k) {
      aCols.push_back(read(b, l, adaptor.getA(), {c0, c(k)}, 0));
      inits.push_back(read(b, l, hT, {c(k), local}, 1));
    }
    // Δ = softplus(dt + bias) for the chunk's steps first, parked in the
    // rows of y they belong to: independent across steps, so this loop runs
    // at full throughput, and the recurrence below no longer starts each
    // step with softplus's long dependency chain (a step is ~400
    // instructions, more than the out-of-order window).
    SmallVector<Value> deltaInits = {yTile};
    if (!withOutput)
      deltaInits.push_back(readLanes(b, l, iter[2], {local}));
    auto deltas = scf::ForOp::create(
        b, l, t0, tEnd, c(1), deltaInits,
        [&](OpBuilder &nb, Location nl, Value step, ValueRange it) {
          Value delta = read(nb, nl, adaptor.getDelta(), {ib, step, c0}, 2);
          if (biasV)
            delta = arith::AddFOp::create(nb, nl, delta, biasV);
          if (softplusOn)
            delta = softplus(nb, nl, delta);
          Value row = arith::SubIOp::create(nb, nl, step, rowBase);
          SmallVector<Value> next = {
              writeLanes(nb, nl, delta, it[0], {row, local})};
          if (!withOutput)
            next.push_back(arith::AddFOp::create(nb, nl, it[1], delta));
          scf::YieldOp::create(nb, nl, next);
        });
    inits.push_back(deltas.getResult(0));

    auto loop = scf::ForOp::create(
        b, l, t0, tEnd, c(1), inits,
        [&](OpBuilder &nb, Location nl, Value step, ValueRange it) {
          Value row = arith::SubIOp::create(nb, nl, step, rowBase);
          Value u = read(nb, nl, adaptor.getU(), {ib, step, c0}, 2);
          Value delta = readLanes(nb, nl, it[n], {row, local});
          Value du = arith::MulFOp::create(nb, nl, delta, u);
          Value y = splat(nb, nl, pad);
          SmallVector<Value> next;
          for (int64_t k = 0; k < n; ++k) {
            Value bk = tensor::ExtractOp::create(nb, nl, adaptor.getB(),
                                                 ValueRange{ib, step, c(k)});
            Value decay = math::ExpOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, delta, aCols[k]));
            Value h = math::FmaOp::create(
                nb, nl, decay, it[k],
                arith::MulFOp::create(nb, nl, du, splat(nb, nl, bk)));
            if (withOutput) {
              Value ck = tensor::ExtractOp::create(nb, nl, adaptor.getC(),
                                                   ValueRange{ib, step, c(k)});
              y = math::FmaOp::create(nb, nl, h, splat(nb, nl, ck), y);
            }
            next.push_back(h);
          }
          if (!withOutput) {
            next.push_back(it[n]);
            scf::YieldOp::create(nb, nl, next);
            return;
          }
          if (dV)
            y = math::FmaOp::create(nb, nl, dV, u, y);
          if (Value zt = adaptor.getZ()) {
            Value z = read(nb, nl, zt, {ib, step, c0}, 2);
            y = arith::MulFOp::create(nb, nl, y, silu(nb, nl, z));
          }
          next.push_back(writeLanes(nb, nl, y, it[n], {row, local}));
          scf::YieldOp::create(nb, nl, next);
        });
    Value hNext = hT;
    for (int64_t k = 0; k < n; ++k)
      hNext = writeLanes(b, l, loop.getResult(k), hNext, {c(k), local});
    SmallVector<Value> results = {hNext, loop.getResult(n)};
    if (!withOutput)
      results.push_back(
          writeLanes(b, l, deltas.getResult(1), iter[2], {local}));
    return results;
  }
};

} // namespace

void seqc::cpu::populateVectorSelectiveScanPatterns(
    RewritePatternSet &patterns) {
  patterns.add<VectorSelectiveScanLowering>(patterns.getContext());
}

StringRef seqc::cpu::whyNotVectorSelectiveScan(seq::SelectiveScanOp op) {
  auto uType = cast<RankedTensorType>(op.getU().getType());
  auto aType = cast<RankedTensorType>(op.getA().getType());
  int64_t channels = uType.getDimSize(2), n = aType.getDimSize(1);
  if (ShapedType::isDynamic(channels) || channels % 16 != 0)
    return "channels not a static multiple of 16";
  if (ShapedType::isDynamic(n) || n > 64)
    return "state size dynamic or over 64";
  for (Value v : op->getOperands())
    if (!cast<RankedTensorType>(v.getType()).getElementType().isF32())
      return "operands not f32";
  return "";
}
