//===- Passes.h - seqc GPU codegen passes -----------------------*- C++ -*-===//

#ifndef SEQC_PASSES_CODEGEN_GPU_PASSES_H
#define SEQC_PASSES_CODEGEN_GPU_PASSES_H

#include "mlir/Pass/Pass.h"

namespace seqc {

#define GEN_PASS_DECL
#include "passes/Codegen/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Codegen/GPU/Passes.h.inc"

} // namespace seqc

#endif // SEQC_PASSES_CODEGEN_GPU_PASSES_H
