//===- Passes.h - seqc transform passes -------------------------*- C++ -*-===//

#ifndef SEQC_PASSES_TRANSFORMS_PASSES_H
#define SEQC_PASSES_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace seqc {

#define GEN_PASS_DECL
#include "passes/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Transforms/Passes.h.inc"

} // namespace seqc

#endif // SEQC_PASSES_TRANSFORMS_PASSES_H
