//===- GpuFlashAttention.cpp - seq.attention as one GPU kernel ------------===//
//
// FlashAttention's forward pass as a gpu.launch, for --target=cuda. A block
// of 128 threads owns R query rows of one (batch, query head); each row is
// shared by T = 128 / R threads (T = D / 64, at least 1), each holding a
// D/T slice of the query and a Dv/T slice of the output accumulator in
// registers (partial dot products meet through warp shuffles). Keys come in
// tiles of KT, staged by the whole block in shared memory:
//
//   s_j = mask(q·k_j)        m' = max(m, max_j s_j)      c = exp(m - m')
//   l = l·c + Σ_j exp(s_j - m')        acc = acc·c + Σ_j exp(s_j - m')·v_j
//
// and out = acc / l (0 for a row that sees no key). The key loop covers
// only the keys the causal and sliding-window terms leave visible to the
// block's rows (tile skipping); the rest of the mask (block layouts, global
// tokens, bias, score_mod) is the shared AttentionMask, evaluated per
// score. The op's tensors are read inside the kernel (bufferization turns
// the reads into loads of their buffers); the output is a fresh buffer.
// A call with one query position (decoding) takes the split-KV kernels of
// GpuDecodeAttention.cpp instead.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuDecodeAttention.h"
#include "passes/Codegen/GPU/GpuKernelBuilder.h"
#include "passes/Codegen/GPU/GpuKernels.h"
#include "passes/Conversion/SeqToLinalg/AttentionMask.h"
#include "passes/Conversion/SeqToLinalg/AttentionShape.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

constexpr int64_t kThreads = 128;

constexpr int64_t kMaxHeadDim = 256;

/// Threads sharing one query row: one per 64 head channels.
int64_t flashHeadParts(int64_t headDim) {
  return std::max<int64_t>(1, headDim / 64);
}

struct GpuFlashAttentionLowering : OpConversionPattern<seq::AttentionOp> {
  GpuFlashAttentionLowering(MLIRContext *ctx) : OpConversionPattern(ctx) {}

  LogicalResult
  matchAndRewrite(seq::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    bool decode = seqc::loweredAs(op, seq::LoweringKernel::gpu_decode);
    if (!decode && !seqc::loweredAs(op, seq::LoweringKernel::gpu_flash))
      return failure();
    if (!(decode ? seqc::whyNotGpuDecodeAttention(op)
                 : seqc::whyNotGpuFlashAttention(op))
             .empty())
      return failure();
    FailureOr<AttentionShape> shape = getAttentionShape(op);
    auto resultType = cast<RankedTensorType>(op.getType());
    // One query position (decoding): split the keys instead of the rows.
    if (decode) {
      rewriter.replaceOp(op, buildGpuDecodeAttention(
                                 rewriter, op, *shape, adaptor.getQuery(),
                                 adaptor.getKey(), adaptor.getValue(),
                                 adaptor.getBias(), adaptor.getKvLength()));
      return success();
    }
    int64_t parts = flashHeadParts(shape->headDim);
    Kernel kernel(op, adaptor, *shape, parts, rewriter);
    rewriter.replaceOp(op, kernel.build(resultType));
    return success();
  }

  /// Builds one attention op's kernel (see the file comment).
  struct Kernel : KernelBuilder {
    Kernel(seq::AttentionOp op, OpAdaptor adaptor, AttentionShape shape,
           int64_t parts, OpBuilder &b)
        : KernelBuilder{b, op.getLoc()}, op(op), adaptor(adaptor), shape(shape),
          parts(parts) {}
    seq::AttentionOp op;
    OpAdaptor adaptor;
    AttentionShape shape;
    int64_t parts; ///< threads per query row (T)

    int64_t rows() const { return kThreads / parts; } // R
    int64_t dPart() const { return shape.headDim / parts; }
    int64_t dvPart() const { return shape.valueDim / parts; }
    int64_t keyTile() const { return shape.headDim <= 64 ? 32 : 16; } // KT

    Value build(RankedTensorType resultType) {
      Value q = adaptor.getQuery(), k = adaptor.getKey(),
            v = adaptor.getValue();
      AttentionPositions pos =
          getAttentionPositions(b, loc, q, k, adaptor.getKvLength());
      Value batch = getValueOrCreateConstantIndexOp(b, loc, pos.batch);
      Value sq = pos.queriesValue;
      SmallVector<Value> dynamicSizes;
      if (resultType.isDynamicDim(0))
        dynamicSizes.push_back(batch);
      if (resultType.isDynamicDim(1))
        dynamicSizes.push_back(sq);
      Value out = memref::AllocOp::create(
          b, loc,
          MemRefType::get(resultType.getShape(), resultType.getElementType()),
          dynamicSizes);

      Value tiles = arith::MaxUIOp::create(
          b, loc, arith::CeilDivUIOp::create(b, loc, sq, c(rows())), c(1));
      Value gridZ = arith::MaxUIOp::create(b, loc, batch, c(1));
      auto launch = gpu::LaunchOp::create(b, loc, tiles, c(shape.queryHeads),
                                          gridZ, c(kThreads), c(1), c(1));
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&launch.getBody().front());
        emitBody(launch, q, k, v, pos, batch, out);
        gpu::TerminatorOp::create(b, loc);
      }
      return bufferization::ToTensorOp::create(b, loc, resultType, out,
                                               /*restrict=*/true,
                                               /*writable=*/true);
    }

    void emitBody(gpu::LaunchOp launch, Value q, Value k, Value v,
                  const AttentionPositions &pos, Value batch, Value out) {
      Value kS = sharedBuffer(op, "attention_k", keyTile(), shape.headDim);
      Value vS = sharedBuffer(op, "attention_v", keyTile(), shape.valueDim);
      Value sS = sharedBuffer(op, "attention_scores", keyTile(), kThreads);
      Value tid = launch.getThreadIds().x;
      Value tile = launch.getBlockIds().x, head = launch.getBlockIds().y;
      Value ib = launch.getBlockIds().z;
      Value sq = pos.queriesValue, kvLength = pos.kvLength;
      Value kvHead = arith::DivUIOp::create(b, loc, head, c(shape.group));
      Value member = arith::RemUIOp::create(b, loc, head, c(shape.group));
      Value part = arith::RemUIOp::create(b, loc, tid, c(parts));
      Value row0 = mul(tile, c(rows()));
      Value row = add(row0, arith::DivUIOp::create(b, loc, tid, c(parts)));
      Value active = arith::AndIOp::create(b, loc, lt(row, sq), lt(ib, batch));

      // Keys the block's rows can see at all (causal, sliding window).
      Value firstQ = add(pos.queryBase, row0);
      Value lastRow = arith::MinUIOp::create(b, loc, add(row0, c(rows())), sq);
      Value lastQ =
          arith::SubIOp::create(b, loc, add(pos.queryBase, lastRow), c(1));
      Value start, end;
      std::tie(start, end) =
          visibleKeyRange(b, loc, op, firstQ, lastQ, kvLength);
      AttentionMask mask(b, loc, op, adaptor.getBias(), kvLength, sq,
                         shape.group);

      // This thread's slice of the query row (zeros for inactive rows).
      auto qType = VectorType::get({dPart()}, b.getF32Type());
      Value dOffset = mul(part, c(dPart()));
      auto qRead = scf::IfOp::create(
          b, loc, active,
          [&](OpBuilder &nb, Location) {
            Here here(b, nb);
            SmallVector<Value> elems;
            for (int64_t i = 0; i < dPart(); ++i)
              elems.push_back(tensor::ExtractOp::create(
                  b, loc, q, ValueRange{ib, row, head, add(dOffset, c(i))}));
            scf::YieldOp::create(
                b, loc,
                vector::FromElementsOp::create(b, loc, qType, elems)
                    .getResult());
          },
          [&](OpBuilder &nb, Location) {
            Here here(b, nb);
            scf::YieldOp::create(
                b, loc,
                arith::ConstantOp::create(b, loc,
                                          DenseElementsAttr::get(qType, 0.0f))
                    .getResult());
          });
      Value qPart = qRead.getResult(0);

      auto accType = VectorType::get({dvPart()}, b.getF32Type());
      Value acc0 = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(accType, 0.0f));
      auto keyLoop = scf::ForOp::create(
          b, loc, start, end, c(keyTile()),
          ValueRange{f(-INFINITY), f(0), acc0},
          [&](OpBuilder &nb, Location, Value j0, ValueRange iter) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
            stage(k, kS, shape.headDim, j0, end, ib, batch, kvHead, tid);
            stage(v, vS, shape.valueDim, j0, end, ib, batch, kvHead, tid);
            gpu::BarrierOp::create(b, loc);
            SmallVector<Value> next =
                step(iter, qPart, dOffset, j0, end, active, ib, kvHead, member,
                     row, mask, kS, vS, sS, tid, part);
            // The next tile overwrites what other threads may still read.
            gpu::BarrierOp::create(b, loc);
            scf::YieldOp::create(b, loc, next);
          });

      Value sum = keyLoop.getResult(1), acc = keyLoop.getResult(2);
      scf::IfOp::create(b, loc, active, [&](OpBuilder &nb, Location) {
        Here here(b, nb);
        Value none =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum, f(0));
        Value inv = arith::DivFOp::create(b, loc, f(1), sum);
        inv = arith::SelectOp::create(b, loc, none, f(0), inv);
        Value o = arith::MulFOp::create(
            b, loc, acc, vector::BroadcastOp::create(b, loc, accType, inv));
        vector::StoreOp::create(
            b, loc, o, out, ValueRange{ib, row, head, mul(part, c(dvPart()))});
        scf::YieldOp::create(b, loc);
      });
    }

    /// Copies keys [j0, j0 + KT) of `src` ([B, Skv, Hkv, dim]) for `kvHead`
    /// into `tile` ([KT, dim]), zeros past `end` (and for a block beyond
    /// the batch: an empty batch still launches one); threads step along
    /// dim.
    void stage(Value src, Value tileBuf, int64_t dim, Value j0, Value end,
               Value ib, Value batch, Value kvHead, Value tid) {
      int64_t elems = keyTile() * dim;
      scf::ForOp::create(
          b, loc, c(0), c((elems + kThreads - 1) / kThreads), c(1),
          ValueRange{}, [&](OpBuilder &nb, Location, Value it, ValueRange) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
            Value e = add(mul(it, c(kThreads)), tid);
            Value r = arith::DivUIOp::create(b, loc, e, c(dim));
            Value col = arith::RemUIOp::create(b, loc, e, c(dim));
            Value key = add(j0, r);
            Value inTile = lt(e, c(elems));
            Value load = arith::AndIOp::create(
                b, loc, arith::AndIOp::create(b, loc, inTile, lt(key, end)),
                lt(ib, batch));
            Value value = extractIf(load, src, {ib, key, kvHead, col}, f(0));
            scf::IfOp::create(b, loc, inTile, [&](OpBuilder &nb, Location) {
              Here here(b, nb);
              memref::StoreOp::create(b, loc, value, tileBuf,
                                      ValueRange{r, col});
              scf::YieldOp::create(b, loc);
            });
            scf::YieldOp::create(b, loc);
          });
    }

    /// One key tile of the online softmax for this thread's row; returns
    /// the new (m, l, acc).
    SmallVector<Value> step(ValueRange iter, Value qPart, Value dOffset,
                            Value j0, Value end, Value active, Value ib,
                            Value kvHead, Value member, Value row,
                            const AttentionMask &mask, Value kS, Value vS,
                            Value sS, Value tid, Value part) {
      Value m = iter[0], sum = iter[1], acc = iter[2];
      auto fm = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
      auto qType = cast<VectorType>(qPart.getType());
      auto accType = cast<VectorType>(acc.getType());
      auto align = [](int64_t n) {
        return llvm::MaybeAlign(n % 4 == 0 ? 16 : 4);
      };
      Value vOffset = mul(part, c(dvPart()));

      // Scores of the tile's keys into sS[j][tid]; their max.
      auto scores = scf::ForOp::create(
          b, loc, c(0), c(keyTile()), c(1), ValueRange{f(-INFINITY)},
          [&](OpBuilder &nb, Location, Value jj, ValueRange tileMax) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
            Value kRow = vector::LoadOp::create(b, loc, qType, kS,
                                                ValueRange{jj, dOffset}, false,
                                                align(dPart()));
            Value prod = arith::MulFOp::create(b, loc, qPart, kRow, fm);
            Value dot = vector::ReductionOp::create(
                b, loc, vector::CombiningKind::ADD, prod, Value(), fm);
            // The row's slices meet: every thread of the row gets the dot.
            dot = warpSum(dot, parts);
            Value key = add(j0, jj);
            Value visible = arith::AndIOp::create(b, loc, active, lt(key, end));
            auto score = scf::IfOp::create(
                b, loc, visible,
                [&](OpBuilder &nb, Location) {
                  Here here(b, nb);
                  scf::YieldOp::create(
                      b, loc,
                      mask.score(b, loc, dot, ib, kvHead, member, row, key));
                },
                [&](OpBuilder &nb, Location) {
                  Here here(b, nb);
                  scf::YieldOp::create(b, loc, f(-INFINITY));
                });
            Value s = score.getResult(0);
            memref::StoreOp::create(b, loc, s, sS, ValueRange{jj, tid});
            scf::YieldOp::create(
                b, loc,
                arith::MaximumFOp::create(b, loc, tileMax[0], s).getResult());
          });

      Value mNew = arith::MaximumFOp::create(b, loc, m, scores.getResult(0));
      Value corr = arith::SelectOp::create(
          b, loc, isNegInf(mNew), f(1),
          math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, m, mNew)));
      Value sum1 = arith::MulFOp::create(b, loc, sum, corr);
      Value acc1 = arith::MulFOp::create(
          b, loc, acc, vector::BroadcastOp::create(b, loc, accType, corr));

      auto pv = scf::ForOp::create(
          b, loc, c(0), c(keyTile()), c(1), ValueRange{sum1, acc1},
          [&](OpBuilder &nb, Location, Value jj, ValueRange it) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
            Value s = memref::LoadOp::create(b, loc, sS, ValueRange{jj, tid});
            Value p = arith::SelectOp::create(
                b, loc, isNegInf(s), f(0),
                math::ExpOp::create(b, loc,
                                    arith::SubFOp::create(b, loc, s, mNew)));
            Value vRow = vector::LoadOp::create(b, loc, accType, vS,
                                                ValueRange{jj, vOffset}, false,
                                                align(dvPart()));
            Value accNext = vector::FMAOp::create(
                b, loc, vector::BroadcastOp::create(b, loc, accType, p), vRow,
                it[1]);
            scf::YieldOp::create(
                b, loc,
                ValueRange{arith::AddFOp::create(b, loc, it[0], p), accNext});
          });
      return {mNew, pv.getResult(0), pv.getResult(1)};
    }
  };
};

} // namespace

void seqc::populateGpuFlashAttentionLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GpuFlashAttentionLowering>(patterns.getContext());
}

/// f32 and static head counts and dims: what both attention kernels need.
static StringRef whyNotGpuAttention(seq::AttentionOp op) {
  if (failed(getAttentionShape(op)))
    return "dynamic head counts or dims";
  for (Value v : {op.getQuery(), op.getKey(), op.getValue()})
    if (!cast<RankedTensorType>(v.getType()).getElementType().isF32())
      return "operands not f32";
  return "";
}

StringRef seqc::whyNotGpuFlashAttention(seq::AttentionOp op) {
  StringRef why = whyNotGpuAttention(op);
  if (!why.empty())
    return why;
  FailureOr<AttentionShape> shape = getAttentionShape(op);
  int64_t d = shape->headDim, dv = shape->valueDim;
  int64_t parts = flashHeadParts(d);
  if (d > kMaxHeadDim || dv > kMaxHeadDim || d % parts || dv % parts ||
      kThreads % parts)
    return "head dims this kernel does not split (at most 256, a multiple "
           "of the 64-wide parts)";
  return "";
}

StringRef seqc::whyNotGpuDecodeAttention(seq::AttentionOp op) {
  StringRef why = whyNotGpuAttention(op);
  if (!why.empty())
    return why;
  if (!gpuDecodeAttentionApplies(op, *getAttentionShape(op)))
    return "not one query position with head dims a multiple of 16 up to "
           "256";
  return "";
}
