//===- LoweringUtils.h - builders shared by the seq lowerings ---*- C++ -*-===//
//
// Small helpers to build tensor-level linalg IR: shapes, empty and filled
// tensors, indexing maps, pointwise activations and the one contraction
// (x · Wᵀ) that linear projections and MoE experts share.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CONVERSION_SEQTOLINALG_LOWERINGUTILS_H
#define SEQC_PASSES_CONVERSION_SEQTOLINALG_LOWERINGUTILS_H

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"

namespace seqc::lowering {

/// The sizes of a ranked tensor: static sizes as attributes, dynamic ones as
/// `tensor.dim` values.
llvm::SmallVector<mlir::OpFoldResult> getSizes(mlir::OpBuilder &b,
                                               mlir::Location loc,
                                               mlir::Value tensor);

/// `tensor.empty` with the given mixed static/dynamic sizes.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes,
                        mlir::Type elementType);

/// A tensor of the given sizes filled with `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Type elementType, double value);

/// A float constant of type `type` (a splat for vector types).
mlir::Value floatConstant(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Type type, double value);

/// An index constant.
mlir::Value indexConstant(mlir::OpBuilder &b, mlir::Location loc,
                          int64_t value);

/// The map (d0..d{numDims-1}) -> (results), where a result of -1 is the
/// constant 0 (a broadcast or unit dim).
mlir::AffineMap dimsMap(mlir::MLIRContext *ctx, unsigned numDims,
                        llvm::ArrayRef<int64_t> results);

/// Flags for the multiply-adds of contractions: reassociation lets LLVM
/// vectorise the reduction loop, contraction fuses FMAs. The summation order
/// is fixed at compile time, so results never depend on the thread count.
mlir::arith::FastMathFlags contractionFlags();

/// Terminates a linalg.generic body with one value (accepts an op result).
void yieldValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// `parallel` parallel iterators followed by `reduction` reductions.
llvm::SmallVector<mlir::utils::IteratorType> iterators(unsigned parallel,
                                                       unsigned reduction = 0);

/// Applies a pointwise activation to scalar `x`.
mlir::Value applyActivation(mlir::OpBuilder &b, mlir::Location loc,
                            seq::ActivationKind kind, mlir::Value x);

/// `silu(x) = x / (1 + exp(-x))` on a scalar.
mlir::Value silu(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// `softplus(x) = log1p(exp(x))`, linear above 20 as in PyTorch.
mlir::Value softplus(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// The register-tiled f32 form of matmulTransposedB (VectorMatmul.cpp), or
/// null where it does not apply (K % 16, N % 4, f32).
mlir::Value vectorMatmulTransposedB(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value a, mlir::Value w,
                                    mlir::Value init);

/// out[m, n] = init[m, n] + Σ_k a[m, k] · b[k, n] (a[k, m] with
/// `transposeA`) in f32 register tiles, sequential (for use inside parallel
/// tasks); null unless N is a static multiple of 16 (VectorMatmul.cpp).
mlir::Value vectorMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                         mlir::Value bm, mlir::Value init, bool transposeA);

/// out[m, n] = init[m, n] + Σ_k a[m, k] · w[n, k]: a linear projection in
/// PyTorch weight layout on 2-D tensors (the vector form where it applies).
mlir::Value matmulTransposedB(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value a, mlir::Value w, mlir::Value init);

/// Collapses all leading dims of `x` ([..., n]) into one ([m, n]); a rank-1
/// `x` becomes [1, n].
mlir::Value collapseToMatrix(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value x);

/// Inverse of collapseToMatrix for a result whose last dim is `lastDim`:
/// expands [m, n'] back to `like`'s leading dims followed by n'.
mlir::Value expandFromMatrix(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value matrix, mlir::Value like,
                             mlir::RankedTensorType resultType);

/// extract_slice with unit strides and the canonical rank-reduced result type
/// of `rank` (leading unit dims dropped).
mlir::Value sliceRank(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                      llvm::ArrayRef<mlir::OpFoldResult> offsets,
                      llvm::ArrayRef<mlir::OpFoldResult> sizes, unsigned rank);

/// Elementwise generic over tensors of identical shape (`inputs` and the
/// result share `like`'s shape).
mlir::Value pointwise(
    mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange inputs,
    mlir::Value like,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::ValueRange)>
        body);

/// Lanes of the hand-written vector kernels (one AVX-512 register of f32).
inline constexpr int64_t kVectorLanes = 16;

/// While alive, convert-seq-to-linalg{vector-kernels=false} (GPU targets)
/// runs on this thread: the CPU vector kernels step aside for the plain
/// linalg forms. (A scoped per-thread setting rather than an attribute:
/// patterns build inside regions not yet attached to the module.)
class VectorKernelsOff {
public:
  explicit VectorKernelsOff(bool active);
  ~VectorKernelsOff();
  VectorKernelsOff(const VectorKernelsOff &) = delete;
  VectorKernelsOff &operator=(const VectorKernelsOff &) = delete;

private:
  bool previous;
};

/// Whether the CPU vector kernels may be used by a builder on this thread.
bool vectorKernelsEnabled(mlir::OpBuilder &b);

/// 16 contiguous f32 along the last dim of `src` at `indices` (in bounds).
mlir::Value readLanes(mlir::OpBuilder &b, mlir::Location l, mlir::Value src,
                      mlir::ValueRange indices);

/// `vec` written along the last dim of `dest` at `indices` (in bounds).
mlir::Value writeLanes(mlir::OpBuilder &b, mlir::Location l, mlir::Value vec,
                       mlir::Value dest, mlir::ValueRange indices);

/// `scalar` broadcast to 16 lanes.
mlir::Value splatLanes(mlir::OpBuilder &b, mlir::Location l, mlir::Value scalar);

} // namespace seqc::lowering

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_LOWERINGUTILS_H
