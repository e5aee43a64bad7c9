// Round trip of the channel-mixer ops, in custom and in generic form.
// RUN: seq-opt %s --split-input-file | seq-opt --split-input-file | FileCheck %s
// RUN: seq-opt %s --split-input-file --mlir-print-op-generic | seq-opt --split-input-file | FileCheck %s

// Tests that weights keep their name and static type.
// CHECK-LABEL: func.func @weight
// CHECK: %{{.+}} = seq.weight "model.embed_tokens.weight" : tensor<32x16xf32>
// CHECK: %{{.+}} = seq.weight "lm_head.weight" : tensor<32x16xbf16>
// CHECK: %{{.+}} = seq.weight "h.0.attn.c_attn.weight" transposed : tensor<48x16xf32>
// CHECK: %{{.+}} = seq.weight "experts.{}.w1.weight" stacked : tensor<4x8x16xf32>
func.func @weight() -> (tensor<32x16xf32>, tensor<32x16xbf16>, tensor<48x16xf32>, tensor<4x8x16xf32>) {
  %0 = seq.weight "model.embed_tokens.weight" : tensor<32x16xf32>
  %1 = seq.weight "lm_head.weight" : tensor<32x16xbf16>
  %2 = seq.weight "h.0.attn.c_attn.weight" transposed : tensor<48x16xf32>
  %3 = seq.weight "experts.{}.w1.weight" stacked : tensor<4x8x16xf32>
  return %0, %1, %2, %3 : tensor<32x16xf32>, tensor<32x16xbf16>, tensor<48x16xf32>, tensor<4x8x16xf32>
}

