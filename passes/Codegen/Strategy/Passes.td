//===- Passes.td - seqc lowering-strategy pass -------------*- tablegen -*-===//
//
// The schedule half of code generation: which kernel lowers each op.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_STRATEGY_PASSES_TD
#define SEQC_PASSES_CODEGEN_STRATEGY_PASSES_TD

include "mlir/Pass/PassBase.td"

def SelectLowering : Pass<"seq-select-lowering", "mlir::ModuleOp"> {
  let summary = "Choose each seq op's kernel and tile sizes for a target";
  let description = [{
    Records on every op with more than one lowering (attention,
    selective_scan, ssd, linear_attention, rms_norm, layer_norm) the
    target's choice as `seq.lowering = #seq.lowering<kernel, sizes...>`:
    its kernel where the op's types and shapes allow, the target-neutral
    forms otherwise. Ops that already carry one keep it (an override) and
    are checked: a kernel that is not the target's or does not fit the
    op's shapes is an error at the op. The lowering passes
    (`convert-seq-to-linalg`, `seq-lower-for-cpu`, `seq-lower-for-gpu`)
    only read the attribute.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "Whose kernels: cpu, cuda or generic (the neutral forms only)">,
    Option<"attention", "attention", "std::string", /*default=*/"\"flash\"",
           "flash (the target's kernel where it applies, else the linalg "
           "flash form), flash-generic (the linalg flash form) or "
           "reference (materialised scores)">,
    Option<"queryTile", "query-tile", "int64_t", /*default=*/"0",
           "Query positions per flash tile (0: the target's choice: about "
           "64 query rows for the CPU kernel, 16 positions otherwise)">,
    Option<"keyTile", "key-tile", "int64_t", /*default=*/"64",
           "Keys per flash step">,
    Option<"kvSplits", "kv-splits", "int64_t", /*default=*/"8",
           "Key shares of the CPU flash kernel when one query tile covers "
           "the call (decode): computed in parallel, merged by their "
           "softmax statistics (1: no split)">,
    Option<"scan", "scan", "std::string", /*default=*/"\"tiled\"",
           "Recurrences: tiled (kernels, channel tiles, chunks) or "
           "reference (step by step)">,
    Option<"channelTile", "channel-tile", "int64_t", /*default=*/"0",
           "Channels per selective-scan tile where no scan kernel applies "
           "(0: the target's choice: 64, or 1 on GPUs)">,
    Option<"ssdChunk", "ssd-chunk", "int64_t", /*default=*/"64",
           "Chunk length of chunked ssd and scalar-gated linear attention "
           "when the op sets no chunk_size">,
    Option<"scanSegments", "scan-segments", "int64_t", /*default=*/"1",
           "Time segments of the CPU selective scan, run as a two-pass "
           "parallel prefix (twice the exps, segments on threads)">,
  ];
}

#endif // SEQC_PASSES_CODEGEN_STRATEGY_PASSES_TD
