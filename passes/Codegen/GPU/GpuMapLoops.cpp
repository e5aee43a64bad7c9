//===- GpuMapLoops.cpp - loops onto GPU blocks and threads ----------------===//
//
// After bufferization every op is loops over memrefs. This pass decides
// what each GPU kernel is and how it is mapped, so that
// convert-parallel-loops-to-gpu turns every piece of work into a kernel:
//   * code on the host that touches buffer contents (a reduction whose
//     dims are all reductions is an scf.for nest; a single store) goes
//     into a one-iteration scf.parallel: a one-thread kernel;
//   * every outermost scf.parallel is tiled by [1, ..., 1, threads]: the
//     tile loop's dims become the grid (x, y, z; further dims loop inside
//     each block) and the innermost dim's tile the threads, so neighbouring
//     threads touch neighbouring elements;
//   * memref.copy becomes a loop nest first, so copies are kernels too;
//   * a scalar read on the host only for kernels is read in each kernel;
//   * loops nested deeper run sequentially inside a thread, rewritten as
//     scf.for (convert-parallel-loops-to-gpu refuses a nested scf.parallel
//     after any side effect).
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace seqc {
#define GEN_PASS_DEF_GPUMAPLOOPS
#include "passes/Codegen/GPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

/// `loop` (no reductions) as a nest of scf.for with the same body.
void sequentialize(scf::ParallelOp loop) {
  IRRewriter rewriter(loop);
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> ivs;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    auto forOp = scf::ForOp::create(rewriter, loop.getLoc(), lb, ub, step);
    ivs.push_back(forOp.getInductionVar());
    rewriter.setInsertionPointToStart(forOp.getBody());
  }
  Block *body = loop.getBody();
  rewriter.eraseOp(body->getTerminator());
  rewriter.inlineBlockBefore(body, rewriter.getInsertionBlock(),
                             rewriter.getInsertionPoint(), ivs);
  rewriter.eraseOp(loop);
}

/// Reads or writes buffer contents (allocation, deallocation and copies
/// stay on the host as device-memory management).
bool touchesBufferContents(Operation *op) {
  if (isa<memref::LoadOp, memref::StoreOp>(op))
    return true;
  if (op->getNumRegions() == 0)
    return false;
  bool touches = false;
  op->walk([&](Operation *inner) {
    if (inner != op && isa<memref::LoadOp, memref::StoreOp>(inner))
      touches = true;
  });
  return touches;
}

/// Host-side ops in `block` that touch buffer contents and contain no
/// parallel loop (ops that do stay on the host and launch kernels; their
/// regions are searched in turn).
void collectHostWork(Block &block, SmallVectorImpl<Operation *> &work) {
  for (Operation &op : block) {
    // Parallel loops become kernels; a gpu.launch already is one.
    if (isa<scf::ParallelOp, gpu::LaunchOp>(op))
      continue;
    bool hasParallel = false;
    op.walk([&](Operation *inner) {
      if (isa<scf::ParallelOp, gpu::LaunchOp>(inner))
        hasParallel = true;
    });
    if (hasParallel) {
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          collectHostWork(inner, work);
      continue;
    }
    // Ops with results (a load feeding host control flow) cannot move into
    // a kernel; seq-gpu-device-memory reports them.
    if (op.getNumResults() == 0 && touchesBufferContents(&op))
      work.push_back(&op);
  }
}

/// memref.copy as a parallel loop nest of loads and stores: on the host it
/// becomes a kernel like any other loop (strided views included, which
/// gpu.memcpy cannot copy), inside a kernel plain loads and stores (the
/// LLVM lowering would call the host's memrefCopy).
void copyAsLoops(memref::CopyOp copy) {
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  auto type = cast<MemRefType>(copy.getSource().getType());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    lbs.push_back(zero);
    steps.push_back(one);
    ubs.push_back(memref::DimOp::create(b, loc, copy.getSource(), d));
  }
  if (type.getRank() == 0) {
    Value v = memref::LoadOp::create(b, loc, copy.getSource());
    memref::StoreOp::create(b, loc, v, copy.getTarget());
  } else {
    scf::ParallelOp::create(
        b, loc, lbs, ubs, steps,
        [&](OpBuilder &nb, Location nl, ValueRange ivs) {
          Value v = memref::LoadOp::create(nb, nl, copy.getSource(), ivs);
          memref::StoreOp::create(nb, nl, v, copy.getTarget(), ivs);
        });
  }
  copy.erase();
}

/// Writes to `buffer` (the same value) anywhere in `op`.
bool writes(Operation *op, Value buffer) {
  bool found = false;
  op->walk([&](memref::StoreOp store) {
    if (store.getMemRef() == buffer)
      found = true;
  });
  return found;
}

/// A host-side value only kernels use (a reduced scalar read back and the
/// arithmetic on it) is recomputed at the start of each user loop, reading
/// device memory on the device. A load stays on the host (and is reported
/// later) when any op between it and a user loop stores to its buffer.
void sinkIntoLoops(Operation *op) {
  auto load = dyn_cast<memref::LoadOp>(op);
  bool pure = isMemoryEffectFree(op) && op->getNumRegions() == 0;
  if ((!load && !pure) || op->getNumResults() == 0 ||
      op->getParentOfType<scf::ParallelOp>() || op->use_empty())
    return;
  SmallVector<scf::ParallelOp> loops;
  for (Operation *user : op->getUsers()) {
    scf::ParallelOp outer = user->getParentOfType<scf::ParallelOp>();
    if (!outer)
      return;
    while (auto parent = outer->getParentOfType<scf::ParallelOp>())
      outer = parent;
    if (outer->getBlock() != op->getBlock() || outer->isBeforeInBlock(op))
      return;
    if (!llvm::is_contained(loops, outer))
      loops.push_back(outer);
  }
  if (load)
    for (scf::ParallelOp loop : loops)
      for (Operation *o = op->getNextNode(); o != loop; o = o->getNextNode())
        if (writes(o, load.getMemRef()))
          return;
  for (scf::ParallelOp loop : loops) {
    OpBuilder b = OpBuilder::atBlockBegin(loop.getBody());
    Operation *copy = b.clone(*op);
    for (auto [from, to] : llvm::zip(op->getResults(), copy->getResults()))
      from.replaceUsesWithIf(to, [&](OpOperand &use) {
        return loop->isProperAncestor(use.getOwner());
      });
  }
  if (op->use_empty())
    op->erase();
}

/// `op` inside a one-iteration scf.parallel.
void wrapInSingleIteration(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ParallelOp::create(b, loc, ValueRange{zero}, ValueRange{one},
                                      ValueRange{one});
  op->moveBefore(loop.getBody()->getTerminator());
}

gpu::ParallelLoopDimMappingAttr mapTo(MLIRContext *ctx,
                                      gpu::Processor processor) {
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, ctx);
  return gpu::ParallelLoopDimMappingAttr::get(ctx, processor, identity,
                                              identity);
}

struct GpuMapLoopsPass : seqc::impl::GpuMapLoopsBase<GpuMapLoopsPass> {
  using GpuMapLoopsBase::GpuMapLoopsBase;

  void runOnOperation() override {
    if (threads < 1) {
      getOperation().emitError("seq-gpu-map-loops: threads must be >= 1");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies)
      copyAsLoops(copy);
    SmallVector<Operation *> hostWork;
    for (Block &block : getOperation().getBody())
      collectHostWork(block, hostWork);
    for (Operation *op : hostWork)
      wrapInSingleIteration(op);
    // Last use first, so chains (load, then arithmetic on it) sink whole.
    SmallVector<Operation *> hostValues;
    getOperation().walk([&](Operation *op) {
      if (isa<memref::LoadOp>(op) || isMemoryEffectFree(op))
        hostValues.push_back(op);
    });
    for (Operation *op : llvm::reverse(hostValues))
      sinkIntoLoops(op);

    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : outermost) {
      if (loop.getNumResults() != 0) {
        loop.emitError("seq-gpu-map-loops: parallel loops with reductions "
                       "are not mapped to the GPU yet");
        return signalPassFailure();
      }
      // Threads: `threads`, or the innermost trip count when it is static
      // and smaller (a one-thread kernel stays one thread).
      SmallVector<int64_t> sizes(loop.getNumLoops(), 1);
      sizes.back() = threads;
      std::optional<int64_t> lb = getConstantIntValue(
                                 loop.getLowerBound().back()),
                             ub = getConstantIntValue(
                                 loop.getUpperBound().back()),
                             step = getConstantIntValue(loop.getStep().back());
      if (lb && ub && step && *step > 0)
        sizes.back() = std::max<int64_t>(
            1, std::min<int64_t>(threads, (*ub - *lb + *step - 1) / *step));
      // Min/max bounds keep the last, partial block in range.
      auto [grid, block] =
          scf::tileParallelLoop(loop, sizes, /*noMinMaxBounds=*/false);
      SmallVector<scf::ParallelOp> nested;
      block.getBody()->walk(
          [&](scf::ParallelOp inner) { nested.push_back(inner); });
      for (scf::ParallelOp inner : nested) {
        if (inner.getNumResults() != 0) {
          inner.emitError("seq-gpu-map-loops: parallel loops with "
                          "reductions are not mapped to the GPU yet");
          return signalPassFailure();
        }
        sequentialize(inner);
      }
      // Grid: the tile loop's first three dims; threads: the innermost
      // dim's tile (the other dims have tile size 1).
      SmallVector<gpu::ParallelLoopDimMappingAttr> gridMap, blockMap;
      for (unsigned d = 0, e = grid.getNumLoops(); d < e; ++d) {
        gridMap.push_back(
            mapTo(ctx, d < 3 ? static_cast<gpu::Processor>(
                                   static_cast<int>(gpu::Processor::BlockX) + d)
                             : gpu::Processor::Sequential));
        blockMap.push_back(mapTo(ctx, d + 1 == e ? gpu::Processor::ThreadX
                                                 : gpu::Processor::Sequential));
      }
      if (failed(gpu::setMappingAttr(grid, gridMap)) ||
          failed(gpu::setMappingAttr(block, blockMap)))
        return signalPassFailure();
    }
    // Tiling wrote steps as muli of constants and thread counts as
    // affine.min over them; folded, the min shows the constant bound
    // convert-parallel-loops-to-gpu sizes the block with. (Only these ops:
    // canonicalizing the loops themselves would drop their mapping.)
    SmallVector<Operation *> boundOps;
    getOperation().walk([&](Operation *op) {
      if (isa<arith::MulIOp, affine::AffineMinOp>(op))
        boundOps.push_back(op);
    });
    RewritePatternSet patterns(ctx);
    affine::AffineMinOp::getCanonicalizationPatterns(patterns, ctx);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    (void)applyOpPatternsGreedily(boundOps, std::move(patterns), config);
  }
};

} // namespace
