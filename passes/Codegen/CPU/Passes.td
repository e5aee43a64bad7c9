//===- Passes.td - seqc CPU codegen passes ------------------*- tablegen -*-===//
//
// The CPU backend's lowering of seq ops: AVX-512 vector kernels where they
// apply, the target-neutral lowering for the rest.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_CPU_PASSES_TD
#define SEQC_PASSES_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerForCpu : Pass<"seq-lower-for-cpu", "mlir::ModuleOp"> {
  let summary = "Lower seq ops for CPUs: 16-lane f32 vector kernels where they apply";
  let description = [{
    The target-neutral lowering of `convert-seq-to-linalg` with the CPU's
    kernels: register-tiled flash attention (f32, value dims a multiple of
    16; decode splits its keys over threads), the selective scan with its
    state in vector registers, and register-tiled products for projections,
    MoE experts and the chunk products of chunked scans. Ops and shapes a
    kernel does not take keep the neutral form.
  }];
  let options = [
    Option<"attention", "attention", "std::string", /*default=*/"\"flash\"",
           "Attention lowering: flash (vector kernel where it applies, else "
           "the linalg form), flash-generic (the linalg form only) or "
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
           "Recurrence lowering: tiled (vector scan kernel, channel tiles, "
           "chunked SSD) or reference (whole-tensor steps)">,
    Option<"channelTile", "channel-tile", "int64_t", /*default=*/"64",
           "Channels per selective-scan tile (where the vector kernel does "
           "not apply)">,
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
  ];
}

#endif // SEQC_PASSES_CODEGEN_CPU_PASSES_TD
