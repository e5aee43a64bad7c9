//===- GpuSelectiveScan.cpp - Mamba's selective scan as one GPU kernel ----===//
//
// One thread per (channel, state index): N neighbouring lanes of a warp
// (N = d_state, a power of two up to 32) share a channel, each carrying its
// own h[n] through time, so Mamba-130m's 1536 channels x 16 states are
// 24576 threads (the generic mapping has one thread per channel, each
// walking all N states). Per step:
//
//   Δ = softplus?(delta + delta_bias)      h = exp(Δ·A[d,n])·h + Δ·B[n]·u
//   y = Σ_n h·C[n] (an xor butterfly over the channel's N lanes)
//       + D·u, times silu(z)               (lane 0 stores it)
//
// The channel's u, Δ and z are the same address for its N lanes (one
// broadcast load); B and C rows are contiguous across the lanes. The time
// loop runs in every thread; the final h goes to final_state.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuKernelBuilder.h"
#include "passes/Codegen/GPU/GpuKernels.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

constexpr int64_t kThreads = 128;

struct GpuSelectiveScanLowering : OpConversionPattern<seq::SelectiveScanOp> {
  GpuSelectiveScanLowering(MLIRContext *ctx) : OpConversionPattern(ctx) {}

  LogicalResult
  matchAndRewrite(seq::SelectiveScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::gpu_scan) ||
        !seqc::whyNotGpuSelectiveScan(op).empty())
      return failure();
    auto aType = cast<RankedTensorType>(adaptor.getA().getType());
    int64_t channels = aType.getDimSize(0), state = aType.getDimSize(1);
    Kernel kernel(rewriter, op, adaptor, channels, state);
    rewriter.replaceOp(op, kernel.build());
    return success();
  }

  struct Kernel : KernelBuilder {
    Kernel(OpBuilder &b, seq::SelectiveScanOp op, OpAdaptor adaptor,
           int64_t channels, int64_t state)
        : KernelBuilder{b, op.getLoc()}, op(op), adaptor(adaptor),
          channels(channels), state(state) {}

    SmallVector<Value> build() {
      Value u = adaptor.getU();
      Value batch = tensor::DimOp::create(b, loc, u, 0);
      Value length = tensor::DimOp::create(b, loc, u, 1);
      auto yType = cast<RankedTensorType>(op.getOutput().getType());
      auto hType = cast<RankedTensorType>(op.getFinalState().getType());
      Value y = allocLike(yType, {batch, length, c(channels)});
      Value h = allocLike(hType, {batch, c(channels), c(state)});
      int64_t perBlock = kThreads / state;
      Value blocks =
          arith::CeilDivUIOp::create(b, loc, c(channels), c(perBlock));
      auto launch = gpu::LaunchOp::create(
          b, loc, blocks, arith::MaxUIOp::create(b, loc, batch, c(1)), c(1),
          c(kThreads), c(1), c(1));
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&launch.getBody().front());
        emitBody(launch, batch, length, y, h);
        gpu::TerminatorOp::create(b, loc);
      }
      return {asTensor(yType, y), asTensor(hType, h)};
    }

  private:
    void emitBody(gpu::LaunchOp launch, Value batch, Value length, Value y,
                  Value hOut) {
      Value tid = launch.getThreadIds().x;
      Value ib = launch.getBlockIds().y;
      Value n = rem(tid, state);
      Value d = add(mul(launch.getBlockIds().x, c(kThreads / state)),
                    div(tid, state));
      Value active = both(lt(d, c(channels)), lt(ib, batch));
      Value zero = f(0);
      Value a = extractIf(active, adaptor.getA(), {d, n}, zero);
      Value skip = adaptor.getD() ? extractIf(active, adaptor.getD(), {d}, zero)
                                  : Value();
      Value dtBias = adaptor.getDeltaBias()
                         ? extractIf(active, adaptor.getDeltaBias(), {d}, zero)
                         : Value();
      Value h0 =
          adaptor.getInitialState()
              ? extractIf(active, adaptor.getInitialState(), {ib, d, n}, zero)
              : zero;
      Value lane0 =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, n, c(0));

      auto steps = scf::ForOp::create(
          b, loc, c(0), length, c(1), ValueRange{h0},
          [&](OpBuilder &nb, Location, Value t, ValueRange carried) {
            Here here(b, nb);
            Value u = extractIf(active, adaptor.getU(), {ib, t, d}, zero);
            Value dt = extractIf(active, adaptor.getDelta(), {ib, t, d}, zero);
            if (dtBias)
              dt = arith::AddFOp::create(b, loc, dt, dtBias);
            if (op.getDeltaSoftplus())
              dt = softplus(b, loc, dt);
            Value bn = extractIf(active, adaptor.getB(), {ib, t, n}, zero);
            Value cn = extractIf(active, adaptor.getC(), {ib, t, n}, zero);
            Value decay = math::ExpOp::create(
                b, loc, arith::MulFOp::create(b, loc, dt, a));
            Value input = arith::MulFOp::create(
                b, loc, arith::MulFOp::create(b, loc, dt, bn), u);
            Value h = arith::AddFOp::create(
                b, loc, arith::MulFOp::create(b, loc, decay, carried[0]),
                input);
            // Every lane of the channel joins the butterfly.
            Value sum = warpSum(arith::MulFOp::create(b, loc, h, cn), state);
            scf::IfOp::create(
                b, loc, both(active, lane0), [&](OpBuilder &tb, Location) {
                  Here inner(b, tb);
                  Value out = sum;
                  if (skip)
                    out = arith::AddFOp::create(
                        b, loc, out, arith::MulFOp::create(b, loc, skip, u));
                  if (Value zt = adaptor.getZ()) {
                    Value z = tensor::ExtractOp::create(b, loc, zt,
                                                        ValueRange{ib, t, d});
                    out = arith::MulFOp::create(b, loc, out, silu(b, loc, z));
                  }
                  memref::StoreOp::create(b, loc, out, y, ValueRange{ib, t, d});
                  scf::YieldOp::create(b, loc);
                });
            scf::YieldOp::create(b, loc, h);
          });
      scf::IfOp::create(b, loc, active, [&](OpBuilder &nb, Location) {
        Here here(b, nb);
        memref::StoreOp::create(b, loc, steps.getResult(0), hOut,
                                ValueRange{ib, d, n});
        scf::YieldOp::create(b, loc);
      });
    }

    seq::SelectiveScanOp op;
    OpAdaptor adaptor;
    int64_t channels, state;
  };
};

} // namespace

void seqc::populateGpuSelectiveScanLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GpuSelectiveScanLowering>(patterns.getContext());
}

StringRef seqc::whyNotGpuSelectiveScan(seq::SelectiveScanOp op) {
  auto aType = cast<RankedTensorType>(op.getA().getType());
  int64_t channels = aType.getDimSize(0), state = aType.getDimSize(1);
  if (ShapedType::isDynamic(channels) || ShapedType::isDynamic(state) ||
      state > 32 || !llvm::isPowerOf2_64(state))
    return "d_state not a static power of two up to 32";
  for (Value v : op->getOperands())
    if (!cast<RankedTensorType>(v.getType()).getElementType().isF32())
      return "operands not f32";
  return "";
}
