//===- GpuGemv.cpp - decode-sized products, a warp per output column ------===//
//
// A decode step multiplies one row (a few) by each weight matrix: all the
// time goes to reading W once. The tensor-core kernel would give each
// 64-column slice of W to one block walking all of K (64 blocks for a
// 4096-wide projection, most of the GPU idle) and waste 63/64 of its
// products. Here a warp owns one output column n: its lanes stride along k
// over W[n, :] (contiguous, so each warp load is one 128-byte line),
// multiply with each of the M rows of A, and a butterfly sums the lanes;
// lane 0 adds the results to the output. 4 warps per block, grid (N / 4,
// batch). Full f32 (no tensor cores).
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuContraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace seqc::gpu {

namespace {
constexpr int64_t kWarps = 4, kLanes = 32;

} // namespace

unsigned innermostLoopDim(linalg::LinalgOp op, unsigned operand) {
  AffineMap map = op.getIndexingMapsArray()[operand];
  return cast<AffineDimExpr>(map.getResults().back()).getPosition();
}

SmallVector<Value> operandIndices(linalg::LinalgOp op, unsigned operand,
                                  ArrayRef<Value> values) {
  SmallVector<Value> indices;
  for (AffineExpr e : op.getIndexingMapsArray()[operand].getResults())
    indices.push_back(values[cast<AffineDimExpr>(e).getPosition()]);
  return indices;
}

bool gemvApplies(const Contraction &c) {
  linalg::LinalgOp op = c.op;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return !ShapedType::isDynamic(ranges[c.m]) && ranges[c.m] <= kMaxGemvRows &&
         innermostLoopDim(op, 1) == c.k;
}

void buildGemvKernel(OpBuilder &b, const Contraction &c) {
  linalg::LinalgOp op = c.op;
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto i32 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  };
  int64_t rows = op.getStaticLoopRanges()[c.m];
  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  auto size = [&](unsigned d) {
    return getValueOrCreateConstantIndexOp(b, loc, ranges[d].size);
  };
  Value sizeN = size(c.n), sizeK = size(c.k);
  Value sizeBatch = c.batch ? size(*c.batch) : Value();
  Value gridX = arith::MaxUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, sizeN, cst(kWarps)), cst(1));
  Value gridY =
      sizeBatch ? arith::MaxUIOp::create(b, loc, sizeBatch, cst(1)).getResult()
                : cst(1);
  auto launch = mlir::gpu::LaunchOp::create(
      b, loc, gridX, gridY, cst(1), cst(kWarps * kLanes), cst(1), cst(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value tid = launch.getThreadIds().x;
  Value lane = arith::RemUIOp::create(b, loc, tid, cst(kLanes));
  Value n = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, cst(kWarps)),
      arith::DivUIOp::create(b, loc, tid, cst(kLanes)));
  Value batch = launch.getBlockIds().y;
  Value active =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n, sizeN);
  if (sizeBatch)
    active = arith::AndIOp::create(
        b, loc, active,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, batch,
                              sizeBatch));
  // `active` is the same for a warp's 32 lanes: the butterfly inside runs
  // with the whole warp.
  scf::IfOp::create(b, loc, active, [&](OpBuilder &nb, Location) {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
    SmallVector<Value> zeros(
        rows, arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0)));
    auto loop = scf::ForOp::create(
        b, loc, lane, sizeK, cst(kLanes), zeros,
        [&](OpBuilder &lb, Location, Value k, ValueRange acc) {
          OpBuilder::InsertionGuard body(b);
          b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
          SmallVector<Value> at(op.getNumLoops());
          at[c.k] = k;
          at[c.n] = n;
          if (c.batch)
            at[*c.batch] = batch;
          at[c.m] = cst(0);
          Value w = memref::LoadOp::create(b, loc, op->getOperand(1),
                                           operandIndices(op, 1, at));
          SmallVector<Value> next;
          for (int64_t m = 0; m < rows; ++m) {
            at[c.m] = cst(m);
            Value x = memref::LoadOp::create(b, loc, op->getOperand(0),
                                             operandIndices(op, 0, at));
            next.push_back(arith::AddFOp::create(
                b, loc, acc[m], arith::MulFOp::create(b, loc, x, w)));
          }
          scf::YieldOp::create(b, loc, next);
        });
    Value lane0 =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, cst(0));
    SmallVector<Value> sums;
    for (int64_t m = 0; m < rows; ++m) {
      Value x = loop.getResult(m);
      for (int64_t offset = 1; offset < kLanes; offset *= 2)
        x = arith::AddFOp::create(
            b, loc, x,
            mlir::gpu::ShuffleOp::create(b, loc, x, i32(offset), i32(kLanes),
                                         mlir::gpu::ShuffleMode::XOR)
                .getShuffleResult());
      sums.push_back(x);
    }
    scf::IfOp::create(b, loc, lane0, [&](OpBuilder &tb, Location) {
      OpBuilder::InsertionGuard tail(b);
      b.setInsertionPoint(tb.getInsertionBlock(), tb.getInsertionPoint());
      Value out = op.getDpsInits()[0];
      for (int64_t m = 0; m < rows; ++m) {
        SmallVector<Value> at(op.getNumLoops());
        at[c.m] = cst(m);
        at[c.n] = n;
        if (c.batch)
          at[*c.batch] = batch;
        SmallVector<Value> indices = operandIndices(op, 2, at);
        Value old = memref::LoadOp::create(b, loc, out, indices);
        memref::StoreOp::create(
            b, loc, arith::AddFOp::create(b, loc, old, sums[m]), out, indices);
      }
      scf::YieldOp::create(b, loc);
    });
    scf::YieldOp::create(b, loc);
  });
  mlir::gpu::TerminatorOp::create(b, loc);
}

} // namespace seqc::gpu
