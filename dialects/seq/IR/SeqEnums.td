//===- SeqEnums.td - seq dialect enums ---------------------*- tablegen -*-===//
//
// Enums print as bare keywords in op assembly (`seq.activation silu %x`).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECT_SEQ_SEQENUMS_TD
#define SEQC_DIALECT_SEQ_SEQENUMS_TD

include "mlir/IR/EnumAttr.td"

// Pointwise nonlinearities shared by seq.activation, seq.glu, seq.moe and
// seq.causal_conv1d; the lowering owns one implementation of each.
def Seq_ActivationKind : I32EnumAttr<"ActivationKind",
    "pointwise activation function", [
      I32EnumAttrCase<"relu", 0>,
      I32EnumAttrCase<"gelu", 1>,       // exact, erf-based (torch default)
      I32EnumAttrCase<"gelu_tanh", 2>,  // tanh approximation (GPT-2 "gelu_new")
      I32EnumAttrCase<"silu", 3>,       // x * sigmoid(x), a.k.a. swish
      I32EnumAttrCase<"sigmoid", 4>,
      I32EnumAttrCase<"tanh", 5>,
      I32EnumAttrCase<"softplus", 6>
    ]> {
  let cppNamespace = "::seqc::seq";
}

// How rotary frequencies are rescaled for context extension (the
// `rope_scaling.rope_type` of Hugging Face configs).
def Seq_RopeScalingKind : I32EnumAttr<"RopeScalingKind",
    "rotary embedding frequency scaling", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"linear", 1>,
      I32EnumAttrCase<"llama3", 2>
    ]> {
  let cppNamespace = "::seqc::seq";
}

// Order of softmax and top-k in a mixture-of-experts router.
def Seq_MoeRoutingKind : I32EnumAttr<"MoeRoutingKind",
    "mixture-of-experts routing", [
      // Softmax over all experts, keep the top-k probabilities (Mixtral,
      // Jamba); the op's `normalize` flag rescales them to sum to one.
      I32EnumAttrCase<"softmax_topk", 0>,
      // Top-k logits first, softmax over the k kept.
      I32EnumAttrCase<"topk_softmax", 1>,
      // Sigmoid of each logit; the top k by sigmoid + selection_bias are
      // kept, weighted by their sigmoids (LFM2-MoE, DeepSeek-V3-style).
      I32EnumAttrCase<"sigmoid_topk", 2>
    ]> {
  let cppNamespace = "::seqc::seq";
}

// The kernel a seq op is lowered with, chosen by seq-select-lowering and
// recorded as `seq.lowering = #seq.lowering<...>` (docs/pipeline.md).
def Seq_LoweringKernel : I32EnumAttr<"LoweringKernel",
    "how the code generator lowers one op", [
      // Target-neutral forms (convert-seq-to-linalg).
      I32EnumAttrCase<"reference", 0>, // scores materialised; scans step by step
      I32EnumAttrCase<"generic", 1>,   // the one linalg form (norms)
      I32EnumAttrCase<"flash", 2>,     // attention: key tiles, online softmax
      I32EnumAttrCase<"tiled", 3>,     // selective_scan over channel tiles
      I32EnumAttrCase<"chunked", 4>,   // ssd, linear_attention in chunks
      // CPU kernels (passes/Codegen/CPU).
      I32EnumAttrCase<"cpu_flash", 5>, // register-tiled flash attention
      I32EnumAttrCase<"cpu_scan", 6>,  // selective scan state in registers
      // GPU kernels (passes/Codegen/GPU).
      I32EnumAttrCase<"gpu_flash", 7>,  // one attention kernel per op
      I32EnumAttrCase<"gpu_decode", 8>, // split-KV kernel, one query position
      I32EnumAttrCase<"gpu_scan", 9>,
      I32EnumAttrCase<"gpu_ssd", 10>,
      I32EnumAttrCase<"gpu_norm", 11>
    ]> {
  let cppNamespace = "::seqc::seq";
  let genSpecializedAttr = 0;
}

#endif // SEQC_DIALECT_SEQ_SEQENUMS_TD
