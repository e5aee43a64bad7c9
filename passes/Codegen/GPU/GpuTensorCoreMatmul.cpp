//===- GpuTensorCoreMatmul.cpp - f32 contractions on tensor cores ---------===//
//
// Rewrites each host-level f32 contraction (a linalg op with one m, one n,
// one k and at most one batch dim: projections, batched products) into a
// gpu.launch whose warps multiply on tensor cores through the gpu dialect's
// warp-level matrix ops (WMMA; tf32 m16n16k8, sm_80 and later):
//   * a block of 4 warps computes a 64x64 tile of the output, each warp a
//     32x32 quarter held as 2x2 16x16 accumulator fragments;
//   * K advances 16 at a time: the block stages the A (64x16) and B (16x64)
//     tiles in shared memory, zero-filled past the edges, so any M, N, K
//     and any operand layout (PyTorch's [n, k] weights included) work;
//   * precision "tf32x3" (default) splits every value into a tf32 part and
//     a tf32 remainder and accumulates lo·hi + hi·lo + hi·hi (the 3xTF32
//     scheme CUTLASS uses for f32 GEMM): near-f32 accuracy at three
//     tensor-core products per step. "tf32" keeps hi·hi only (PyTorch's
//     allow_tf32 accuracy);
//   * the epilogue adds the tile to the output (linalg accumulates).
// Contractions nested in parallel loops (inside a future kernel) are left
// to the generic mapping. Decode-sized ones (a static M of at most 8, W
// contiguous along k) take the warp-per-column kernel of GpuGemv.cpp.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuContraction.h"
#include "passes/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace seqc {
#define GEN_PASS_DEF_GPUTENSORCOREMATMUL
#include "passes/Codegen/GPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

constexpr int64_t kTileM = 64, kTileN = 64, kTileK = 16;
constexpr int64_t kWarpTile = 32; // each warp: 32x32 of the block's tile
constexpr int64_t kThreads = 128; // 4 warps, 2x2 over the tile
constexpr int64_t kFragM = 16, kFragN = 16, kFragK = 8; // tf32 WMMA shape
// Rows padded by 4 floats: 16-byte multiples (WMMA's leading-dimension
// rule) that also spread a column's elements over the shared-memory banks.
constexpr int64_t kLdA = kTileK + 4, kLdB = kTileN + 4, kLdC = kTileN + 4;
// tf32 keeps the sign, the exponent and 10 mantissa bits.
constexpr int32_t kTf32Mask = static_cast<int32_t>(0xFFFFE000u);

using seqc::gpu::Contraction;

std::optional<Contraction> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  // Inside a parallel loop the contraction is part of some kernel's body.
  if (op->getParentOfType<scf::ParallelOp>() ||
      op->getParentOfType<scf::ForallOp>() ||
      op->getParentOfType<gpu::LaunchOp>())
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
  }
  Value out = op.getDpsInits()[0];
  if (op.getDpsInputs()[0] == out || op.getDpsInputs()[1] == out)
    return std::nullopt;
  if (!linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() > 1 ||
      op.getNumLoops() != 3 + dims->batch.size())
    return std::nullopt;
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
  Contraction c;
  c.op = op;
  if (!dims->batch.empty())
    c.batch = dims->batch.front();
  c.m = dims->m.front();
  c.n = dims->n.front();
  c.k = dims->k.front();
  return c;
}

/// Builds the kernel of one contraction (see the file comment).
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, linalg::LinalgOp op,
                const Contraction &dims, bool split)
      : b(b), loc(loc), op(op), dims(dims), split(split) {}

  void build() {
    SmallVector<Range> ranges = op.createLoopRanges(b, loc);
    auto size = [&](unsigned d) {
      return getValueOrCreateConstantIndexOp(b, loc, ranges[d].size);
    };
    sizeM = size(dims.m);
    sizeN = size(dims.n);
    sizeK = size(dims.k);
    sizeBatch = dims.batch ? size(*dims.batch) : Value();

    // Never a zero-sized grid (an invalid launch): empty problems get one
    // block whose every access is out of bounds.
    auto blocks = [&](Value extent, int64_t tile) {
      Value tiles = arith::CeilDivUIOp::create(b, loc, extent, cst(tile));
      return arith::MaxUIOp::create(b, loc, tiles, cst(1)).getResult();
    };
    Value gridZ =
        sizeBatch
            ? arith::MaxUIOp::create(b, loc, sizeBatch, cst(1)).getResult()
            : cst(1);
    Attribute shared = gpu::AddressSpaceAttr::get(b.getContext(),
                                                  gpu::AddressSpace::Workgroup);
    Type f32 = b.getF32Type();
    auto sharedType = [&](int64_t rows, int64_t cols) {
      return MemRefType::get({rows, cols}, f32, MemRefLayoutAttrInterface(),
                             shared);
    };
    SmallVector<Type> buffers = {sharedType(kTileM, kLdA),
                                 sharedType(kTileK, kLdB),
                                 sharedType(kTileM, kLdC)};
    if (split) {
      buffers.push_back(sharedType(kTileM, kLdA));
      buffers.push_back(sharedType(kTileK, kLdB));
    }
    auto launch = gpu::LaunchOp::create(
        b, loc, blocks(sizeN, kTileN), blocks(sizeM, kTileM), gridZ,
        cst(kThreads), cst(1), cst(1), /*dynamicSharedMemorySize=*/nullptr,
        /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{}, buffers);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    ArrayRef<BlockArgument> wg = launch.getWorkgroupAttributions();
    aHi = wg[0];
    bHi = wg[1];
    cTile = wg[2];
    if (split) {
      aLo = wg[3];
      bLo = wg[4];
    }
    tid = launch.getThreadIds().x;
    tileN0 = mul(launch.getBlockIds().x, cst(kTileN));
    tileM0 = mul(launch.getBlockIds().y, cst(kTileM));
    batch = launch.getBlockIds().z;
    Value warp = div(tid, 32);
    warpM0 = mul(div(warp, 2), cst(kWarpTile));
    warpN0 = mul(rem(warp, 2), cst(kWarpTile));

    emitBody();
    gpu::TerminatorOp::create(b, loc);
  }

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, cst(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, cst(y));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value below(Value x, Value bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, bound);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }

  /// The in-bounds test plus the batch dim, shared by every access.
  Value withBatch(Value inBounds) {
    return sizeBatch ? both(inBounds, below(batch, sizeBatch)) : inBounds;
  }

  /// `value` truncated to tf32 (low 13 mantissa bits cleared).
  Value toTf32(Value value) {
    Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), value);
    Value mask =
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), kTf32Mask);
    Value hi = arith::AndIOp::create(b, loc, bits, mask);
    return arith::BitcastOp::create(b, loc, b.getF32Type(), hi);
  }

  /// Copies a rows x cols tile of operand `operandIndex` into `hi` (and its
  /// remainder into `lo`), zero outside the operand. `rowDim`/`colDim` are
  /// the loop dims along the tile's rows and columns, starting at
  /// `row0`/`col0` with extents `rowSize`/`colSize`.
  void stageTile(unsigned operandIndex, unsigned rowDim, Value row0,
                 Value rowSize, int64_t rows, unsigned colDim, Value col0,
                 Value colSize, int64_t cols, Value hi, Value lo) {
    bool colsFastest = seqc::gpu::innermostLoopDim(op, operandIndex) == colDim;
    Value source = op->getOperand(operandIndex);
    for (int64_t i = 0; i < rows * cols / kThreads; ++i) {
      Value e = add(tid, cst(i * kThreads));
      Value r = colsFastest ? div(e, cols) : rem(e, rows);
      Value c = colsFastest ? rem(e, cols) : div(e, rows);
      SmallVector<Value> at(op.getNumLoops());
      at[rowDim] = add(row0, r);
      at[colDim] = add(col0, c);
      if (dims.batch)
        at[*dims.batch] = batch;
      Value inBounds = withBatch(
          both(below(at[rowDim], rowSize), below(at[colDim], colSize)));
      auto read = scf::IfOp::create(
          b, loc, inBounds,
          [&](OpBuilder &nb, Location nl) {
            Value v = memref::LoadOp::create(
                nb, nl, source,
                seqc::gpu::operandIndices(op, operandIndex, at));
            scf::YieldOp::create(nb, nl, v);
          },
          [&](OpBuilder &nb, Location nl) {
            Value zero =
                arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(0));
            scf::YieldOp::create(nb, nl, zero);
          });
      Value value = read.getResult(0);
      Value high = toTf32(value);
      memref::StoreOp::create(b, loc, high, hi, ValueRange{r, c});
      if (lo) {
        Value rest = arith::SubFOp::create(b, loc, value, high);
        memref::StoreOp::create(b, loc, toTf32(rest), lo, ValueRange{r, c});
      }
    }
  }

  Value loadFragment(Value tile, Value row, Value col, int64_t ld,
                     gpu::MMAMatrixType type) {
    return gpu::SubgroupMmaLoadMatrixOp::create(
        b, loc, type, tile, ValueRange{row, col}, b.getIndexAttr(ld),
        /*transpose=*/nullptr);
  }

  void emitBody() {
    Type f32 = b.getF32Type();
    auto aType = gpu::MMAMatrixType::get({kFragM, kFragK}, f32, "AOp");
    auto bType = gpu::MMAMatrixType::get({kFragK, kFragN}, f32, "BOp");
    auto cType = gpu::MMAMatrixType::get({kFragM, kFragN}, f32, "COp");
    constexpr int64_t frags = kWarpTile / kFragM; // 2x2 per warp
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    SmallVector<Value> init(
        frags * frags,
        gpu::SubgroupMmaConstantMatrixOp::create(b, loc, cType, zero));

    auto kLoop = scf::ForOp::create(
        b, loc, cst(0), sizeK, cst(kTileK), init,
        [&](OpBuilder &nb, Location, Value k0, ValueRange accIn) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          // A: rows m, columns k; B: rows k, columns n.
          stageTile(0, dims.m, tileM0, sizeM, kTileM, dims.k, k0, sizeK, kTileK,
                    aHi, aLo);
          stageTile(1, dims.k, k0, sizeK, kTileK, dims.n, tileN0, sizeN, kTileN,
                    bHi, bLo);
          gpu::BarrierOp::create(b, loc);
          SmallVector<Value> acc(accIn);
          for (int64_t kk = 0; kk < kTileK; kk += kFragK) {
            SmallVector<Value> aHiF, aLoF, bHiF, bLoF;
            for (int64_t i = 0; i < frags; ++i) {
              Value row = add(warpM0, cst(i * kFragM));
              aHiF.push_back(loadFragment(aHi, row, cst(kk), kLdA, aType));
              if (split)
                aLoF.push_back(loadFragment(aLo, row, cst(kk), kLdA, aType));
            }
            for (int64_t j = 0; j < frags; ++j) {
              Value col = add(warpN0, cst(j * kFragN));
              bHiF.push_back(loadFragment(bHi, cst(kk), col, kLdB, bType));
              if (split)
                bLoF.push_back(loadFragment(bLo, cst(kk), col, kLdB, bType));
            }
            auto mma = [&](Value x, Value y, Value c) -> Value {
              return gpu::SubgroupMmaComputeOp::create(b, loc, cType, x, y, c,
                                                       nullptr, nullptr);
            };
            for (int64_t i = 0; i < frags; ++i)
              for (int64_t j = 0; j < frags; ++j) {
                Value &c = acc[i * frags + j];
                // Small terms first, so they are not lost against hi·hi.
                if (split) {
                  c = mma(aLoF[i], bHiF[j], c);
                  c = mma(aHiF[i], bLoF[j], c);
                }
                c = mma(aHiF[i], bHiF[j], c);
              }
          }
          // The next step overwrites the tiles other warps may still read.
          gpu::BarrierOp::create(b, loc);
          scf::YieldOp::create(b, loc, acc);
        });

    for (int64_t i = 0; i < frags; ++i)
      for (int64_t j = 0; j < frags; ++j)
        gpu::SubgroupMmaStoreMatrixOp::create(
            b, loc, kLoop.getResult(i * frags + j), cTile,
            ValueRange{add(warpM0, cst(i * kFragM)),
                       add(warpN0, cst(j * kFragN))},
            b.getIndexAttr(kLdC), /*transpose=*/nullptr);
    gpu::BarrierOp::create(b, loc);

    // out += tile, threads stepping along the output's innermost dim.
    bool nFastest = seqc::gpu::innermostLoopDim(op, 2) == dims.n;
    Value out = op.getDpsInits()[0];
    scf::ForOp::create(
        b, loc, cst(0), cst(kTileM * kTileN / kThreads), cst(1), ValueRange{},
        [&](OpBuilder &nb, Location, Value i, ValueRange) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          Value e = add(tid, mul(i, cst(kThreads)));
          Value r = nFastest ? div(e, kTileN) : rem(e, kTileM);
          Value c = nFastest ? rem(e, kTileN) : div(e, kTileM);
          SmallVector<Value> at(op.getNumLoops());
          at[dims.m] = add(tileM0, r);
          at[dims.n] = add(tileN0, c);
          at[dims.k] = Value();
          if (dims.batch)
            at[*dims.batch] = batch;
          Value inBounds = withBatch(
              both(below(at[dims.m], sizeM), below(at[dims.n], sizeN)));
          scf::IfOp::create(b, loc, inBounds, [&](OpBuilder &tb, Location tl) {
            SmallVector<Value> indices = seqc::gpu::operandIndices(op, 2, at);
            Value old = memref::LoadOp::create(tb, tl, out, indices);
            Value sum = memref::LoadOp::create(tb, tl, cTile, ValueRange{r, c});
            Value result = arith::AddFOp::create(tb, tl, old, sum);
            memref::StoreOp::create(tb, tl, result, out, indices);
            scf::YieldOp::create(tb, tl);
          });
          scf::YieldOp::create(b, loc);
        });
  }

  OpBuilder &b;
  Location loc;
  linalg::LinalgOp op;
  Contraction dims;
  bool split;
  Value sizeM, sizeN, sizeK, sizeBatch;
  Value aHi, aLo, bHi, bLo, cTile;
  Value tid, tileM0, tileN0, batch, warpM0, warpN0;
};

struct GpuTensorCoreMatmulPass
    : seqc::impl::GpuTensorCoreMatmulBase<GpuTensorCoreMatmulPass> {
  using GpuTensorCoreMatmulBase::GpuTensorCoreMatmulBase;

  void runOnOperation() override {
    if (precision != "tf32x3" && precision != "tf32") {
      getOperation().emitError("seq-gpu-tensor-core-matmul: precision must "
                               "be tf32x3 or tf32, not '")
          << precision << "'";
      return signalPassFailure();
    }
    SmallVector<Contraction> work;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<Contraction> dims = matchContraction(op))
        work.push_back(*dims);
    });
    for (Contraction &dims : work) {
      OpBuilder b(dims.op);
      // Decode-sized products read W once, a warp per output column.
      if (seqc::gpu::gemvApplies(dims))
        seqc::gpu::buildGemvKernel(b, dims);
      else
        KernelBuilder(b, dims.op.getLoc(), dims.op, dims, precision == "tf32x3")
            .build();
      dims.op->erase();
    }
  }
};

} // namespace
