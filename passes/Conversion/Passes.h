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
/// attention with the reference lowering unless `flashAttention`.
void populateSeqToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                 bool flashAttention = false,
                                 int64_t queryTile = 16, int64_t keyTile = 64,
                                 bool tiledScan = false,
                                 int64_t channelTile = 64);

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_PASSES_H
