//===- Passes.td - seqc conversion passes ------------------*- tablegen -*-===//

#ifndef SEQC_PASSES_CONVERSION_PASSES_TD
#define SEQC_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSeqToLinalg : Pass<"convert-seq-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower seq ops to linalg, scf, tensor, arith and math on tensors";
  let description = [{
    The reference CPU lowering of every seq op except `seq.weight` (bound by
    the entry-point export) — correctness first: attention materialises its
    score matrix, scans step through time with `scf.for`, MoE evaluates
    every expert densely. The seq-level passes that come before this one
    (attention fusion, sparsity, chunking, scan tiling) are where speed is
    won; this pass defines the semantics those must preserve.
  }];
  let options = [
    Option<"attention", "attention", "std::string", /*default=*/"\"flash\"",
           "Attention lowering: flash (tiled, online softmax; register-tiled "
           "vector kernel for f32), flash-generic (the linalg form only) or "
           "reference (materialised scores)">,
    Option<"queryTile", "query-tile", "int64_t", /*default=*/"0",
           "Query positions per flash-attention tile (0: automatic, about "
           "64 query rows for the vector kernel, 16 positions otherwise)">,
    Option<"keyTile", "key-tile", "int64_t", /*default=*/"64",
           "Keys per flash-attention step">,
    Option<"kvSplits", "kv-splits", "int64_t", /*default=*/"8",
           "Key shares per (batch, KV head) when one query tile covers the "
           "call (decode): computed in parallel, merged by their softmax "
           "statistics (1: no split)">,
    Option<"scan", "scan", "std::string", /*default=*/"\"tiled\"",
           "selective_scan lowering: tiled (parallel channel tiles) or "
           "reference (whole-tensor steps)">,
    Option<"channelTile", "channel-tile", "int64_t", /*default=*/"64",
           "Channels per selective-scan tile">,
    Option<"vectorKernels", "vector-kernels", "bool", /*default=*/"true",
           "Use the CPU vector kernels (16-lane f32: attention, projections, "
           "scans, chunk products); false keeps every op in plain linalg "
           "form, for targets that map loops themselves (GPU)">,
    Option<"gpuKernels", "gpu-kernels", "bool", /*default=*/"false",
           "GPU kernels (gpu.launch) for attention (flash, split-KV decode), "
           "selective scans, SSD and norms; the other lowerings stay for "
           "the ops and shapes they do not take (use with "
           "vector-kernels=false)">,
    Option<"ssdChunk", "ssd-chunk", "int64_t", /*default=*/"64",
           "Chunk length of the chunked SSD (seq.ssd and scalar-gated "
           "linear attention) when the op sets no chunk_size">,
    Option<"scanSegments", "scan-segments", "int64_t", /*default=*/"1",
           "Time segments of the vector selective scan, run as a two-pass "
           "parallel prefix (twice the exps, segments on threads); 1: one "
           "sequential pass">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect",
    // gpu-kernels: gpu.launch ops writing fresh buffers.
    "mlir::gpu::GPUDialect",
    "mlir::memref::MemRefDialect",
    "mlir::bufferization::BufferizationDialect",
  ];
}

#endif // SEQC_PASSES_CONVERSION_PASSES_TD
