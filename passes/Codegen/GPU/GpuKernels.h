//===- GpuKernels.h - the GPU backend's kernels for seq ops ----*- C++ -*-===//
//
// Each populate function adds the patterns that turn one op family into a
// gpu.launch kernel where the op's shapes allow, with a higher benefit than
// the target-neutral lowering that takes the rest.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_GPU_GPUKERNELS_H
#define SEQC_PASSES_CODEGEN_GPU_GPUKERNELS_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace seqc {

/// attention as one GPU kernel per op (GpuFlashAttention.cpp): blocks of
/// query rows, key tiles in shared memory, online softmax in registers;
/// split-KV kernels for decode (GpuDecodeAttention.cpp).
void populateGpuFlashAttentionLoweringPatterns(mlir::RewritePatternSet &patterns);

/// selective_scan as one GPU kernel, a thread per (channel, state index)
/// (GpuSelectiveScan.cpp).
void populateGpuSelectiveScanLoweringPatterns(mlir::RewritePatternSet &patterns);

/// rmsnorm and layernorm as one GPU kernel each, a block per row
/// (GpuNorms.cpp).
void populateGpuNormLoweringPatterns(mlir::RewritePatternSet &patterns);

/// ssd as one GPU kernel, a lane group per (head, head channel)
/// (GpuSSD.cpp).
void populateGpuSSDLoweringPatterns(mlir::RewritePatternSet &patterns);

} // namespace seqc

#endif // SEQC_PASSES_CODEGEN_GPU_GPUKERNELS_H
