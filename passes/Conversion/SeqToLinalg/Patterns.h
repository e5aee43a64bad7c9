//===- Patterns.h - seq-to-linalg pattern families --------------*- C++ -*-===//
//
// Each op family's lowering lives in its own file; the pass gathers them.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CONVERSION_SEQTOLINALG_PATTERNS_H
#define SEQC_PASSES_CONVERSION_SEQTOLINALG_PATTERNS_H

#include "passes/Conversion/Passes.h"

namespace seqc {

/// activation, glu, softmax, embedding, linear, rmsnorm, layernorm, rope, moe.
void populateChannelMixerLoweringPatterns(mlir::RewritePatternSet &patterns);

/// attention (with its mask algebra and modifier regions), materialising the
/// scores: the reference semantics.
void populateAttentionLoweringPatterns(mlir::RewritePatternSet &patterns);

/// attention tiled FlashAttention-style: online softmax over key tiles, no
/// score matrix, key loop bounded by the mask.
void populateFlashAttentionLoweringPatterns(mlir::RewritePatternSet &patterns,
                                            int64_t queryTile, int64_t keyTile);

/// attention as one GPU kernel per op (GpuFlashAttention.cpp): blocks of
/// query rows, key tiles in shared memory, online softmax in registers.
void populateGpuFlashAttentionLoweringPatterns(mlir::RewritePatternSet &patterns);

/// selective_scan as one GPU kernel, a thread per (channel, state index)
/// (GpuSelectiveScan.cpp).
void populateGpuSelectiveScanLoweringPatterns(mlir::RewritePatternSet &patterns);

/// rmsnorm and layernorm as one GPU kernel each, a block per row
/// (GpuNorms.cpp).
void populateGpuNormLoweringPatterns(mlir::RewritePatternSet &patterns);

/// ssd as one GPU kernel, a lane group per (head, head channel)
/// (GpuSSD.cpp).
void populateGpuSSDLoweringPatterns(mlir::RewritePatternSet &patterns);

/// selective_scan tiled over (batch, channel tile), each tile running its
/// own time loop on threads.
/// Register-tiled f32 flash attention (value dims a multiple of 16); the
/// generic flash lowering remains for the rest. queryTile 0: about 64 rows.
/// One query tile (decode) splits its keys over `kvSplits` tasks (1: none).
void populateVectorFlashAttentionLoweringPatterns(
    mlir::RewritePatternSet &patterns, int64_t queryTile, int64_t keyTile,
    int64_t kvSplits);

/// selective_scan's vector kernel in `timeSegments` > 1 segments runs as a
/// two-pass parallel prefix (1: one sequential pass).
void populateTiledScanLoweringPatterns(mlir::RewritePatternSet &patterns,
                                       int64_t channelTile,
                                       int64_t timeSegments = 1);

/// ssd in the chunked state-space-duality form (matmuls within chunks of
/// the op's chunk_size, or `defaultChunk`).
void populateChunkedSSDLoweringPatterns(mlir::RewritePatternSet &patterns,
                                        int64_t defaultChunk);

/// linear_attention without per-channel gates, lowered through the chunked
/// SSD scan (chunks of the op's chunk_size, or `defaultChunk`).
void populateLinearAttentionAsSSDPatterns(mlir::RewritePatternSet &patterns,
                                          int64_t defaultChunk);

/// selective_scan, ssd, linear_attention, causal_conv1d (step by step).
/// linear_attention with per-channel gates (GLA) in its chunkwise form.
void populateChunkedGLALoweringPatterns(mlir::RewritePatternSet &patterns,
                                        int64_t defaultChunk);

void populateRecurrenceLoweringPatterns(mlir::RewritePatternSet &patterns);

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_PATTERNS_H
