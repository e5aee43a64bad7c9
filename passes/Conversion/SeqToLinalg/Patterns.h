//===- Patterns.h - seq-to-linalg pattern families --------------*- C++ -*-===//
//
// The target-neutral lowering of every seq op, one op family per file. The
// passes that lower for a target (convert-seq-to-linalg here; the CPU and
// GPU ones under passes/Codegen/) gather these with their own kernels and
// the target's Contractions.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CONVERSION_SEQTOLINALG_PATTERNS_H
#define SEQC_PASSES_CONVERSION_SEQTOLINALG_PATTERNS_H

#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

namespace seqc {

/// activation, glu, softmax, embedding, linear, rmsnorm, layernorm, rope,
/// moe (projections through `contractions`).
void populateChannelMixerLoweringPatterns(
    mlir::RewritePatternSet &patterns,
    const lowering::Contractions &contractions);

/// Each family's patterns take the ops whose #seq.lowering names their form
/// (LoweringStrategy.h) and read their sizes from it.

/// attention `reference` (with its mask algebra and modifier regions),
/// materialising the scores: the reference semantics.
void populateAttentionLoweringPatterns(mlir::RewritePatternSet &patterns);

/// attention `flash`: online softmax over key tiles, no score matrix, key
/// loop bounded by the mask.
void populateFlashAttentionLoweringPatterns(mlir::RewritePatternSet &patterns);

/// selective_scan `tiled` over (batch, channel tile), each tile running its
/// own time loop on threads.
void populateTiledScanLoweringPatterns(mlir::RewritePatternSet &patterns);

/// ssd `chunked`: the state-space-duality form (matmuls within chunks).
void populateChunkedSSDLoweringPatterns(
    mlir::RewritePatternSet &patterns,
    const lowering::Contractions &contractions);

/// linear_attention `chunked` without per-channel gates, through the
/// chunked SSD scan.
void populateLinearAttentionAsSSDPatterns(
    mlir::RewritePatternSet &patterns,
    const lowering::Contractions &contractions);

/// linear_attention `chunked` with per-channel gates (GLA), chunkwise.
void populateChunkedGLALoweringPatterns(
    mlir::RewritePatternSet &patterns,
    const lowering::Contractions &contractions);

/// seq.delta_rule with #seq.lowering<chunked>: the chunkwise (WY) form.
void populateChunkedDeltaRuleLoweringPatterns(
    mlir::RewritePatternSet &patterns,
    const lowering::Contractions &contractions);

/// seq.mlstm with #seq.lowering<chunked>: the chunkwise form.
void populateChunkedMlstmLoweringPatterns(
    mlir::RewritePatternSet &patterns,
    const lowering::Contractions &contractions);

/// selective_scan, ssd, linear_attention `reference` (step by step);
/// causal_conv1d.
void populateRecurrenceLoweringPatterns(mlir::RewritePatternSet &patterns);

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_PATTERNS_H
