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

/// Patterns lowering every seq op but seq.weight to linalg/scf/tensor/arith
/// in the target-neutral form its #seq.lowering names, the dense products
/// inside them through `contractions` (which must outlive the patterns).
void populateSeqToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                 const lowering::Contractions &contractions);

/// Lowers every seq op under `root` (but seq.weight, bound by the entry-point
/// export, and seq.yield, gone with its attention op) with `patterns`: the
/// conversion all seq lowering passes end with.
mlir::LogicalResult applySeqLowering(mlir::Operation *root,
                                     mlir::RewritePatternSet &&patterns);

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_PASSES_H
