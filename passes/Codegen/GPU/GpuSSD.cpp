//===- GpuSSD.cpp - Mamba2's scalar-decay scan as one GPU kernel ----------===//
//
// seq.ssd on a GPU, as its recurrence: the chunked CPU form runs one
// (batch, head) per task, which on a GPU would be 24 threads for a
// 24-head model. Here each channel (head h, head channel p) is one group
// of `lanes` neighbouring lanes (32, or N when N is a smaller power of
// two), each lane holding N / lanes of the channel's state row S[p, :]
// (lane j: n = j, j + lanes, ...):
//
//   Δ = clamp(softplus?(dt + dt_bias[h]), dt_limit)
//   S[p,n] = exp(Δ·A[h])·S[p,n] + Δ·x[p]·B[g,n]
//   y[p] = Σ_n S[p,n]·C[g,n] (per lane, then an xor butterfly)
//          + D[h]·x[p], times silu(z[p])            (lane 0 stores it)
//
// Mamba2-130m (24 heads x 64 channels, N = 128) is 49,152 threads, each
// with 4 states. The time loop runs in every thread; the final S goes to
// final_state. chunk_size (a schedule hint) does not apply.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuKernelBuilder.h"
#include "passes/Codegen/GPU/GpuKernels.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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
constexpr int64_t kMaxStatesPerLane = 8;

struct GpuSSDLowering : OpConversionPattern<seq::SSDOp> {
  GpuSSDLowering(MLIRContext *ctx) : OpConversionPattern(ctx) {}

  LogicalResult
  matchAndRewrite(seq::SSDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::gpu_ssd) ||
        !seqc::whyNotGpuSSD(op).empty())
      return failure();
    auto xType = cast<RankedTensorType>(adaptor.getX().getType());
    auto bType = cast<RankedTensorType>(adaptor.getB().getType());
    int64_t heads = xType.getDimSize(2), headDim = xType.getDimSize(3);
    int64_t groups = bType.getDimSize(2), state = bType.getDimSize(3);
    int64_t lanes = std::min<int64_t>(state, 32);
    Kernel kernel(rewriter, op, adaptor, heads, headDim, groups, state, lanes);
    rewriter.replaceOp(op, kernel.build());
    return success();
  }

  struct Kernel : KernelBuilder {
    Kernel(OpBuilder &b, seq::SSDOp op, OpAdaptor adaptor, int64_t heads,
           int64_t headDim, int64_t groups, int64_t state, int64_t lanes)
        : KernelBuilder{b, op.getLoc()}, op(op), adaptor(adaptor), heads(heads),
          headDim(headDim), groups(groups), state(state), lanes(lanes) {}

    SmallVector<Value> build() {
      Value x = adaptor.getX();
      Value batch = tensor::DimOp::create(b, loc, x, 0);
      Value length = tensor::DimOp::create(b, loc, x, 1);
      auto yType = cast<RankedTensorType>(op.getOutput().getType());
      auto sType = cast<RankedTensorType>(op.getFinalState().getType());
      Value y = allocLike(yType, {batch, length, c(heads), c(headDim)});
      Value s = allocLike(sType, {batch, c(heads), c(headDim), c(state)});
      Value blocks = arith::CeilDivUIOp::create(b, loc, c(heads * headDim),
                                                c(kThreads / lanes));
      auto launch = gpu::LaunchOp::create(
          b, loc, blocks, arith::MaxUIOp::create(b, loc, batch, c(1)), c(1),
          c(kThreads), c(1), c(1));
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&launch.getBody().front());
        emitBody(launch, batch, length, y, s);
        gpu::TerminatorOp::create(b, loc);
      }
      return {asTensor(yType, y), asTensor(sType, s)};
    }

  private:
    /// `tensor`[indices] where `active`, else 0.
    Value loadIf(Value active, Value tensor, ValueRange indices) {
      return extractIf(active, tensor, indices, f(0));
    }

    Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
    Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }

    void emitBody(gpu::LaunchOp launch, Value batch, Value length, Value y,
                  Value sOut) {
      int64_t perLane = state / lanes;
      Value tid = launch.getThreadIds().x;
      Value ib = launch.getBlockIds().y;
      Value lane = rem(tid, lanes);
      Value channel = add(mul(launch.getBlockIds().x, c(kThreads / lanes)),
                          div(tid, lanes));
      Value active = both(lt(channel, c(heads * headDim)), lt(ib, batch));
      Value h = div(channel, headDim), p = rem(channel, headDim);
      Value g = div(h, heads / groups);
      Value a = loadIf(active, adaptor.getA(), {h});
      Value skip =
          adaptor.getD() ? loadIf(active, adaptor.getD(), {h}) : Value();
      Value dtBias = adaptor.getDtBias()
                         ? loadIf(active, adaptor.getDtBias(), {h})
                         : Value();
      SmallVector<Value> ns, s0;
      for (int64_t i = 0; i < perLane; ++i) {
        // Lane j holds n = j, j + lanes, ...: each B, C and state access
        // of a warp is contiguous.
        ns.push_back(add(lane, c(i * lanes)));
        s0.push_back(adaptor.getInitialState()
                         ? loadIf(active, adaptor.getInitialState(),
                                  {ib, h, p, ns.back()})
                         : f(0));
      }
      Value lane0 =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, c(0));
      std::optional<ArrayRef<float>> limit = op.getDtLimit();

      auto steps = scf::ForOp::create(
          b, loc, c(0), length, c(1), s0,
          [&](OpBuilder &nb, Location, Value t, ValueRange carried) {
            Here here(b, nb);
            Value xp = loadIf(active, adaptor.getX(), {ib, t, h, p});
            Value dt = loadIf(active, adaptor.getDt(), {ib, t, h});
            if (dtBias)
              dt = fadd(dt, dtBias);
            if (op.getDtSoftplus())
              dt = softplus(b, loc, dt);
            if (limit) {
              dt = arith::MaximumFOp::create(b, loc, dt, f((*limit)[0]));
              dt = arith::MinimumFOp::create(b, loc, dt, f((*limit)[1]));
            }
            Value decay = math::ExpOp::create(b, loc, fmul(dt, a));
            Value dx = fmul(dt, xp);
            SmallVector<Value> next;
            Value partial = f(0);
            for (int64_t i = 0; i < perLane; ++i) {
              Value bn = loadIf(active, adaptor.getB(), {ib, t, g, ns[i]});
              Value cn = loadIf(active, adaptor.getC(), {ib, t, g, ns[i]});
              Value si = fadd(fmul(decay, carried[i]), fmul(dx, bn));
              next.push_back(si);
              partial = fadd(partial, fmul(si, cn));
            }
            // Every lane of the channel joins the butterfly.
            Value sum = warpSum(partial, lanes);
            scf::IfOp::create(b, loc, both(active, lane0),
                              [&](OpBuilder &tb, Location) {
                                Here inner(b, tb);
                                Value out = sum;
                                if (skip)
                                  out = fadd(out, fmul(skip, xp));
                                if (Value zt = adaptor.getZ()) {
                                  Value z = tensor::ExtractOp::create(
                                      b, loc, zt, ValueRange{ib, t, h, p});
                                  out = fmul(out, silu(b, loc, z));
                                }
                                memref::StoreOp::create(
                                    b, loc, out, y, ValueRange{ib, t, h, p});
                                scf::YieldOp::create(b, loc);
                              });
            scf::YieldOp::create(b, loc, next);
          });
      scf::IfOp::create(b, loc, active, [&](OpBuilder &nb, Location) {
        Here here(b, nb);
        for (int64_t i = 0; i < perLane; ++i)
          memref::StoreOp::create(b, loc, steps.getResult(i), sOut,
                                  ValueRange{ib, h, p, ns[i]});
        scf::YieldOp::create(b, loc);
      });
    }

    seq::SSDOp op;
    OpAdaptor adaptor;
    int64_t heads, headDim, groups, state, lanes;
  };
};

} // namespace

void seqc::populateGpuSSDLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<GpuSSDLowering>(patterns.getContext());
}

StringRef seqc::whyNotGpuSSD(seq::SSDOp op) {
  auto xType = cast<RankedTensorType>(op.getX().getType());
  auto bType = cast<RankedTensorType>(op.getB().getType());
  int64_t heads = xType.getDimSize(2), headDim = xType.getDimSize(3);
  int64_t groups = bType.getDimSize(2), state = bType.getDimSize(3);
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(headDim) ||
      ShapedType::isDynamic(groups) || ShapedType::isDynamic(state))
    return "dynamic heads or dims";
  int64_t lanes = std::min<int64_t>(state, 32);
  if (!llvm::isPowerOf2_64(lanes) || state % lanes ||
      state / lanes > kMaxStatesPerLane)
    return "state size not a power of two below 32 or a multiple of 32 "
           "the kernel holds";
  for (Value v : op->getOperands())
    if (!cast<RankedTensorType>(v.getType()).getElementType().isF32())
      return "operands not f32";
  return "";
}
