//===- VectorLanes.h - 16-lane f32 vectors for the CPU kernels --*- C++ -*-===//
//
// The CPU kernels work on one AVX-512 register of f32 at a time; these build
// its loads, stores and broadcasts on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_CPU_VECTORLANES_H
#define SEQC_PASSES_CODEGEN_CPU_VECTORLANES_H

#include "mlir/IR/Builders.h"

namespace seqc::cpu {

/// Lanes of the hand-written vector kernels (one AVX-512 register of f32).
inline constexpr int64_t kVectorLanes = 16;

/// 16 contiguous elements along the last dim of `src` at `indices` (in
/// bounds), as f32: bf16/f16 sources (weights stored narrow) are widened in
/// registers, signed integers (block-quantized values) converted.
mlir::Value readLanes(mlir::OpBuilder &b, mlir::Location l, mlir::Value src,
                      mlir::ValueRange indices);

/// `vec` written along the last dim of `dest` at `indices` (in bounds).
mlir::Value writeLanes(mlir::OpBuilder &b, mlir::Location l, mlir::Value vec,
                       mlir::Value dest, mlir::ValueRange indices);

/// `scalar` broadcast to 16 lanes.
mlir::Value splatLanes(mlir::OpBuilder &b, mlir::Location l,
                       mlir::Value scalar);

} // namespace seqc::cpu

#endif // SEQC_PASSES_CODEGEN_CPU_VECTORLANES_H
