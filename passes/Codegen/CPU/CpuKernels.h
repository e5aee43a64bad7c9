//===- CpuKernels.h - the CPU backend's kernels ----------------*- C++ -*-===//
//
// Hand-written 16-lane f32 kernels (AVX-512 registers once LLVM lowers the
// vector dialect): each populate function adds the patterns of the ops
// whose #seq.lowering names its kernel, which CpuLoweringStrategy chooses
// where they apply; CpuContractions gives the neutral patterns the
// register-tiled products.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_CPU_CPUKERNELS_H
#define SEQC_PASSES_CODEGEN_CPU_CPUKERNELS_H

#include "dialects/seq/IR/SeqOps.h"
#include "passes/Conversion/LoweringStrategy.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace seqc::cpu {

/// The register-tiled f32 products (VectorMatmul.cpp).
class CpuContractions : public lowering::Contractions {
public:
  /// `amx`: the target has AMX-BF16 tiles (block-quantized prefill runs on
  /// them).
  explicit CpuContractions(bool amx = false) : amx(amx) {}

  /// f32 with K a multiple of 16 and N of 4.
  mlir::Value matmulTransposedB(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value a, mlir::Value w,
                                const lowering::BlockQuantization &quant,
                                mlir::Value init) const override;
  /// f32 with N a static multiple of 16.
  mlir::Value matmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                     mlir::Value bm, mlir::Value init,
                     bool transposeA) const override;
  bool takesChunkProducts(mlir::Type element, int64_t headDim,
                          int64_t state) const override;
  bool branchesOnData() const override { return true; }

private:
  bool amx;
};

/// out[m, n] = init[m, n] + Σ_k a[m, k] · w[n, k] in register tiles, or
/// null where it does not apply (f32, K % 16, N % 4).
mlir::Value vectorMatmulTransposedB(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value a, mlir::Value w,
                                    const lowering::BlockQuantization &quant,
                                    mlir::Value init, bool amx = false);

/// out [M, width] + a [M, K] · B [K, width], B given block by block along
/// K by `panelBlock(b, k0, depth)` ([depth, width]: read in place, or
/// packed or dequantized per call) and multiplied with vectorMatmul's
/// outer-product micro-kernel (VectorMatmul.cpp).
mlir::Value
accumulateKBlocks(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                  mlir::Value out, int64_t k,
                  llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Value,
                                                 mlir::OpFoldResult)>
                      panelBlock);

/// init [M, panels · width] with each panel's columns [M, width] replaced by
/// `body(b, panel, out)` (`out`: that slice of init), one parallel task per
/// panel: the skeleton of the kernels over W in panels.
mlir::Value forEachPanel(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value a, mlir::Value init,
    int64_t panels, int64_t width,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Value, mlir::Value)>
        body);

/// `oneRow(b)` when the product has one row (decode) — known statically,
/// or checked at run time for `rows` when `staticRows` is dynamic (a layer
/// body shared by prefill and decode) — else `severalRows(b)`.
mlir::Value
byRowCount(mlir::OpBuilder &b, mlir::Location loc, int64_t staticRows,
           mlir::OpFoldResult rows,
           llvm::function_ref<mlir::Value(mlir::OpBuilder &)> oneRow,
           llvm::function_ref<mlir::Value(mlir::OpBuilder &)> severalRows);

/// x·Wᵀ with W block-quantized in panels (values [N/p, K, p] i8, or
/// [N/p, K/2, p] with 4 bits; scales and offsets [N/p, K/block, p]):
/// dequantized in registers (VectorQuantizedMatmul.cpp), or null where it
/// does not apply (f32 input, static shapes, p a multiple of 16 up to 64);
/// with `amx`, several rows run on AMX tiles where amxTakesQuantizedPanels.
mlir::Value
vectorMatmulQuantizedPanels(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value a, mlir::Value w,
                            const lowering::BlockQuantization &quant,
                            mlir::Value init, bool amx = false);

/// Element types the projection kernels take for a weight: f32, or bf16/f16
/// widened to f32 as it is loaded (readLanes), never in memory; with
/// `blockScales`, i8 values of a block-quantized weight.
bool isWeightElement(mlir::Type t, bool blockScales = false);

/// out[m, n] = init[m, n] + Σ_k a[m, k] · b[k, n] (a[k, m] with
/// `transposeA`) in register tiles of `rowsPerTile` rows × up to 4 vectors
/// of 16 columns, sequential (for use inside parallel tasks; the packed
/// projections use it on their panels with 6 rows); null unless f32 with N
/// a static multiple of 16.
mlir::Value vectorMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                         mlir::Value bm, mlir::Value init, bool transposeA,
                         int64_t rowsPerTile = 4);

/// attention `cpu_flash`: register-tiled f32 flash attention; one query
/// tile (decode) splits its keys over `kv_splits` tasks.
void populateVectorFlashAttentionPatterns(mlir::RewritePatternSet &patterns);

/// Why `cpu_flash` cannot lower `op` (f32, static heads, value dims a
/// multiple of 16), or "" when it can.
llvm::StringRef whyNotVectorFlashAttention(seq::AttentionOp op);

/// `cpu_flash`'s tiles for `op`: seq-sparsify-attention's where it left a
/// block map, else `queryTile` positions (0: about 64 query rows of the
/// group, at most Sq when static) and keys rounded to 16 up to 256.
std::pair<int64_t, int64_t>
vectorFlashTileSizes(seq::AttentionOp op, int64_t queryTile, int64_t keyTile);

/// seq-sparsify-attention's block map of `op` when it was built for these
/// tiles, else null.
mlir::DenseIntElementsAttr tileMapFor(seq::AttentionOp op, int64_t queryTile,
                                      int64_t keyTile);

/// selective_scan `cpu_scan`: the state in vector registers, `segments` > 1
/// as a two-pass parallel prefix.
void populateVectorSelectiveScanPatterns(mlir::RewritePatternSet &patterns);

/// Why `cpu_scan` cannot lower `op` (f32, D a multiple of 16, N <= 64), or
/// "" when it can.
llvm::StringRef whyNotVectorSelectiveScan(seq::SelectiveScanOp op);

/// The CPU's strategy: its kernels where they apply, the neutral forms
/// for the rest.
class CpuLoweringStrategy : public LoweringStrategy {
public:
  llvm::StringRef target() const override { return "cpu"; }
  seq::LoweringAttr select(mlir::Operation *op,
                           const LoweringChoices &choices) const override;
  mlir::LogicalResult check(mlir::Operation *op,
                            seq::LoweringAttr lowering) const override;
};

} // namespace seqc::cpu

#endif // SEQC_PASSES_CODEGEN_CPU_CPUKERNELS_H
