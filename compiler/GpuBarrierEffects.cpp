//===- GpuBarrierEffects.cpp - gpu.barrier orders memory ------------------===//
//
// gpu.barrier declares no memory effects, so passes that must know every
// op's effects refuse it: the buffer deallocation pipeline stops with "ops
// with unknown memory side effects are not supported" on kernels built
// before bufferization (the GPU attention and norm kernels). A barrier
// makes the block's earlier writes visible to its later reads: it reads and
// writes memory, and says so here.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {

struct BarrierEffects
    : MemoryEffectOpInterface::ExternalModel<BarrierEffects, gpu::BarrierOp> {
  void
  getEffects(Operation *,
             SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
                 &effects) const {
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

} // namespace

void seqc::registerGpuBarrierEffects(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, gpu::GPUDialect *) {
    gpu::BarrierOp::attachInterface<BarrierEffects>(*ctx);
  });
}
