//===- Passes.td - seqc conversion passes ------------------*- tablegen -*-===//

#ifndef SEQC_PASSES_CONVERSION_PASSES_TD
#define SEQC_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSeqToLinalg : Pass<"convert-seq-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower seq ops to linalg, scf, tensor, arith and math on tensors";
  let description = [{
    The target-neutral lowering of every seq op except `seq.weight` (bound
    by the entry-point export): attention tiled with an online softmax (or
    its score matrix materialised: the reference semantics), scans over
    channel tiles or chunks (or step by step), projections and chunk
    products as linalg contractions, MoE evaluating every expert densely.
    The CPU and GPU lowerings (`seq-lower-for-cpu`, `seq-lower-for-gpu`)
    use the same patterns with their kernels added.
  }];
  let options = [
    Option<"attention", "attention", "std::string", /*default=*/"\"flash\"",
           "Attention lowering: flash (key tiles, online softmax) or "
           "reference (materialised scores)">,
    Option<"queryTile", "query-tile", "int64_t", /*default=*/"16",
           "Query positions per flash-attention tile">,
    Option<"keyTile", "key-tile", "int64_t", /*default=*/"64",
           "Keys per flash-attention step">,
    Option<"scan", "scan", "std::string", /*default=*/"\"tiled\"",
           "Recurrence lowering: tiled (selective_scan over channel tiles, "
           "ssd and linear attention chunked) or reference (whole-tensor "
           "steps)">,
    Option<"channelTile", "channel-tile", "int64_t", /*default=*/"64",
           "Channels per selective-scan tile">,
    Option<"ssdChunk", "ssd-chunk", "int64_t", /*default=*/"64",
           "Chunk length of the chunked SSD (seq.ssd and scalar-gated "
           "linear attention) when the op sets no chunk_size">,
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

#endif // SEQC_PASSES_CONVERSION_PASSES_TD
