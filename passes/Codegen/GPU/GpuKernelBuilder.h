//===- GpuKernelBuilder.h - helpers for kernels built op by op --*- C++ -*-===//
//
// The GPU attention kernels are written directly as gpu.launch bodies; these
// are the scalar helpers and the shared-memory buffers they share.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_GPU_GPUKERNELBUILDER_H
#define SEQC_PASSES_CODEGEN_GPU_GPUKERNELBUILDER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace seqc::lowering {

/// Index and f32 arithmetic at `b`'s insertion point.
struct KernelBuilder {
  mlir::OpBuilder &b;
  mlir::Location loc;

  mlir::Value c(int64_t v);                       ///< index constant
  mlir::Value i32(int64_t v);                     ///< i32 constant
  mlir::Value f(double v);                        ///< f32 constant
  mlir::Value add(mlir::Value x, mlir::Value y);  ///< index +
  mlir::Value mul(mlir::Value x, mlir::Value y);  ///< index *
  mlir::Value div(mlir::Value x, int64_t y);      ///< unsigned /
  mlir::Value rem(mlir::Value x, int64_t y);      ///< unsigned %
  mlir::Value lt(mlir::Value x, mlir::Value y);   ///< unsigned <
  mlir::Value both(mlir::Value x, mlir::Value y); ///< i1 and
  mlir::Value isNegInf(mlir::Value x);            ///< f32 == -inf
  /// `x` summed over the `lanes` neighbouring lanes of a warp (xor
  /// butterfly: every lane gets the sum).
  mlir::Value warpSum(mlir::Value x, int64_t lanes);

  /// A fresh buffer shaped like `type`, its dims `sizes` (the dynamic
  /// ones are used).
  mlir::Value allocLike(mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::Value> sizes);
  /// `buffer` as a tensor of `type` (restrict, writable: the kernel's
  /// output, nothing else aliases it).
  mlir::Value asTensor(mlir::RankedTensorType type, mlir::Value buffer);
  /// `tensor`[indices] where `active`, else `fallback` (no read).
  mlir::Value extractIf(mlir::Value active, mlir::Value tensor,
                        mlir::ValueRange indices, mlir::Value fallback);

  /// A rows x cols f32 buffer in shared memory. Kernels built before
  /// bufferization take it from a module-level memref.global in the
  /// workgroup address space (kernel outlining copies it into the kernel's
  /// module): workgroup attributions are memref block arguments, which the
  /// buffer deallocation would rewrite. `anchor` is any op of the module.
  mlir::Value sharedBuffer(mlir::Operation *anchor, llvm::StringRef name,
                           int64_t rows, int64_t cols);
};

/// Points `b` at `nb`'s insertion point for a region-building callback,
/// restoring it afterwards.
struct Here {
  Here(mlir::OpBuilder &b, mlir::OpBuilder &nb) : guard(b) {
    b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
  }
  mlir::OpBuilder::InsertionGuard guard;
};

} // namespace seqc::lowering

#endif // SEQC_PASSES_CODEGEN_GPU_GPUKERNELBUILDER_H
