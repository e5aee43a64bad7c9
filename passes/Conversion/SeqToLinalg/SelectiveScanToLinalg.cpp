//===- SelectiveScanToLinalg.cpp - channel-tiled Mamba selective scan -----===//
//
// The scan is independent per (batch, channel): an scf.forall over (batch,
// channel tile) runs the time loop for its channels only, with the tile's
// state [channels, N] carried through the loop and updated in place — no
// [L, D, N] tensor and no per-step slicing of whole [B, L, D] tensors. Each
// step fuses the discretisation (exp(Δ·A), Δ·B·u) into the state update and
// then reduces over the state for y (+ D·u, · silu(z)).
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"
#include "passes/Conversion/SeqToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

struct TiledSelectiveScanLowering : OpConversionPattern<seq::SelectiveScanOp> {
  TiledSelectiveScanLowering(MLIRContext *ctx, int64_t channelTile)
      : OpConversionPattern(ctx, /*benefit=*/2), channelTile(channelTile) {}

  LogicalResult
  matchAndRewrite(seq::SelectiveScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value u = adaptor.getU();
    auto uType = cast<RankedTensorType>(u.getType());
    Type t = uType.getElementType();
    SmallVector<OpFoldResult> uSizes = getSizes(rewriter, loc, u);
    OpFoldResult batch = uSizes[0], length = uSizes[1], channels = uSizes[2];
    OpFoldResult state = getSizes(rewriter, loc, adaptor.getA())[1];
    Value channelsV = getValueOrCreateConstantIndexOp(rewriter, loc, channels);
    Value td = indexConstant(rewriter, loc, channelTile);
    Value tiles = arith::CeilDivUIOp::create(rewriter, loc, channelsV, td);
    Value yInit = emptyTensor(rewriter, loc, uSizes, t);
    Value sInit = emptyTensor(rewriter, loc, {batch, channels, state}, t);

    auto forall = scf::ForallOp::create(
        rewriter, loc, SmallVector<OpFoldResult>{batch, tiles},
        ValueRange{yInit, sInit}, std::nullopt,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value ib = args[0], it = args[1];
          Value d0 = arith::MulIOp::create(b, l, it, td);
          Value dn = arith::MinSIOp::create(
              b, l, td, arith::SubIOp::create(b, l, channelsV, d0));
          auto [y, h] = emitTile(b, l, op, adaptor, ib, d0, dn, length, state);
          auto inParallel = scf::InParallelOp::create(b, l);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(inParallel.getBody());
          OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
          tensor::ParallelInsertSliceOp::create(
              b, l, y, args[2], ArrayRef<OpFoldResult>{ib, zero, d0},
              ArrayRef<OpFoldResult>{one, length, dn},
              ArrayRef<OpFoldResult>{one, one, one});
          tensor::ParallelInsertSliceOp::create(
              b, l, h, args[3], ArrayRef<OpFoldResult>{ib, d0, zero},
              ArrayRef<OpFoldResult>{one, dn, state},
              ArrayRef<OpFoldResult>{one, one, one});
        });
    Value output = tensor::CastOp::create(rewriter, loc, op.getOutput().getType(),
                                          forall.getResult(0));
    Value finalState = tensor::CastOp::create(
        rewriter, loc, op.getFinalState().getType(), forall.getResult(1));
    rewriter.replaceOp(op, {output, finalState});
    return success();
  }

private:
  /// Output [L, dn] and final state [dn, N] of channels d0 .. d0+dn of batch
  /// ib.
  std::pair<Value, Value> emitTile(OpBuilder &b, Location l,
                                   seq::SelectiveScanOp op, OpAdaptor adaptor,
                                   Value ib, Value d0, Value dn,
                                   OpFoldResult length,
                                   OpFoldResult state) const {
    MLIRContext *ctx = b.getContext();
    Type t = cast<RankedTensorType>(adaptor.getU().getType()).getElementType();
    OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    // [B, L, D] -> the tile's [L, dn].
    auto channelsOf = [&](Value x) -> Value {
      if (!x)
        return Value();
      return sliceRank(b, l, x, {ib, zero, d0}, {one, length, dn}, 2);
    };
    auto perChannel = [&](Value x) -> Value {
      if (!x)
        return Value();
      return sliceRank(b, l, x, {d0}, {dn}, 1);
    };
    auto rowsOf = [&](Value x) -> Value { // [B, L, N] -> [L, N]
      return sliceRank(b, l, x, {ib, zero, zero}, {one, length, state}, 2);
    };
    Value uT = channelsOf(adaptor.getU()), dtT = channelsOf(adaptor.getDelta());
    Value zT = channelsOf(adaptor.getZ());
    Value bM = rowsOf(adaptor.getB()), cM = rowsOf(adaptor.getC());
    Value aT = sliceRank(b, l, adaptor.getA(), {d0, zero}, {dn, state}, 2);
    Value dT = perChannel(adaptor.getD());
    Value biasT = perChannel(adaptor.getDeltaBias());
    Value h0;
    if (Value s0 = adaptor.getInitialState()) {
      Value part = sliceRank(b, l, s0, {ib, d0, zero}, {one, dn, state}, 2);
      // A private copy: the loop updates it in place.
      h0 = linalg::CopyOp::create(b, l, part, emptyTensor(b, l, {dn, state}, t))
               .getResult(0);
    } else {
      h0 = filledTensor(b, l, {dn, state}, t, 0.0);
    }
    Value y0 = emptyTensor(b, l, {length, dn}, t);
    bool softplusOn = op.getDeltaSoftplus();
    AffineMap dnMap = dimsMap(ctx, 2, {0, 1}), dMap = dimsMap(ctx, 2, {0}),
              nMap = dimsMap(ctx, 2, {1});
    Value lengthV = getValueOrCreateConstantIndexOp(b, l, length);

    auto loop = scf::ForOp::create(
        b, l, indexConstant(b, l, 0), lengthV, indexConstant(b, l, 1),
        ValueRange{h0, y0},
        [&](OpBuilder &nb, Location nl, Value step, ValueRange iter) {
          auto rowOf = [&](Value x, OpFoldResult width) -> Value {
            if (!x)
              return Value();
            return sliceRank(nb, nl, x, {step, zero}, {one, width}, 1);
          };
          Value ut = rowOf(uT, dn), dtt = rowOf(dtT, dn), zt = rowOf(zT, dn);
          Value bt = rowOf(bM, state), ct = rowOf(cM, state);
          // h = exp(Δ·A)·h + Δ·B·u, in place; Δ = softplus?(dt + bias).
          SmallVector<Value> inputs = {ut, dtt, aT, bt};
          SmallVector<AffineMap> maps = {dMap, dMap, dnMap, nMap};
          if (biasT) {
            inputs.push_back(biasT);
            maps.push_back(dMap);
          }
          maps.push_back(dnMap);
          Value h =
              linalg::GenericOp::create(
                  nb, nl, iter[0].getType(), inputs, iter[0], maps,
                  iterators(2),
                  [&](OpBuilder &bb, Location bl, ValueRange a) {
                    Value delta = biasT ? arith::AddFOp::create(bb, bl, a[1], a[4])
                                              .getResult()
                                        : a[1];
                    if (softplusOn)
                      delta = softplus(bb, bl, delta);
                    Value decay = math::ExpOp::create(
                        bb, bl, arith::MulFOp::create(bb, bl, delta, a[2]));
                    Value in = arith::MulFOp::create(
                        bb, bl, arith::MulFOp::create(bb, bl, delta, a[3]),
                        a[0]);
                    yieldValue(bb, bl,
                               arith::AddFOp::create(
                                   bb, bl,
                                   arith::MulFOp::create(bb, bl, decay, a.back()),
                                   in));
                  })
                  .getResult(0);
          // y = Σ_n h·C (+ D·u) (· silu(z)), written into row `step`.
          Value yZero = filledTensor(nb, nl, {dn}, t, 0.0);
          Value yt =
              linalg::GenericOp::create(
                  nb, nl, yZero.getType(), ValueRange{h, ct}, yZero,
                  {dnMap, nMap, dMap}, iterators(1, 1),
                  [](OpBuilder &bb, Location bl, ValueRange a) {
                    Value p = arith::MulFOp::create(bb, bl, a[0], a[1],
                                                    contractionFlags());
                    yieldValue(bb, bl, arith::AddFOp::create(
                                           bb, bl, a[2], p, contractionFlags()));
                  })
                  .getResult(0);
          if (dT || zt) {
            SmallVector<Value> post = {ut};
            if (dT)
              post.push_back(dT);
            if (zt)
              post.push_back(zt);
            AffineMap one1 = dimsMap(ctx, 1, {0});
            SmallVector<AffineMap> postMaps(post.size() + 1, one1);
            yt = linalg::GenericOp::create(
                     nb, nl, yt.getType(), post, yt, postMaps, iterators(1),
                     [&](OpBuilder &bb, Location bl, ValueRange a) {
                       Value r = a.back();
                       unsigned next = 1;
                       if (dT)
                         r = arith::AddFOp::create(
                             bb, bl, r,
                             arith::MulFOp::create(bb, bl, a[next++], a[0]));
                       if (zt)
                         r = arith::MulFOp::create(bb, bl, r,
                                                   silu(bb, bl, a[next]));
                       yieldValue(bb, bl, r);
                     })
                     .getResult(0);
          }
          Value y = tensor::InsertSliceOp::create(
              nb, nl, yt, iter[1], ArrayRef<OpFoldResult>{step, zero},
              ArrayRef<OpFoldResult>{one, dn}, ArrayRef<OpFoldResult>{one, one});
          scf::YieldOp::create(nb, nl, ValueRange{h, y});
        });
    return {loop.getResult(1), loop.getResult(0)};
  }

  int64_t channelTile;
};

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
struct VectorSelectiveScanLowering : OpConversionPattern<seq::SelectiveScanOp> {
  static constexpr int64_t kLanes = 16;
  static constexpr int64_t kTimeChunk = 64;

  VectorSelectiveScanLowering(MLIRContext *ctx)
      : OpConversionPattern(ctx, /*benefit=*/3) {}

  LogicalResult
  matchAndRewrite(seq::SelectiveScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto uType = cast<RankedTensorType>(op.getU().getType());
    auto aType = cast<RankedTensorType>(op.getA().getType());
    int64_t channels = uType.getDimSize(2), n = aType.getDimSize(1);
    if (ShapedType::isDynamic(channels) || channels % kLanes != 0 ||
        ShapedType::isDynamic(n) || n > 64 || !uType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "needs D % 16 == 0, N <= 64, f32");
    Location loc = op.getLoc();
    Type t = uType.getElementType();
    // Blocks per tile: up to 8, keeping at least 4 tiles for the threads.
    int64_t blocks = channels / kLanes, perTile = 1;
    for (int64_t candidate : {8, 4, 2})
      if (blocks % candidate == 0 && blocks / candidate >= 4) {
        perTile = candidate;
        break;
      }
    int64_t width = perTile * kLanes;
    SmallVector<OpFoldResult> uSizes = getSizes(rewriter, loc, adaptor.getU());
    OpFoldResult batch = uSizes[0], length = uSizes[1];
    Value yInit = emptyTensor(rewriter, loc, uSizes, t);
    Value sInit = emptyTensor(
        rewriter, loc, {batch, rewriter.getIndexAttr(channels),
                        rewriter.getIndexAttr(n)},
        t);
    auto forall = scf::ForallOp::create(
        rewriter, loc,
        SmallVector<OpFoldResult>{batch,
                                  rewriter.getIndexAttr(blocks / perTile)},
        ValueRange{yInit, sInit}, std::nullopt,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value ib = args[0];
          Value c0 =
              arith::MulIOp::create(b, l, args[1], indexConstant(b, l, width));
          auto [y, h] = emitTile(b, l, op, adaptor, ib, c0, perTile, length, n);
          auto inParallel = scf::InParallelOp::create(b, l);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(inParallel.getBody());
          OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
          tensor::ParallelInsertSliceOp::create(
              b, l, y, args[2], ArrayRef<OpFoldResult>{ib, zero, c0},
              ArrayRef<OpFoldResult>{one, length, b.getIndexAttr(width)},
              ArrayRef<OpFoldResult>{one, one, one});
          tensor::ParallelInsertSliceOp::create(
              b, l, h, args[3], ArrayRef<OpFoldResult>{ib, c0, zero},
              ArrayRef<OpFoldResult>{one, b.getIndexAttr(width),
                                     b.getIndexAttr(n)},
              ArrayRef<OpFoldResult>{one, one, one});
        });
    Value output = tensor::CastOp::create(rewriter, loc, op.getOutput().getType(),
                                          forall.getResult(0));
    Value finalState = tensor::CastOp::create(
        rewriter, loc, op.getFinalState().getType(), forall.getResult(1));
    rewriter.replaceOp(op, {output, finalState});
    return success();
  }

private:
  /// y [L, width] and final state [width, N] of channels c0 .. c0+width-1
  /// of batch ib. Between chunks the state lives in hT [N, width] (row k:
  /// state k of every channel, so each block reads contiguous vectors).
  std::pair<Value, Value> emitTile(OpBuilder &b, Location l,
                                   seq::SelectiveScanOp op, OpAdaptor adaptor,
                                   Value ib, Value c0, int64_t perTile,
                                   OpFoldResult length, int64_t n) const {
    MLIRContext *ctx = b.getContext();
    Type t = b.getF32Type();
    int64_t width = perTile * kLanes;
    auto c = [&](int64_t x) { return indexConstant(b, l, x); };
    auto a = [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); };
    Value hT;
    if (Value h0 = adaptor.getInitialState()) {
      Value slice = tensor::ExtractSliceOp::create(
          b, l, RankedTensorType::get({width, n}, t), h0,
          ArrayRef<OpFoldResult>{ib, c0, a(0)},
          ArrayRef<OpFoldResult>{a(1), a(width), a(n)},
          ArrayRef<OpFoldResult>{a(1), a(1), a(1)});
      hT = linalg::TransposeOp::create(b, l, slice,
                                       emptyTensor(b, l, {a(n), a(width)}, t),
                                       ArrayRef<int64_t>{1, 0})
               .getResult()[0];
    } else {
      hT = filledTensor(b, l, {a(n), a(width)}, t, 0.0);
    }
    Value yTile = emptyTensor(b, l, {length, a(width)}, t);
    Value lengthV = getValueOrCreateConstantIndexOp(b, l, length);
    auto chunks = scf::ForOp::create(
        b, l, c(0), lengthV, c(kTimeChunk), ValueRange{hT, yTile},
        [&](OpBuilder &cb, Location cl, Value t0, ValueRange chunkIter) {
          Value tEnd = arith::MinSIOp::create(
              cb, cl, lengthV, arith::AddIOp::create(cb, cl, t0, c(kTimeChunk)));
          auto perBlock = scf::ForOp::create(
              cb, cl, c(0), c(width), c(kLanes), chunkIter,
              [&](OpBuilder &bb, Location bl, Value local, ValueRange it) {
                auto [h, y] = emitBlockChunk(
                    bb, bl, op, adaptor, ib,
                    arith::AddIOp::create(bb, bl, c0, local), local, t0, tEnd,
                    it[0], it[1], n);
                scf::YieldOp::create(bb, bl, ValueRange{h, y});
              });
          scf::YieldOp::create(cb, cl, perBlock.getResults());
        });
    Value hOut = linalg::TransposeOp::create(
                     b, l, chunks.getResult(0),
                     emptyTensor(b, l, {a(width), a(n)}, t),
                     ArrayRef<int64_t>{1, 0})
                     .getResult()[0];
    (void)ctx;
    return {chunks.getResult(1), hOut};
  }

  /// Steps t0 .. tEnd-1 of the 16 channels c0 .. c0+15 (columns local ..
  /// local+15 of the tile): the state comes from and returns to hT, y goes
  /// to yTile.
  std::pair<Value, Value> emitBlockChunk(OpBuilder &b, Location l,
                                         seq::SelectiveScanOp op,
                                         OpAdaptor adaptor, Value ib, Value c0,
                                         Value local, Value t0, Value tEnd,
                                         Value hT, Value yTile,
                                         int64_t n) const {
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
    auto write = [&](OpBuilder &bb, Location bl, Value vec, Value dest,
                     ArrayRef<Value> indices) -> Value {
      auto rowMap = AffineMap::get(2, 0, getAffineDimExpr(1, ctx));
      return vector::TransferWriteOp::create(bb, bl, vec, dest, indices,
                                             AffineMapAttr::get(rowMap),
                                             bb.getBoolArrayAttr({true}))
          .getResult();
    };
    auto splat = [&](OpBuilder &bb, Location bl, Value scalar) -> Value {
      return vector::BroadcastOp::create(bb, bl, vt, scalar);
    };
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
    Value biasedDelta =
        scf::ForOp::create(
            b, l, t0, tEnd, c(1), ValueRange{yTile},
            [&](OpBuilder &nb, Location nl, Value step, ValueRange iter) {
              Value delta =
                  read(nb, nl, adaptor.getDelta(), {ib, step, c0}, 2);
              if (biasV)
                delta = arith::AddFOp::create(nb, nl, delta, biasV);
              if (softplusOn)
                delta = softplus(nb, nl, delta);
              scf::YieldOp::create(
                  nb, nl, write(nb, nl, delta, iter[0], {step, local}));
            })
            .getResult(0);
    inits.push_back(biasedDelta);

    auto loop = scf::ForOp::create(
        b, l, t0, tEnd, c(1), inits,
        [&](OpBuilder &nb, Location nl, Value step, ValueRange iter) {
          Value u = read(nb, nl, adaptor.getU(), {ib, step, c0}, 2);
          Value delta = read(nb, nl, iter[n], {step, local}, 1);
          Value du = arith::MulFOp::create(nb, nl, delta, u);
          Value y = splat(nb, nl, pad);
          SmallVector<Value> next;
          for (int64_t k = 0; k < n; ++k) {
            Value bk = tensor::ExtractOp::create(nb, nl, adaptor.getB(),
                                                 ValueRange{ib, step, c(k)});
            Value ck = tensor::ExtractOp::create(nb, nl, adaptor.getC(),
                                                 ValueRange{ib, step, c(k)});
            Value decay = math::ExpOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, delta, aCols[k]));
            Value h = math::FmaOp::create(
                nb, nl, decay, iter[k],
                arith::MulFOp::create(nb, nl, du, splat(nb, nl, bk)));
            y = math::FmaOp::create(nb, nl, h, splat(nb, nl, ck), y);
            next.push_back(h);
          }
          if (dV)
            y = math::FmaOp::create(nb, nl, dV, u, y);
          if (Value zt = adaptor.getZ()) {
            Value z = read(nb, nl, zt, {ib, step, c0}, 2);
            y = arith::MulFOp::create(nb, nl, y, silu(nb, nl, z));
          }
          next.push_back(write(nb, nl, y, iter[n], {step, local}));
          scf::YieldOp::create(nb, nl, next);
        });
    Value hNext = hT;
    for (int64_t k = 0; k < n; ++k)
      hNext = write(b, l, loop.getResult(k), hNext, {c(k), local});
    return {hNext, loop.getResult(n)};
  }
};

} // namespace

void seqc::populateTiledScanLoweringPatterns(RewritePatternSet &patterns,
                                             int64_t channelTile) {
  patterns.add<TiledSelectiveScanLowering>(patterns.getContext(), channelTile);
  patterns.add<VectorSelectiveScanLowering>(patterns.getContext());
}
