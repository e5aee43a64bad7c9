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
    Lowers each seq op in the form its `#seq.lowering` names
    (`seq-select-lowering{target=cpu}`; ops without one get that strategy's
    default): register-tiled flash attention (`cpu_flash`: f32, value dims
    a multiple of 16; decode splits its keys over threads), the selective
    scan with its state in vector registers (`cpu_scan`), or the neutral
    forms of `convert-seq-to-linalg`, with register-tiled products for
    projections, MoE experts and the chunk products of chunked scans. With
    `amx`, block-quantized projections of several rows run on AMX bf16
    tiles, and the module defines `seq_uses_amx` so that the runtime asks
    the kernel for the tile state before running it.
  }];
  let options = [
    Option<"amx", "amx", "bool", /*default=*/"false",
           "The target has AMX-BF16 tiles">,
  ];
  let dependentDialects = [
    "mlir::amx::AMXDialect",
    "mlir::bufferization::BufferizationDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::memref::MemRefDialect",
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect",
  ];
}

def VectorizeElementwise
    : Pass<"seq-vectorize-elementwise", "mlir::func::FuncOp"> {
  let summary = "Elementwise linalg.generic ops as 16-lane vector loops";
  let description = [{
    Rewrites each elementwise `linalg.generic` on tensors (two dims or
    more, f32 operands, the last dim static, a multiple of 16 and
    contiguous in every operand that uses it, a body of arith/math ops) as
    an `scf.forall` over the outer dims with the last dim 16 lanes at a
    time: the body's ops on `vector<16xf32>`, inputs that do not use the
    last dim broadcast. Scalar loops would call libm's `expf` per element
    (SiLU), which LLVM does not vectorise; `seq-approximate-math` then
    gives the vector exp its polynomial. Runs before bufferization.
  }];
  let dependentDialects = [
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect",
  ];
}

def PackWeights : Pass<"seq-pack-weights", "mlir::ModuleOp"> {
  let summary = "Lay out projection weights in panels the CPU kernel streams";
  let description = [{
    Gives each f32 `seq.weight` that only `seq.linear` ops read as their
    weight (in every function that names it) the `panels` layout
    `[N/p, K, p]`, p = 64 or 32 columns, K a multiple of 16: the runtime
    repacks it once at load, and the CPU projection kernel runs its
    outer-product micro-kernel on each panel in place instead of packing W
    on every call, from one row (decode) up. Weights read by anything else
    (a tied embedding table, MoE experts, norms) keep their layout. N that
    is not a multiple of 32 (a vocabulary of 58101) takes a partial last
    panel (`rows(N)`, zero-filled by the runtime) when only float
    projections read the weight as theirs: each then computes all panels'
    columns and cuts its result back to N. Runs before
    `seq-outline-layers` and `seq-export-entry-points`.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
}

#endif // SEQC_PASSES_CODEGEN_CPU_PASSES_TD
