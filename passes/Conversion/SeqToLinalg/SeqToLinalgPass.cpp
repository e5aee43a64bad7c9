//===- SeqToLinalgPass.cpp - the convert-seq-to-linalg pass ---------------===//

#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"
#include "passes/Conversion/SeqToLinalg/Patterns.h"

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace seqc {
#define GEN_PASS_DEF_CONVERTSEQTOLINALG
#include "passes/Conversion/Passes.h.inc"
} // namespace seqc

using namespace mlir;

void seqc::populateSeqToLinalgPatterns(RewritePatternSet &patterns,
                                       StringRef attention, int64_t queryTile,
                                       int64_t keyTile, bool tiledScan,
                                       int64_t channelTile, int64_t kvSplits,
                                       int64_t scanSegments, int64_t ssdChunk) {
  populateChannelMixerLoweringPatterns(patterns);
  if (attention == "flash")
    populateVectorFlashAttentionLoweringPatterns(patterns, queryTile, keyTile,
                                                 kvSplits);
  if (attention == "flash" || attention == "flash-generic")
    populateFlashAttentionLoweringPatterns(
        patterns, queryTile > 0 ? queryTile : 16, keyTile);
  else
    populateAttentionLoweringPatterns(patterns);
  // The tiled scan pattern has the higher benefit; the step-by-step one
  // remains for the other recurrences (and selective_scan when not tiled).
  if (tiledScan) {
    populateTiledScanLoweringPatterns(patterns, channelTile, scanSegments);
    populateChunkedSSDLoweringPatterns(patterns, ssdChunk);
    populateLinearAttentionAsSSDPatterns(patterns, ssdChunk);
    populateChunkedGLALoweringPatterns(patterns, /*defaultChunk=*/16);
  }
  populateRecurrenceLoweringPatterns(patterns);
}

namespace {
struct ConvertSeqToLinalgPass
    : seqc::impl::ConvertSeqToLinalgBase<ConvertSeqToLinalgPass> {
  using ConvertSeqToLinalgBase::ConvertSeqToLinalgBase;

  void runOnOperation() override {
    if (attention != "flash" && attention != "flash-generic" &&
        attention != "reference") {
      getOperation().emitError("convert-seq-to-linalg: unknown attention "
                               "lowering '")
          << attention << "' (flash, flash-generic, reference)";
      return signalPassFailure();
    }
    if (scan != "tiled" && scan != "reference") {
      getOperation().emitError("convert-seq-to-linalg: unknown scan lowering '")
          << scan << "' (tiled, reference)";
      return signalPassFailure();
    }
    if (queryTile < 0 || keyTile < 1 || channelTile < 1 || kvSplits < 1 ||
        scanSegments < 1 || ssdChunk < 1) {
      getOperation().emitError("convert-seq-to-linalg: tiles must be >= 1 "
                               "(query-tile 0: automatic)");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect, vector::VectorDialect>();
    target.addIllegalDialect<seqc::seq::SeqDialect>();
    // Weights are bound by the entry-point export, which runs before; any
    // left are reported there. Yields disappear with their attention op.
    target.addLegalOp<seqc::seq::WeightOp, seqc::seq::YieldOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    // GPU kernels where they apply (a higher benefit); the other lowerings
    // take the remaining ops and shapes.
    if (gpuKernels) {
      seqc::populateGpuFlashAttentionLoweringPatterns(patterns);
      seqc::populateGpuSelectiveScanLoweringPatterns(patterns);
      seqc::populateGpuSSDLoweringPatterns(patterns);
      seqc::populateGpuNormLoweringPatterns(patterns);
    }
    seqc::populateSeqToLinalgPatterns(patterns, attention, queryTile,
                                      keyTile, scan == "tiled", channelTile,
                                      kvSplits, scanSegments, ssdChunk);
    seqc::lowering::VectorKernelsOff scalarOnly(!vectorKernels);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
