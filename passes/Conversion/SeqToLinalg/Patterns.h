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

/// attention (with its mask algebra and modifier regions), materialising the
/// scores: the reference semantics.
void populateAttentionLoweringPatterns(mlir::RewritePatternSet &patterns);

/// attention tiled FlashAttention-style: online softmax over key tiles, no
/// score matrix, key loop bounded by the mask.
void populateFlashAttentionLoweringPatterns(mlir::RewritePatternSet &patterns,
                                            int64_t queryTile, int64_t keyTile);

/// selective_scan tiled over (batch, channel tile), each tile running its
/// own time loop on threads.
void populateTiledScanLoweringPatterns(mlir::RewritePatternSet &patterns,
                                       int64_t channelTile);

/// ssd in the chunked state-space-duality form (matmuls within chunks of
/// the op's chunk_size, or `defaultChunk`).
void populateChunkedSSDLoweringPatterns(
    mlir::RewritePatternSet &patterns, int64_t defaultChunk,
    const lowering::Contractions &contractions);

/// linear_attention without per-channel gates, lowered through the chunked
/// SSD scan (chunks of the op's chunk_size, or `defaultChunk`).
void populateLinearAttentionAsSSDPatterns(
    mlir::RewritePatternSet &patterns, int64_t defaultChunk,
    const lowering::Contractions &contractions);

/// linear_attention with per-channel gates (GLA) in its chunkwise form.
void populateChunkedGLALoweringPatterns(
    mlir::RewritePatternSet &patterns, int64_t defaultChunk,
    const lowering::Contractions &contractions);

/// selective_scan, ssd, linear_attention, causal_conv1d (step by step).
void populateRecurrenceLoweringPatterns(mlir::RewritePatternSet &patterns);

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_PATTERNS_H
