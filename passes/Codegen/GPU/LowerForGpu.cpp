//===- LowerForGpu.cpp - the seq-lower-for-gpu pass -----------------------===//
//
// GPU kernels for the ops and shapes they apply to (a higher benefit), the
// target-neutral lowering with generic products for the rest; the GPU
// pipeline maps those loops onto blocks and threads afterwards.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuKernels.h"
#include "passes/Codegen/GPU/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace seqc {
#define GEN_PASS_DEF_LOWERFORGPU
#include "passes/Codegen/GPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {
struct LowerForGpuPass : seqc::impl::LowerForGpuBase<LowerForGpuPass> {
  using LowerForGpuBase::LowerForGpuBase;

  void runOnOperation() override {
    if (attention != "flash" && attention != "reference") {
      getOperation().emitError("seq-lower-for-gpu: unknown attention "
                               "lowering '")
          << attention << "' (flash, reference)";
      return signalPassFailure();
    }
    if (failed(seqc::checkScanOption(getOperation(), getArgument(), scan)))
      return signalPassFailure();
    if (channelTile < 1 || ssdChunk < 1) {
      getOperation().emitError("seq-lower-for-gpu: tiles must be >= 1");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    seqc::populateGpuFlashAttentionLoweringPatterns(patterns);
    seqc::populateGpuSelectiveScanLoweringPatterns(patterns);
    seqc::populateGpuSSDLoweringPatterns(patterns);
    seqc::populateGpuNormLoweringPatterns(patterns);
    seqc::SeqToLinalgPatternOptions options;
    options.flashAttention = attention == "flash";
    options.tiledScans = scan == "tiled";
    options.channelTile = channelTile;
    options.ssdChunk = ssdChunk;
    seqc::lowering::Contractions generic;
    seqc::populateSeqToLinalgPatterns(patterns, options, generic);
    if (failed(seqc::applySeqLowering(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
