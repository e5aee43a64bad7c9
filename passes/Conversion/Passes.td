//===- Passes.td - seqc conversion passes ------------------*- tablegen -*-===//

#ifndef SEQC_PASSES_CONVERSION_PASSES_TD
#define SEQC_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSeqToLinalg : Pass<"convert-seq-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower seq ops to linalg, scf, tensor, arith and math on tensors";
  let description = [{
    The target-neutral lowering of every seq op except `seq.weight` (bound
    by the entry-point export), in the form each op's `#seq.lowering` names
    (`seq-select-lowering{target=generic}`; ops without one get that
    strategy's default): attention tiled with an online softmax (`flash`)
    or its score matrix materialised (`reference`), selective scans over
    channel tiles (`tiled`), ssd and linear attention in chunks (`chunked`)
    or step by step; projections and chunk products as linalg
    contractions, MoE evaluating every expert densely. The CPU and GPU
    lowerings (`seq-lower-for-cpu`, `seq-lower-for-gpu`) use the same
    patterns with their kernels added.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

#endif // SEQC_PASSES_CONVERSION_PASSES_TD
