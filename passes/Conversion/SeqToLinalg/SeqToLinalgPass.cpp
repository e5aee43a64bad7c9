//===- SeqToLinalgPass.cpp - the convert-seq-to-linalg pass ---------------===//
//
// The target-neutral lowering: every seq op to linalg/scf/tensor on tensors
// with no target kernels (Contractions' generic products). The CPU and GPU
// lowerings (passes/Codegen/) add their kernels to the same patterns.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"
#include "passes/Conversion/SeqToLinalg/Patterns.h"

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace seqc {
#define GEN_PASS_DEF_CONVERTSEQTOLINALG
#include "passes/Conversion/Passes.h.inc"
} // namespace seqc

using namespace mlir;

void seqc::populateSeqToLinalgPatterns(
    RewritePatternSet &patterns, const SeqToLinalgPatternOptions &options,
    const lowering::Contractions &contractions) {
  populateChannelMixerLoweringPatterns(patterns, contractions);
  if (options.flashAttention)
    populateFlashAttentionLoweringPatterns(patterns, options.queryTile,
                                           options.keyTile);
  else
    populateAttentionLoweringPatterns(patterns);
  // The tiled and chunked forms have the higher benefit; the step-by-step
  // one remains for the other recurrences (and all of them when not tiled).
  if (options.tiledScans) {
    populateTiledScanLoweringPatterns(patterns, options.channelTile);
    populateChunkedSSDLoweringPatterns(patterns, options.ssdChunk,
                                       contractions);
    populateLinearAttentionAsSSDPatterns(patterns, options.ssdChunk,
                                         contractions);
    populateChunkedGLALoweringPatterns(patterns, /*defaultChunk=*/16,
                                       contractions);
  }
  populateRecurrenceLoweringPatterns(patterns);
}

LogicalResult seqc::applySeqLowering(Operation *root,
                                     RewritePatternSet &&patterns) {
  ConversionTarget target(*root->getContext());
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         math::MathDialect, scf::SCFDialect,
                         tensor::TensorDialect, vector::VectorDialect>();
  target.addIllegalDialect<seqc::seq::SeqDialect>();
  // Weights are bound by the entry-point export, which runs before; any
  // left are reported there. Yields disappear with their attention op.
  target.addLegalOp<seqc::seq::WeightOp, seqc::seq::YieldOp>();
  target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
  return applyPartialConversion(root, target, std::move(patterns));
}

LogicalResult seqc::checkScanOption(Operation *root, StringRef pass,
                                    StringRef scan) {
  if (scan == "tiled" || scan == "reference")
    return success();
  return root->emitError(pass) << ": unknown scan lowering '" << scan
                               << "' (tiled, reference)";
}

namespace {
struct ConvertSeqToLinalgPass
    : seqc::impl::ConvertSeqToLinalgBase<ConvertSeqToLinalgPass> {
  using ConvertSeqToLinalgBase::ConvertSeqToLinalgBase;

  void runOnOperation() override {
    if (attention != "flash" && attention != "reference") {
      getOperation().emitError("convert-seq-to-linalg: unknown attention "
                               "lowering '")
          << attention << "' (flash, reference)";
      return signalPassFailure();
    }
    if (failed(seqc::checkScanOption(getOperation(), getArgument(), scan)))
      return signalPassFailure();
    if (queryTile < 1 || keyTile < 1 || channelTile < 1 || ssdChunk < 1) {
      getOperation().emitError("convert-seq-to-linalg: tiles must be >= 1");
      return signalPassFailure();
    }
    seqc::SeqToLinalgPatternOptions options;
    options.flashAttention = attention == "flash";
    options.queryTile = queryTile;
    options.keyTile = keyTile;
    options.tiledScans = scan == "tiled";
    options.channelTile = channelTile;
    options.ssdChunk = ssdChunk;
    seqc::lowering::Contractions generic;
    RewritePatternSet patterns(&getContext());
    seqc::populateSeqToLinalgPatterns(patterns, options, generic);
    if (failed(seqc::applySeqLowering(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
