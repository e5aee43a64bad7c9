//===- GpuKernels.h - the GPU backend's kernels for seq ops ----*- C++ -*-===//
//
// Each populate function adds the patterns that turn the ops whose
// #seq.lowering names a GPU kernel into one gpu.launch each; the `whyNot`
// functions say where a kernel does not apply, and GpuLoweringStrategy
// chooses the kernels where they do.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_GPU_GPUKERNELS_H
#define SEQC_PASSES_CODEGEN_GPU_GPUKERNELS_H

#include "dialects/seq/IR/SeqOps.h"
#include "passes/Conversion/LoweringStrategy.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace seqc {

/// attention `gpu_flash` (GpuFlashAttention.cpp): blocks of query rows, key
/// tiles in shared memory, online softmax in registers; `gpu_decode`:
/// split-KV kernels for one query position (GpuDecodeAttention.cpp).
void populateGpuFlashAttentionLoweringPatterns(
    mlir::RewritePatternSet &patterns);
llvm::StringRef whyNotGpuFlashAttention(seq::AttentionOp op);
llvm::StringRef whyNotGpuDecodeAttention(seq::AttentionOp op);

/// selective_scan `gpu_scan`, a thread per (channel, state index)
/// (GpuSelectiveScan.cpp).
void populateGpuSelectiveScanLoweringPatterns(
    mlir::RewritePatternSet &patterns);
llvm::StringRef whyNotGpuSelectiveScan(seq::SelectiveScanOp op);

/// rms_norm and layer_norm `gpu_norm`, a block per row (GpuNorms.cpp).
void populateGpuNormLoweringPatterns(mlir::RewritePatternSet &patterns);
llvm::StringRef whyNotGpuNorm(mlir::Operation *op);

/// ssd `gpu_ssd`, a lane group per (head, head channel) (GpuSSD.cpp).
void populateGpuSSDLoweringPatterns(mlir::RewritePatternSet &patterns);
llvm::StringRef whyNotGpuSSD(seq::SSDOp op);

/// The GPU's strategy: its kernels where they apply (unless the user asked
/// for the reference or linalg forms), the neutral forms for the rest, with
/// one channel per selective-scan tile so each channel is a thread.
class GpuLoweringStrategy : public LoweringStrategy {
public:
  llvm::StringRef target() const override { return "cuda"; }
  seq::LoweringAttr select(mlir::Operation *op,
                           const LoweringChoices &choices) const override;
  mlir::LogicalResult check(mlir::Operation *op,
                            seq::LoweringAttr lowering) const override;
};

} // namespace seqc

#endif // SEQC_PASSES_CODEGEN_GPU_GPUKERNELS_H
