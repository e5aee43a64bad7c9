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

/// Patterns lowering every seq op but seq.weight to linalg/scf/tensor/arith.
void populateSeqToLinalgPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_PASSES_H
