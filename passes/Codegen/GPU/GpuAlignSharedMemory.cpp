//===- GpuAlignSharedMemory.cpp - shared buffers aligned for matrix loads -===//
//
// Shared-memory buffers (workgroup attributions of gpu.func) become LLVM
// globals aligned only to their element type. The warp-level matrix loads
// (WMMA, ldmatrix) need 32-byte aligned addresses, so every attribution
// that does not say otherwise gets `llvm.align` = 128 (a cache line; costs
// at most a little padding in shared memory).
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace seqc {
#define GEN_PASS_DEF_GPUALIGNSHAREDMEMORY
#include "passes/Codegen/GPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

constexpr int64_t kSharedAlignment = 128;

struct GpuAlignSharedMemoryPass
    : seqc::impl::GpuAlignSharedMemoryBase<GpuAlignSharedMemoryPass> {
  void runOnOperation() override {
    Builder b(&getContext());
    StringAttr name = b.getStringAttr(LLVM::LLVMDialect::getAlignAttrName());
    getOperation().walk([&](gpu::GPUFuncOp func) {
      for (unsigned i = 0, e = func.getNumWorkgroupAttributions(); i < e; ++i)
        if (!func.getWorkgroupAttributionAttr(i, name))
          func.setWorkgroupAttributionAttr(
              i, name, b.getI64IntegerAttr(kSharedAlignment));
    });
  }
};

} // namespace
