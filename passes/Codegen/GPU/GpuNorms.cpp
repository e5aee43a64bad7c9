//===- GpuNorms.cpp - RMSNorm and LayerNorm as one GPU kernel each --------===//
//
// The linalg form of a norm is a row reduction and an elementwise pass: on
// a GPU two kernels, the first with one thread per row walking all its
// channels (a decode step's single row is then one thread summing 4096
// squares). Here a block of 128 threads owns one row (one group of a
// grouped RMSNorm): threads stride over the channels, the block sums
// through warp butterflies and shared memory, and the same threads write
// the normalised row. LayerNorm takes two reductions (mean, then the
// centred variance, as PyTorch) before its write.
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

constexpr int64_t kThreads = 128, kWarps = kThreads / 32;

/// One norm kernel over a [rows, channels] view of the input; `emitRow`
/// fills in the per-row work.
struct NormKernel : KernelBuilder {
  NormKernel(OpBuilder &b, Operation *op)
      : KernelBuilder{b, op->getLoc()}, op(op) {}

  /// `x` ([..., C]) as [rows, C].
  Value rows2d(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getRank() == 2)
      return x;
    ReassociationIndices lead;
    for (int64_t i = 0; i + 1 < type.getRank(); ++i)
      lead.push_back(i);
    if (type.getRank() == 1)
      return tensor::ExpandShapeOp::create(
          b, loc,
          RankedTensorType::get({1, type.getDimSize(0)}, type.getElementType()),
          x, SmallVector<ReassociationIndices>{{0, 1}});
    return tensor::CollapseShapeOp::create(
        b, loc, x,
        SmallVector<ReassociationIndices>{lead, {type.getRank() - 1}});
  }

  /// Launches `blocksPerRow` blocks per row of `x2d` and returns the
  /// [rows, C] result buffer as a tensor of `resultType`'s shape.
  Value launch(
      Value x2d, int64_t blocksPerRow, RankedTensorType resultType,
      function_ref<void(Value row, Value part, Value tid, Value out)> emitRow) {
    auto type = cast<RankedTensorType>(x2d.getType());
    Value rows = tensor::DimOp::create(b, loc, x2d, 0);
    SmallVector<Value> dynamic;
    if (type.isDynamicDim(0))
      dynamic.push_back(rows);
    Value out = memref::AllocOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()),
        dynamic);
    Value blocks =
        arith::MaxUIOp::create(b, loc, mul(rows, c(blocksPerRow)), c(1));
    auto launchOp = gpu::LaunchOp::create(b, loc, blocks, c(1), c(1),
                                          c(kThreads), c(1), c(1));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&launchOp.getBody().front());
      reduceBuffer = sharedBuffer(op, "norm_partials", 1, kWarps);
      Value block = launchOp.getBlockIds().x;
      Value row = div(block, blocksPerRow);
      // An empty input still launches one block, which does nothing.
      scf::IfOp::create(b, loc, lt(row, rows), [&](OpBuilder &nb, Location) {
        Here here(b, nb);
        emitRow(row, rem(block, blocksPerRow), launchOp.getThreadIds().x, out);
        scf::YieldOp::create(b, loc);
      });
      gpu::TerminatorOp::create(b, loc);
    }
    Value tensor2d = bufferization::ToTensorOp::create(
        b, loc, type, out, /*restrict=*/true, /*writable=*/true);
    if (resultType.getRank() == 2)
      return tensor2d;
    if (resultType.getRank() == 1)
      return tensor::CollapseShapeOp::create(
          b, loc, tensor2d, SmallVector<ReassociationIndices>{{0, 1}});
    ReassociationIndices lead;
    for (int64_t i = 0; i + 1 < resultType.getRank(); ++i)
      lead.push_back(i);
    return tensor::ExpandShapeOp::create(
        b, loc, resultType, tensor2d,
        SmallVector<ReassociationIndices>{lead, {resultType.getRank() - 1}});
  }

  /// Σ over channels [first, first + count) of value(c), across the block:
  /// every thread gets the total. `value` builds the term for channel c.
  Value blockSum(Value tid, int64_t count, function_ref<Value(Value)> value) {
    auto partial = scf::ForOp::create(
        b, loc, tid, c(count), c(kThreads), ValueRange{f(0)},
        [&](OpBuilder &nb, Location, Value ch, ValueRange acc) {
          Here here(b, nb);
          scf::YieldOp::create(
              b, loc,
              arith::AddFOp::create(b, loc, acc[0], value(ch)).getResult());
        });
    Value warpTotal = warpSum(partial.getResult(0), 32);
    Value warp = div(tid, 32);
    Value lane0 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        rem(tid, 32), c(0));
    scf::IfOp::create(b, loc, lane0, [&](OpBuilder &nb, Location) {
      Here here(b, nb);
      memref::StoreOp::create(b, loc, warpTotal, reduceBuffer,
                              ValueRange{c(0), warp});
      scf::YieldOp::create(b, loc);
    });
    gpu::BarrierOp::create(b, loc);
    Value total = f(0);
    for (int64_t w = 0; w < kWarps; ++w)
      total = arith::AddFOp::create(
          b, loc, total,
          memref::LoadOp::create(b, loc, reduceBuffer, ValueRange{c(0), c(w)}));
    // The buffer is reused by the next sum.
    gpu::BarrierOp::create(b, loc);
    return total;
  }

  /// out[row, first + c] = value(c) for the block's channels.
  void writeRow(Value tid, int64_t count, Value out, Value row, Value first,
                function_ref<Value(Value)> value) {
    scf::ForOp::create(b, loc, tid, c(count), c(kThreads), ValueRange{},
                       [&](OpBuilder &nb, Location, Value ch, ValueRange) {
                         Here here(b, nb);
                         memref::StoreOp::create(
                             b, loc, value(ch), out,
                             ValueRange{row, add(first, ch)});
                         scf::YieldOp::create(b, loc);
                       });
  }

  Operation *op;
  Value reduceBuffer;
};

Value extract2d(OpBuilder &b, Location loc, Value t, Value row, Value col) {
  return tensor::ExtractOp::create(b, loc, t, ValueRange{row, col});
}

bool allF32(Operation *op) {
  for (Value v : op->getOperands())
    if (!cast<RankedTensorType>(v.getType()).getElementType().isF32())
      return false;
  return true;
}

struct GpuRMSNormLowering : OpConversionPattern<seq::RMSNormOp> {
  GpuRMSNormLowering(MLIRContext *ctx) : OpConversionPattern(ctx) {}

  LogicalResult
  matchAndRewrite(seq::RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::gpu_norm) ||
        !seqc::whyNotGpuNorm(op).empty())
      return failure();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t channels = type.getShape().back();
    int64_t group = op.getGroupSize().value_or(channels);
    int64_t groups = channels / group;
    double eps = op.getEpsilon().convertToDouble();
    double offset = op.getWeightOffset().convertToDouble();
    NormKernel k(rewriter, op);
    Value x = k.rows2d(adaptor.getInput());
    Value gate = adaptor.getGate() ? k.rows2d(adaptor.getGate()) : Value();
    Value weight = adaptor.getWeight();
    Location loc = op.getLoc();
    Value result = k.launch(
        x, groups, type, [&](Value row, Value part, Value tid, Value out) {
          Value first = k.mul(part, k.c(group));
          // x, or x · silu(gate): the gated form.
          auto input = [&](Value ch) -> Value {
            Value col = k.add(first, ch);
            Value v = extract2d(rewriter, loc, x, row, col);
            if (gate)
              v = arith::MulFOp::create(
                  rewriter, loc, v,
                  silu(rewriter, loc,
                       extract2d(rewriter, loc, gate, row, col)));
            return v;
          };
          Value sumSq = k.blockSum(tid, group, [&](Value ch) -> Value {
            Value v = input(ch);
            return arith::MulFOp::create(rewriter, loc, v, v);
          });
          Value inv = math::RsqrtOp::create(
              rewriter, loc,
              arith::AddFOp::create(
                  rewriter, loc,
                  arith::DivFOp::create(rewriter, loc, sumSq,
                                        k.f(static_cast<double>(group))),
                  k.f(eps)));
          k.writeRow(tid, group, out, row, first, [&](Value ch) -> Value {
            Value w = tensor::ExtractOp::create(rewriter, loc, weight,
                                                ValueRange{k.add(first, ch)});
            if (offset != 0.0)
              w = arith::AddFOp::create(rewriter, loc, w, k.f(offset));
            return arith::MulFOp::create(
                rewriter, loc,
                arith::MulFOp::create(rewriter, loc, input(ch), inv), w);
          });
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GpuLayerNormLowering : OpConversionPattern<seq::LayerNormOp> {
  GpuLayerNormLowering(MLIRContext *ctx) : OpConversionPattern(ctx) {}

  LogicalResult
  matchAndRewrite(seq::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::gpu_norm) ||
        !seqc::whyNotGpuNorm(op).empty())
      return failure();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t channels = type.getShape().back();
    double eps = op.getEpsilon().convertToDouble();
    NormKernel k(rewriter, op);
    Value x = k.rows2d(adaptor.getInput());
    Value weight = adaptor.getWeight(), bias = adaptor.getBias();
    Location loc = op.getLoc();
    Value n = k.f(static_cast<double>(channels));
    Value result =
        k.launch(x, 1, type, [&](Value row, Value, Value tid, Value out) {
          auto at = [&](Value ch) {
            return extract2d(rewriter, loc, x, row, ch);
          };
          Value mean = arith::DivFOp::create(rewriter, loc,
                                             k.blockSum(tid, channels, at), n);
          // Biased variance from the centred values (two passes, as PyTorch).
          Value var = arith::DivFOp::create(
              rewriter, loc,
              k.blockSum(tid, channels,
                         [&](Value ch) -> Value {
                           Value d = arith::SubFOp::create(rewriter, loc,
                                                           at(ch), mean);
                           return arith::MulFOp::create(rewriter, loc, d, d);
                         }),
              n);
          Value inv = math::RsqrtOp::create(
              rewriter, loc,
              arith::AddFOp::create(rewriter, loc, var, k.f(eps)));
          k.writeRow(tid, channels, out, row, k.c(0), [&](Value ch) -> Value {
            Value y = arith::MulFOp::create(
                rewriter, loc,
                arith::SubFOp::create(rewriter, loc, at(ch), mean), inv);
            y = arith::MulFOp::create(
                rewriter, loc, y,
                tensor::ExtractOp::create(rewriter, loc, weight,
                                          ValueRange{ch}));
            if (bias)
              y = arith::AddFOp::create(
                  rewriter, loc, y,
                  tensor::ExtractOp::create(rewriter, loc, bias,
                                            ValueRange{ch}));
            return y;
          });
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void seqc::populateGpuNormLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<GpuRMSNormLowering, GpuLayerNormLowering>(patterns.getContext());
}

StringRef seqc::whyNotGpuNorm(Operation *op) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (ShapedType::isDynamic(type.getShape().back()))
    return "dynamic channels";
  if (!allF32(op))
    return "operands not f32";
  return "";
}
