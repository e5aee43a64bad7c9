//===- CpuKernels.h - the CPU backend's kernels ----------------*- C++ -*-===//
//
// Hand-written 16-lane f32 kernels (AVX-512 registers once LLVM lowers the
// vector dialect): each populate function adds the patterns of one op
// family, with a higher benefit than the target-neutral lowering they
// replace where they apply; CpuContractions gives the neutral patterns the
// register-tiled products.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_CPU_CPUKERNELS_H
#define SEQC_PASSES_CODEGEN_CPU_CPUKERNELS_H

#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace seqc::cpu {

/// The register-tiled f32 products (VectorMatmul.cpp).
class CpuContractions : public lowering::Contractions {
public:
  /// f32 with K a multiple of 16 and N of 4.
  mlir::Value matmulTransposedB(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value a, mlir::Value w,
                                mlir::Value init) const override;
  /// f32 with N a static multiple of 16.
  mlir::Value matmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                     mlir::Value bm, mlir::Value init,
                     bool transposeA) const override;
  bool takesChunkProducts(mlir::Type element, int64_t headDim,
                          int64_t state) const override;
};

/// out[m, n] = init[m, n] + Σ_k a[m, k] · w[n, k] in register tiles, or
/// null where it does not apply (f32, K % 16, N % 4).
mlir::Value vectorMatmulTransposedB(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value a, mlir::Value w,
                                    mlir::Value init);

/// out[m, n] = init[m, n] + Σ_k a[m, k] · b[k, n] (a[k, m] with
/// `transposeA`) in register tiles, sequential (for use inside parallel
/// tasks); null unless f32 with N a static multiple of 16.
mlir::Value vectorMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                         mlir::Value bm, mlir::Value init, bool transposeA);

/// Register-tiled f32 flash attention (value dims a multiple of 16); the
/// generic flash lowering remains for the rest. queryTile 0: about 64 rows.
/// One query tile (decode) splits its keys over `kvSplits` tasks (1: none).
void populateVectorFlashAttentionPatterns(mlir::RewritePatternSet &patterns,
                                          int64_t queryTile, int64_t keyTile,
                                          int64_t kvSplits);

/// selective_scan with its state in vector registers (D % 16 == 0, N <=
/// 64); `timeSegments` > 1 runs it as a two-pass parallel prefix.
void populateVectorSelectiveScanPatterns(mlir::RewritePatternSet &patterns,
                                         int64_t timeSegments);

} // namespace seqc::cpu

#endif // SEQC_PASSES_CODEGEN_CPU_CPUKERNELS_H
