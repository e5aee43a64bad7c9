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
llvm::SmallVector<mlir::OpFoldResult>
getSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);

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

/// PyTorch's log_sigmoid on a scalar: min(x, 0) − log1p(exp(−|x|)).
mlir::Value logSigmoid(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// `silu(x) = x / (1 + exp(-x))` on a scalar.
mlir::Value silu(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// `softplus(x) = log1p(exp(x))`, linear above 20 as in PyTorch.
mlir::Value softplus(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// How a block-quantized weight is read (seq.linear / seq.embedding
/// `scales`, `offsets`, `bits`): element = f32(q) · scale (+ offset), q the
/// stored i8, or with bits = 4 a nibble (nibble - 8 without offsets, the
/// unsigned nibble with them). Empty (no scales) for a float weight.
struct BlockQuantization {
  mlir::Value scales, offsets;
  int64_t bits = 8;
  explicit operator bool() const { return static_cast<bool>(scales); }
};

/// How a target emits the dense products inside lowered ops (projections,
/// MoE experts, the chunk products of chunked scans). The target-neutral
/// patterns ask it first and build a linalg contraction where it returns
/// null; this base class has no kernels (the generic lowering). A target's
/// codegen library subclasses it (passes/Codegen/CPU/CpuKernels.h) and
/// hands it to the populate functions, so no global switch decides.
class Contractions {
public:
  virtual ~Contractions();

  /// init[m, n] + Σ_k a[m, k] · w[n, k] (PyTorch weight layout, or w in
  /// panels [N/p, K, p], see seq.weight), or null; `quant` says how a
  /// block-quantized w is read.
  virtual mlir::Value matmulTransposedB(mlir::OpBuilder &b, mlir::Location loc,
                                        mlir::Value a, mlir::Value w,
                                        const BlockQuantization &quant,
                                        mlir::Value init) const;

  /// init[m, n] + Σ_k a[m, k] · b[k, n] (a read as [k, m] with
  /// `transposeA`), sequential (for use inside parallel tasks), or null.
  virtual mlir::Value matmul(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value a, mlir::Value bm, mlir::Value init,
                             bool transposeA) const;

  /// Whether host code may branch on computed values (an MoE skipping the
  /// experts no token routes to): true where tensors live in host memory.
  virtual bool branchesOnData() const { return false; }

  /// Whether `matmul` takes every chunk product of a chunked SSD scan of
  /// this element type, head dim P and state size N when the state is kept
  /// transposed ([N, P]); the scan then uses that layout and relies on it.
  virtual bool takesChunkProducts(mlir::Type element, int64_t headDim,
                                  int64_t state) const;
};

/// out[m, n] = init[m, n] + Σ_k a[m, k] · w[n, k]: a linear projection in
/// PyTorch weight layout on 2-D tensors, or with w in panels [N/p, K, p],
/// block-quantized as `quant` says (the target's kernel where it has one,
/// else a linalg contraction).
mlir::Value matmulTransposedB(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value a, mlir::Value w,
                              const BlockQuantization &quant, mlir::Value init,
                              const Contractions &contractions);

/// Scalar `x` widened exactly to float type `to` (itself when already so):
/// bf16/f16 KV caches and weights read in f32.
mlir::Value widen(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                  mlir::Type to);

/// `f32(q) · f32(scale) (+ f32(offset))`: one element of a block-quantized
/// weight (`offset` may be null).
mlir::Value dequantize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value q,
                       mlir::Value scale, mlir::Value offset = nullptr);

/// The f32 tensor of i8 `values` [..., D] in blocks along the last dim,
/// element [..., d] times `scales` [..., d / (D / blocks)]: an 8-bit KV
/// cache (or a slice of it) read as f32.
mlir::Value dequantizeBlocks(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value values, mlir::Value scales);

/// The 4-bit value of byte `packed` (i8) as i8: the low nibble when `high`
/// (i1) is false, else the high one; minus 8 when `signedOffset` (seq.linear
/// bits = 4 without offsets).
mlir::Value unpackNibble(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value packed, mlir::Value high,
                         bool signedOffset = true);

/// out[m, n] = init[m, n] + Σ_k a[m, k] · b[k, n] (a[k, m] with
/// `transposeA`): the target's kernel where it has one, else a linalg
/// contraction.
mlir::Value matmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                   mlir::Value bm, mlir::Value init, bool transposeA,
                   const Contractions &contractions);

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
mlir::Value
pointwise(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange inputs,
          mlir::Value like,
          llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                         mlir::ValueRange)>
              body);

/// Runs `head(b, loc, batchIndex, headIndex)` for every (batch, head) of a
/// [B, L, H, K] / [B, L, H, V] recurrence in an scf.forall and assembles its
/// per-head results — output [L, V] and final state [K, V] — into
/// [B, L, H, V] and [B, H, K, V] tensors cast to `outputType`, `stateType`.
std::pair<mlir::Value, mlir::Value> forEachBatchHead(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value query, int64_t heads,
    int64_t keyDim, int64_t valueDim, mlir::Type outputType,
    mlir::Type stateType,
    llvm::function_ref<std::pair<mlir::Value, mlir::Value>(
        mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value)>
        head);

} // namespace seqc::lowering

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_LOWERINGUTILS_H
