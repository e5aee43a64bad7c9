//===- GpuDecodeAttention.h - split-KV decode attention on GPUs -*- C++ -*-===//

#ifndef SEQC_PASSES_CODEGEN_GPU_GPUDECODEATTENTION_H
#define SEQC_PASSES_CODEGEN_GPU_GPUDECODEATTENTION_H

#include "passes/Conversion/SeqToLinalg/AttentionShape.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"

namespace seqc::lowering {

/// Whether the split-KV kernel takes `op`: one query position (static),
/// head dims multiples of 32 up to 256.
bool gpuDecodeAttentionApplies(seq::AttentionOp op,
                               const AttentionShape &shape);

/// `op` (with its converted operands) as the split-KV kernels of
/// GpuDecodeAttention.cpp; returns the result tensor.
mlir::Value buildGpuDecodeAttention(mlir::OpBuilder &b, seq::AttentionOp op,
                                    const AttentionShape &shape, mlir::Value q,
                                    mlir::Value k, mlir::Value v,
                                    mlir::Value bias,
                                    mlir::Value kvLengthOperand);

} // namespace seqc::lowering

#endif // SEQC_PASSES_CODEGEN_GPU_GPUDECODEATTENTION_H
