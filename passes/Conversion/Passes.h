//===- Passes.h - seqc conversion passes ------------------------*- C++ -*-===//

#ifndef SEQC_PASSES_CONVERSION_PASSES_H
#define SEQC_PASSES_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace seqc {

#define GEN_PASS_DECL
#include "passes/Conversion/Passes.h.inc"

namespace lowering {
class Contractions;
} // namespace lowering

/// How the target-neutral patterns lower the ops that have several forms.
struct SeqToLinalgPatternOptions {
  /// Attention tiled with an online softmax (true) or with its score matrix
  /// materialised (false: the reference semantics).
  bool flashAttention = true;
  int64_t queryTile = 16, keyTile = 64;
  /// selective_scan over channel tiles, ssd/linear attention chunked (true),
  /// or every recurrence step by step over whole tensors (false).
  bool tiledScans = true;
  int64_t channelTile = 64;
  int64_t ssdChunk = 64;
};

/// Patterns lowering every seq op but seq.weight to linalg/scf/tensor/arith,
/// the dense products inside them through `contractions` (which must outlive
/// the patterns).
void populateSeqToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                 const SeqToLinalgPatternOptions &options,
                                 const lowering::Contractions &contractions);

/// Lowers every seq op under `root` (but seq.weight, bound by the entry-point
/// export, and seq.yield, gone with its attention op) with `patterns`: the
/// conversion all seq lowering passes end with.
mlir::LogicalResult applySeqLowering(mlir::Operation *root,
                                     mlir::RewritePatternSet &&patterns);

/// Checks a lowering pass's `scan` option (tiled or reference), reporting on
/// `root` in the pass's name otherwise.
mlir::LogicalResult checkScanOption(mlir::Operation *root,
                                    llvm::StringRef pass, llvm::StringRef scan);

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_PASSES_H
