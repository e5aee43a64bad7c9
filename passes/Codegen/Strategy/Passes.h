//===- Passes.h - seqc lowering-strategy pass -------------------*- C++ -*-===//

#ifndef SEQC_PASSES_CODEGEN_STRATEGY_PASSES_H
#define SEQC_PASSES_CODEGEN_STRATEGY_PASSES_H

#include "mlir/Pass/Pass.h"

namespace seqc {

#define GEN_PASS_DECL
#include "passes/Codegen/Strategy/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Codegen/Strategy/Passes.h.inc"

} // namespace seqc

#endif // SEQC_PASSES_CODEGEN_STRATEGY_PASSES_H
