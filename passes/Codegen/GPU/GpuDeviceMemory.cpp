//===- GpuDeviceMemory.cpp - host-side buffers become device buffers ------===//

#include "passes/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace seqc {
#define GEN_PASS_DEF_GPUDEVICEMEMORY
#include "passes/Codegen/GPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

bool onDevice(Operation *op) {
  return op->getParentOfType<gpu::LaunchOp>() ||
         op->getParentOfType<gpu::GPUFuncOp>();
}

struct GpuDeviceMemoryPass
    : seqc::impl::GpuDeviceMemoryBase<GpuDeviceMemoryPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    bool failed = false;
    getOperation().walk([&](Operation *op) {
      if (onDevice(op))
        return;
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            rewriter, loc, alloc.getType(), /*asyncToken=*/Type(),
            /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
            alloc.getSymbolOperands(), /*hostShared=*/false);
        rewriter.replaceOp(alloc, device.getMemref());
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        gpu::DeallocOp::create(rewriter, loc, /*asyncToken=*/Type(),
                               ValueRange(), dealloc.getMemref());
        rewriter.eraseOp(dealloc);
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        gpu::MemcpyOp::create(rewriter, loc, /*asyncToken=*/Type(),
                              ValueRange(), copy.getTarget(), copy.getSource());
        rewriter.eraseOp(copy);
      } else if (isa<memref::LoadOp, memref::StoreOp, memref::AllocaOp>(op)) {
        op->emitError("seq-gpu-device-memory: '")
            << op->getName()
            << "' outside a kernel would touch device memory on the host";
        failed = true;
      }
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
