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

/// Patterns lowering every seq op but seq.weight to linalg/scf/tensor/arith;
/// `attention`: "flash" (vector kernel where it applies, else the linalg
/// form), "flash-generic" or "reference".
void populateSeqToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                 llvm::StringRef attention = "reference",
                                 int64_t queryTile = 0, int64_t keyTile = 64,
                                 bool tiledScan = false,
                                 int64_t channelTile = 64,
                                 int64_t kvSplits = 8,
                                 int64_t scanSegments = 1,
                                 int64_t ssdChunk = 64);

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_PASSES_H
