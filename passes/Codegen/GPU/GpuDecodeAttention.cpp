//===- GpuDecodeAttention.cpp - one query position, keys split ------------===//
//
// Decoding attends one query position to a long KV cache: the prefill
// kernel (GpuFlashAttention.cpp) would give each (batch, head) one busy
// row. Here the keys are split instead (split-KV, as FlashDecoding):
//
//   1. grid (key splits of 256, query heads, batch), 4 warps per block.
//      Each warp takes every fourth key of its split; its 32 lanes hold
//      D/32 of the query and Dv/32 of the accumulator, and a butterfly
//      shuffle gives every lane the whole dot product. Each warp runs the
//      online softmax over its keys; the block merges its 4 warps through
//      shared memory and writes the split's (max, sum, unnormalised acc).
//   2. grid (query heads, batch), Dv threads: merges the splits,
//      out = Σ acc_s·exp(m_s - M) / Σ l_s·exp(m_s - M).
//
// Only keys the causal and sliding-window terms leave visible are visited;
// the rest of the mask is the shared AttentionMask, per score.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuDecodeAttention.h"

#include "passes/Codegen/GPU/GpuKernelBuilder.h"
#include "passes/Conversion/SeqToLinalg/AttentionMask.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;

namespace seqc::lowering {

namespace {

constexpr int64_t kWarps = 4, kLanes = 32;
constexpr int64_t kKeysPerSplit = 256;
constexpr int64_t kMaxHeadDim = 256;

class DecodeKernel : KernelBuilder {
public:
  DecodeKernel(OpBuilder &b, seq::AttentionOp op, const AttentionShape &shape,
               Value q, Value k, Value v, Value bias, Value kvLengthOperand)
      : KernelBuilder{b, op.getLoc()}, op(op), shape(shape), q(q), k(k), v(v),
        bias(bias), kvLengthOperand(kvLengthOperand) {}

  Value build() {
    auto resultType = cast<RankedTensorType>(op.getType());
    pos = getAttentionPositions(b, loc, q, k, kvLengthOperand);
    batch = getValueOrCreateConstantIndexOp(b, loc, pos.batch);
    Value capacity = tensor::DimOp::create(b, loc, k, 1);
    splits = arith::MaxUIOp::create(
        b, loc, arith::CeilDivUIOp::create(b, loc, capacity, c(kKeysPerSplit)),
        c(1));
    Value blocksZ = arith::MaxUIOp::create(b, loc, batch, c(1));
    Type f32 = b.getF32Type();
    int64_t dyn = ShapedType::kDynamic;
    // Per split: the unnormalised accumulator and (max, sum).
    partAcc = memref::AllocOp::create(
        b, loc,
        MemRefType::get({dyn, shape.queryHeads, dyn, shape.valueDim}, f32),
        ValueRange{batch, splits});
    partStats = memref::AllocOp::create(
        b, loc, MemRefType::get({dyn, shape.queryHeads, dyn, 2}, f32),
        ValueRange{batch, splits});
    SmallVector<Value> outSizes;
    if (resultType.isDynamicDim(0))
      outSizes.push_back(batch);
    out = memref::AllocOp::create(
        b, loc, MemRefType::get(resultType.getShape(), f32), outSizes);

    auto splitLaunch =
        gpu::LaunchOp::create(b, loc, splits, c(shape.queryHeads), blocksZ,
                              c(kWarps * kLanes), c(1), c(1));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&splitLaunch.getBody().front());
      emitSplits(splitLaunch);
      gpu::TerminatorOp::create(b, loc);
    }
    auto mergeLaunch =
        gpu::LaunchOp::create(b, loc, c(shape.queryHeads), blocksZ, c(1),
                              c(shape.valueDim), c(1), c(1));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&mergeLaunch.getBody().front());
      emitMerge(mergeLaunch);
      gpu::TerminatorOp::create(b, loc);
    }
    return bufferization::ToTensorOp::create(b, loc, resultType, out,
                                             /*restrict=*/true,
                                             /*writable=*/true);
  }

private:
  /// `count` f32 elements of `src` at [ib, position, head, first + i].
  Value readSlice(Value src, Value ib, Value position, Value head, Value first,
                  int64_t count) {
    SmallVector<Value> elems;
    for (int64_t i = 0; i < count; ++i)
      elems.push_back(tensor::ExtractOp::create(
          b, loc, src, ValueRange{ib, position, head, add(first, c(i))}));
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({count}, b.getF32Type()), elems);
  }

  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value maxf(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  /// exp(m - top), 0 where m is -inf (nothing seen).
  Value weight(Value m, Value top) {
    return arith::SelectOp::create(b, loc, isNegInf(m), f(0), exp(sub(m, top)));
  }
  Value splat(Value x, VectorType type) {
    return vector::BroadcastOp::create(b, loc, type, x);
  }

  void emitSplits(gpu::LaunchOp launch) {
    int64_t dl = shape.headDim / kLanes, dvl = shape.valueDim / kLanes;
    auto accType = VectorType::get({dvl}, b.getF32Type());
    Value sStats = sharedBuffer(op, "decode_stats", kWarps, 2);
    Value sAcc = sharedBuffer(op, "decode_acc", kWarps, shape.valueDim);
    Value tid = launch.getThreadIds().x;
    Value split = launch.getBlockIds().x, head = launch.getBlockIds().y;
    Value ib = launch.getBlockIds().z;
    Value warp = div(tid, kLanes), lane = rem(tid, kLanes);
    Value kvHead = div(head, shape.group), member = rem(head, shape.group);
    Value active = lt(ib, batch);

    // The query sits at position kv_length - 1 (one query position).
    Value query = pos.queryBase;
    Value start, end;
    std::tie(start, end) =
        visibleKeyRange(b, loc, op, query, query, pos.kvLength);
    Value first =
        arith::MaxUIOp::create(b, loc, start, mul(split, c(kKeysPerSplit)));
    Value last = arith::MinUIOp::create(
        b, loc, end, mul(add(split, c(1)), c(kKeysPerSplit)));
    // A block beyond the batch (an empty batch still launches one) reads
    // nothing.
    last = arith::SelectOp::create(b, loc, active, last, first);
    AttentionMask mask(b, loc, op, bias, pos.kvLength, pos.queriesValue,
                       shape.group);

    auto qRead = scf::IfOp::create(
        b, loc, active,
        [&](OpBuilder &nb, Location) {
          Here here(b, nb);
          scf::YieldOp::create(
              b, loc, readSlice(q, ib, c(0), head, mul(lane, c(dl)), dl));
        },
        [&](OpBuilder &nb, Location) {
          Here here(b, nb);
          scf::YieldOp::create(
              b, loc,
              arith::ConstantOp::create(
                  b, loc,
                  DenseElementsAttr::get(VectorType::get({dl}, b.getF32Type()),
                                         0.0f))
                  .getResult());
        });
    Value qPart = qRead.getResult(0);
    auto fm = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;

    Value acc0 = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(accType, 0.0f));
    auto keys = scf::ForOp::create(
        b, loc, add(first, warp), last, c(kWarps),
        ValueRange{f(-INFINITY), f(0), acc0},
        [&](OpBuilder &nb, Location, Value key, ValueRange it) {
          Here here(b, nb);
          Value kPart = readSlice(k, ib, key, kvHead, mul(lane, c(dl)), dl);
          Value prod = arith::MulFOp::create(b, loc, qPart, kPart, fm);
          Value dot = warpSum(
              vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                          prod, Value(), fm),
              kLanes);
          Value s = mask.score(b, loc, dot, ib, kvHead, member, c(0), key);
          Value m = it[0];
          Value mNew = maxf(m, s);
          Value corr = arith::SelectOp::create(b, loc, isNegInf(mNew), f(1),
                                               exp(sub(m, mNew)));
          Value p = weight(s, mNew);
          Value vPart = readSlice(v, ib, key, kvHead, mul(lane, c(dvl)), dvl);
          Value acc = vector::FMAOp::create(
              b, loc, splat(p, accType), vPart,
              arith::MulFOp::create(b, loc, it[2], splat(corr, accType)));
          Value sum = arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, it[1], corr), p);
          scf::YieldOp::create(b, loc, ValueRange{mNew, sum, acc});
        });

    // The block's four warps meet in shared memory.
    Value isLane0 =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, c(0));
    scf::IfOp::create(b, loc, isLane0, [&](OpBuilder &nb, Location) {
      Here here(b, nb);
      memref::StoreOp::create(b, loc, keys.getResult(0), sStats,
                              ValueRange{warp, c(0)});
      memref::StoreOp::create(b, loc, keys.getResult(1), sStats,
                              ValueRange{warp, c(1)});
      scf::YieldOp::create(b, loc);
    });
    vector::StoreOp::create(b, loc, keys.getResult(2), sAcc,
                            ValueRange{warp, mul(lane, c(dvl))});
    gpu::BarrierOp::create(b, loc);

    Value isWarp0 =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, warp, c(0));
    scf::IfOp::create(
        b, loc, both(isWarp0, active), [&](OpBuilder &nb, Location) {
          Here here(b, nb);
          SmallVector<Value> ms, ls;
          Value top = f(-INFINITY);
          for (int64_t w = 0; w < kWarps; ++w) {
            ms.push_back(
                memref::LoadOp::create(b, loc, sStats, ValueRange{c(w), c(0)}));
            ls.push_back(
                memref::LoadOp::create(b, loc, sStats, ValueRange{c(w), c(1)}));
            top = maxf(top, ms.back());
          }
          Value sum = f(0);
          Value acc = arith::ConstantOp::create(
              b, loc, DenseElementsAttr::get(accType, 0.0f));
          for (int64_t w = 0; w < kWarps; ++w) {
            Value scale = weight(ms[w], top);
            sum = arith::AddFOp::create(
                b, loc, sum, arith::MulFOp::create(b, loc, ls[w], scale));
            Value part = vector::LoadOp::create(
                b, loc, accType, sAcc, ValueRange{c(w), mul(lane, c(dvl))});
            acc =
                vector::FMAOp::create(b, loc, splat(scale, accType), part, acc);
          }
          vector::StoreOp::create(
              b, loc, acc, partAcc,
              ValueRange{ib, head, split, mul(lane, c(dvl))});
          scf::IfOp::create(b, loc, isLane0, [&](OpBuilder &tb, Location) {
            Here inner(b, tb);
            memref::StoreOp::create(b, loc, top, partStats,
                                    ValueRange{ib, head, split, c(0)});
            memref::StoreOp::create(b, loc, sum, partStats,
                                    ValueRange{ib, head, split, c(1)});
            scf::YieldOp::create(b, loc);
          });
          scf::YieldOp::create(b, loc);
        });
  }

  void emitMerge(gpu::LaunchOp launch) {
    Value j = launch.getThreadIds().x;
    Value head = launch.getBlockIds().x, ib = launch.getBlockIds().y;
    scf::IfOp::create(b, loc, lt(ib, batch), [&](OpBuilder &nb, Location) {
      Here here(b, nb);
      auto top = scf::ForOp::create(
          b, loc, c(0), splits, c(1), ValueRange{f(-INFINITY)},
          [&](OpBuilder &lb, Location, Value s, ValueRange it) {
            Here inner(b, lb);
            Value m = memref::LoadOp::create(b, loc, partStats,
                                             ValueRange{ib, head, s, c(0)});
            scf::YieldOp::create(b, loc, maxf(it[0], m));
          });
      Value mTop = top.getResult(0);
      auto merged = scf::ForOp::create(
          b, loc, c(0), splits, c(1), ValueRange{f(0), f(0)},
          [&](OpBuilder &lb, Location, Value s, ValueRange it) {
            Here inner(b, lb);
            Value m = memref::LoadOp::create(b, loc, partStats,
                                             ValueRange{ib, head, s, c(0)});
            Value l = memref::LoadOp::create(b, loc, partStats,
                                             ValueRange{ib, head, s, c(1)});
            Value a = memref::LoadOp::create(b, loc, partAcc,
                                             ValueRange{ib, head, s, j});
            Value w = weight(m, mTop);
            Value sum = arith::AddFOp::create(
                b, loc, it[0], arith::MulFOp::create(b, loc, l, w));
            Value acc = arith::AddFOp::create(
                b, loc, it[1], arith::MulFOp::create(b, loc, a, w));
            scf::YieldOp::create(b, loc, ValueRange{sum, acc});
          });
      Value sum = merged.getResult(0), acc = merged.getResult(1);
      Value none =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, sum, f(0));
      Value o = arith::SelectOp::create(
          b, loc, none, f(0), arith::DivFOp::create(b, loc, acc, sum));
      memref::StoreOp::create(b, loc, o, out, ValueRange{ib, c(0), head, j});
      scf::YieldOp::create(b, loc);
    });
  }

  seq::AttentionOp op;
  AttentionShape shape;
  Value q, k, v, bias, kvLengthOperand;
  AttentionPositions pos;
  Value batch, splits, partAcc, partStats, out;
};

} // namespace

bool gpuDecodeAttentionApplies(seq::AttentionOp op,
                               const AttentionShape &shape) {
  auto qType = cast<RankedTensorType>(op.getQuery().getType());
  return qType.getDimSize(1) == 1 && shape.headDim % kLanes == 0 &&
         shape.valueDim % kLanes == 0 && shape.headDim <= kMaxHeadDim &&
         shape.valueDim <= kMaxHeadDim;
}

Value buildGpuDecodeAttention(OpBuilder &b, seq::AttentionOp op,
                              const AttentionShape &shape, Value q, Value k,
                              Value v, Value bias, Value kvLengthOperand) {
  return DecodeKernel(b, op, shape, q, k, v, bias, kvLengthOperand).build();
}

} // namespace seqc::lowering
