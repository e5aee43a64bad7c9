//===- GpuContraction.h - f32 contractions the GPU kernels take -*- C++ -*-===//

#ifndef SEQC_PASSES_CODEGEN_GPU_GPUCONTRACTION_H
#define SEQC_PASSES_CODEGEN_GPU_GPUCONTRACTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace seqc::gpu {

/// A host-level f32 contraction on buffers and its loop dims: one m, n and
/// k dim, at most one batch dim (input 0 is A[m, k], input 1 B[k, n]).
struct Contraction {
  mlir::linalg::LinalgOp op;
  std::optional<unsigned> batch;
  unsigned m, n, k;
};

/// The loop dim of operand `operand`'s innermost memref dim (threads should
/// step along it to coalesce).
unsigned innermostLoopDim(mlir::linalg::LinalgOp op, unsigned operand);

/// Indices into operand `operand` for the loop dims' values (`values[d]`
/// for loop dim d; dims the operand does not use may be null).
llvm::SmallVector<mlir::Value>
operandIndices(mlir::linalg::LinalgOp op, unsigned operand,
               llvm::ArrayRef<mlir::Value> values);

/// Whether the warp-per-column kernel (GpuGemv.cpp) takes `c`: a static M
/// of at most kMaxGemvRows (decode steps) and B contiguous along k
/// (PyTorch's [n, k] weights).
constexpr int64_t kMaxGemvRows = 8;
bool gemvApplies(const Contraction &c);

/// Replaces `c.op` by that kernel (the caller erases the op).
void buildGemvKernel(mlir::OpBuilder &b, const Contraction &c);

} // namespace seqc::gpu

#endif // SEQC_PASSES_CODEGEN_GPU_GPUCONTRACTION_H
