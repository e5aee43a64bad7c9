//===- SeqToLinalgPass.cpp - the convert-seq-to-linalg pass ---------------===//
//
// The target-neutral lowering: every seq op to linalg/scf/tensor on tensors
// in the form its #seq.lowering names (the neutral strategy's where none is
// set), with Contractions' generic products. The CPU and GPU lowerings
// (passes/Codegen/) add their kernels to the same patterns.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringStrategy.h"
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
    RewritePatternSet &patterns, const lowering::Contractions &contractions) {
  populateChannelMixerLoweringPatterns(patterns, contractions);
  populateAttentionLoweringPatterns(patterns);
  populateFlashAttentionLoweringPatterns(patterns);
  populateTiledScanLoweringPatterns(patterns);
  populateChunkedSSDLoweringPatterns(patterns, contractions);
  populateLinearAttentionAsSSDPatterns(patterns, contractions);
  populateChunkedGLALoweringPatterns(patterns, contractions);
  populateChunkedDeltaRuleLoweringPatterns(patterns, contractions);
  populateChunkedMlstmLoweringPatterns(patterns, contractions);
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
  // left are reported there. Yields disappear with their attention op or
  // stay with their layer; layers are outlined or spliced after lowering.
  // Kernels leave prefetch hints for bufferization.
  target.addLegalOp<seqc::seq::WeightOp, seqc::seq::YieldOp, seqc::seq::LayerOp,
                    seqc::seq::PrefetchOp>();
  target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
  return applyPartialConversion(root, target, std::move(patterns));
}

namespace {
struct ConvertSeqToLinalgPass
    : seqc::impl::ConvertSeqToLinalgBase<ConvertSeqToLinalgPass> {
  using ConvertSeqToLinalgBase::ConvertSeqToLinalgBase;

  void runOnOperation() override {
    seqc::LoweringStrategy generic;
    if (failed(seqc::annotateLowerings(getOperation(), generic, {})))
      return signalPassFailure();
    seqc::lowering::Contractions products;
    RewritePatternSet patterns(&getContext());
    seqc::populateSeqToLinalgPatterns(patterns, products);
    if (failed(seqc::applySeqLowering(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
