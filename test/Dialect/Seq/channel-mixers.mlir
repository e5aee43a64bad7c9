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

// -----

// Tests embedding lookups with dynamic batch and sequence dims.
// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[T:.+]]: tensor<32x16xf32>, %[[IDS:.+]]: tensor<?x?xi64>, %[[ID32:.+]]: tensor<7xi32>)
// CHECK: seq.embedding %[[T]][%[[IDS]]] : tensor<32x16xf32>, tensor<?x?xi64> -> tensor<?x?x16xf32>
// CHECK: seq.embedding %[[T]][%[[ID32]]] : tensor<32x16xf32>, tensor<7xi32> -> tensor<7x16xf32>
func.func @embedding(%t: tensor<32x16xf32>, %ids: tensor<?x?xi64>, %ids32: tensor<7xi32>) {
  %0 = seq.embedding %t[%ids] : tensor<32x16xf32>, tensor<?x?xi64> -> tensor<?x?x16xf32>
  %1 = seq.embedding %t[%ids32] : tensor<32x16xf32>, tensor<7xi32> -> tensor<7x16xf32>
  return
}

// -----

// Tests linear with and without bias, on rank-3 and rank-2 inputs.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x16xf32>, %[[W:.+]]: tensor<48x16xf32>, %[[B:.+]]: tensor<48xf32>, %[[X2:.+]]: tensor<5x16xf32>)
// CHECK: seq.linear %[[X]], %[[W]], %[[B]] : tensor<1x?x16xf32>, tensor<48x16xf32>, tensor<48xf32> -> tensor<1x?x48xf32>
// CHECK: seq.linear %[[X2]], %[[W]] : tensor<5x16xf32>, tensor<48x16xf32> -> tensor<5x48xf32>
func.func @linear(%x: tensor<1x?x16xf32>, %w: tensor<48x16xf32>, %b: tensor<48xf32>, %x2: tensor<5x16xf32>) {
  %0 = seq.linear %x, %w, %b : tensor<1x?x16xf32>, tensor<48x16xf32>, tensor<48xf32> -> tensor<1x?x48xf32>
  %1 = seq.linear %x2, %w : tensor<5x16xf32>, tensor<48x16xf32> -> tensor<5x48xf32>
  return
}

// -----

// Tests weights stored narrower than the input (bf16, f16; panels too).
// CHECK-LABEL: func.func @linear_narrow_weights
// CHECK: seq.linear %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x?x16xf32>, tensor<48x16xbf16>, tensor<48xf32> -> tensor<1x?x48xf32>
// CHECK: seq.linear %{{.+}}, %{{.+}} : tensor<1x?x16xf32>, tensor<3x16x16xf16> -> tensor<1x?x48xf32>
func.func @linear_narrow_weights(%x: tensor<1x?x16xf32>, %w: tensor<48x16xbf16>, %b: tensor<48xf32>, %p: tensor<3x16x16xf16>) {
  %0 = seq.linear %x, %w, %b : tensor<1x?x16xf32>, tensor<48x16xbf16>, tensor<48xf32> -> tensor<1x?x48xf32>
  %1 = seq.linear %x, %p : tensor<1x?x16xf32>, tensor<3x16x16xf16> -> tensor<1x?x48xf32>
  return
}

// -----

// Tests rmsnorm: default epsilon elided, gated and grouped forms, Gemma offset.
// CHECK-LABEL: func.func @rmsnorm
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x64xf16>, %[[W:.+]]: tensor<64xf16>, %[[Z:.+]]: tensor<?x?x64xf16>)
// CHECK: seq.rmsnorm %[[X]], %[[W]] : tensor<?x?x64xf16>, tensor<64xf16>
// CHECK: seq.rmsnorm %[[X]], %[[W]] {epsilon = 9.99999974E-6 : f32, weight_offset = 1.000000e+00 : f32} : tensor<?x?x64xf16>, tensor<64xf16>
// CHECK: seq.rmsnorm %[[X]], %[[W]] gate %[[Z]] {group_size = 32 : i64} : tensor<?x?x64xf16>, tensor<64xf16>, tensor<?x?x64xf16>
func.func @rmsnorm(%x: tensor<?x?x64xf16>, %w: tensor<64xf16>, %z: tensor<?x?x64xf16>) {
  %0 = seq.rmsnorm %x, %w : tensor<?x?x64xf16>, tensor<64xf16>
  %1 = seq.rmsnorm %x, %w {epsilon = 1.0e-5 : f32, weight_offset = 1.0 : f32} : tensor<?x?x64xf16>, tensor<64xf16>
  %2 = seq.rmsnorm %x, %w gate %z {group_size = 32 : i64} : tensor<?x?x64xf16>, tensor<64xf16>, tensor<?x?x64xf16>
  return
}

// -----

// Tests layernorm with and without bias.
// CHECK-LABEL: func.func @layernorm
// CHECK-SAME: (%[[X:.+]]: tensor<2x?x32xf32>, %[[W:.+]]: tensor<32xf32>, %[[B:.+]]: tensor<32xf32>)
// CHECK: seq.layernorm %[[X]], %[[W]], %[[B]] {epsilon = 9.99999996E-13 : f32} : tensor<2x?x32xf32>, tensor<32xf32>, tensor<32xf32>
// CHECK: seq.layernorm %[[X]], %[[W]] : tensor<2x?x32xf32>, tensor<32xf32>
func.func @layernorm(%x: tensor<2x?x32xf32>, %w: tensor<32xf32>, %b: tensor<32xf32>) {
  %0 = seq.layernorm %x, %w, %b {epsilon = 1.0e-12 : f32} : tensor<2x?x32xf32>, tensor<32xf32>, tensor<32xf32>
  %1 = seq.layernorm %x, %w : tensor<2x?x32xf32>, tensor<32xf32>
  return
}

// -----

// Tests rope: defaults, partial interleaved rotation, and both scaling kinds.
// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[Q:.+]]: tensor<1x?x4x16xf32>, %[[P:.+]]: tensor<?xi64>, %[[P2:.+]]: tensor<1x?xi32>)
// CHECK: seq.rope %[[Q]], %[[P]] : tensor<1x?x4x16xf32>, tensor<?xi64>
// CHECK: seq.rope %[[Q]], %[[P2]] {interleaved, rotary_dim = 8 : i64, theta = 5.000000e+05 : f64} : tensor<1x?x4x16xf32>, tensor<1x?xi32>
// CHECK: seq.rope %[[Q]], %[[P]] scaling linear {scaling_factor = 2.000000e+00 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
// CHECK: seq.rope %[[Q]], %[[P]] scaling llama3 {high_freq_factor = 4.000000e+00 : f64, low_freq_factor = 1.000000e+00 : f64, original_max_positions = 8192 : i64, scaling_factor = 8.000000e+00 : f64}
func.func @rope(%q: tensor<1x?x4x16xf32>, %pos: tensor<?xi64>, %pos2: tensor<1x?xi32>) {
  %0 = seq.rope %q, %pos : tensor<1x?x4x16xf32>, tensor<?xi64>
  %1 = seq.rope %q, %pos2 {theta = 5.0e5 : f64, rotary_dim = 8 : i64, interleaved} : tensor<1x?x4x16xf32>, tensor<1x?xi32>
  %2 = seq.rope %q, %pos scaling linear {scaling_factor = 2.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  %3 = seq.rope %q, %pos scaling llama3 {scaling_factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64, original_max_positions = 8192 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

// Tests every activation kind, glu, and softmax with its default axis elided.
// CHECK-LABEL: func.func @pointwise
// CHECK-SAME: (%[[X:.+]]: tensor<?x8xbf16>, %[[Y:.+]]: tensor<?x8xbf16>)
// CHECK: seq.activation relu %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation gelu %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation gelu_tanh %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation silu %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation sigmoid %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation tanh %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation softplus %[[X]] : tensor<?x8xbf16>
// CHECK: seq.glu silu %[[X]], %[[Y]] : tensor<?x8xbf16>
// CHECK: seq.glu gelu %[[X]], %[[Y]] : tensor<?x8xbf16>
// CHECK: seq.softmax %[[X]] : tensor<?x8xbf16>
// CHECK: seq.softmax %[[X]] {axis = 0 : i64} : tensor<?x8xbf16>
func.func @pointwise(%x: tensor<?x8xbf16>, %y: tensor<?x8xbf16>) {
  %0 = seq.activation relu %x : tensor<?x8xbf16>
  %1 = seq.activation gelu %x : tensor<?x8xbf16>
  %2 = seq.activation gelu_tanh %x : tensor<?x8xbf16>
  %3 = seq.activation silu %x : tensor<?x8xbf16>
  %4 = seq.activation sigmoid %x : tensor<?x8xbf16>
  %5 = seq.activation tanh %x : tensor<?x8xbf16>
  %6 = seq.activation softplus %x : tensor<?x8xbf16>
  %7 = seq.glu silu %x, %y : tensor<?x8xbf16>
  %8 = seq.glu gelu %x, %y : tensor<?x8xbf16>
  %9 = seq.softmax %x {axis = -1 : i64} : tensor<?x8xbf16>
  %10 = seq.softmax %x {axis = 0 : i64} : tensor<?x8xbf16>
  return
}

// -----

// Tests moe with 4-bit affine experts (scales and offsets) and bf16 ones.
// CHECK-LABEL: func.func @moe_quantized
// CHECK: seq.moe %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} scales(%{{.+}}, %{{.+}}, %{{.+}}) offsets(%{{.+}}, %{{.+}}, %{{.+}}) {bits = 4 : i64, top_k = 2 : i64} : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x32x32xi8>, tensor<4x32x32xi8>, tensor<4x64x16xi8> scales tensor<4x32x2xf16>, tensor<4x32x2xf16>, tensor<4x64x1xf16> offsets tensor<4x32x2xf16>, tensor<4x32x2xf16>, tensor<4x64x1xf16>
// CHECK: seq.moe {{.+}} : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x32x64xbf16>, tensor<4x32x64xbf16>, tensor<4x64x32xbf16>
func.func @moe_quantized(%x: tensor<1x?x64xf32>, %logits: tensor<1x?x4xf32>, %g: tensor<4x32x32xi8>, %d: tensor<4x64x16xi8>, %sg: tensor<4x32x2xf16>, %sd: tensor<4x64x1xf16>, %bg: tensor<4x32x64xbf16>, %bd: tensor<4x64x32xbf16>) {
  %0 = seq.moe %x, %logits, %g, %g, %d scales(%sg, %sg, %sd) offsets(%sg, %sg, %sd) {top_k = 2 : i64, bits = 4 : i64} : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x32x32xi8>, tensor<4x32x32xi8>, tensor<4x64x16xi8> scales tensor<4x32x2xf16>, tensor<4x32x2xf16>, tensor<4x64x1xf16> offsets tensor<4x32x2xf16>, tensor<4x32x2xf16>, tensor<4x64x1xf16>
  %1 = seq.moe %x, %logits, %bg, %bg, %bd {top_k = 2 : i64} : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x32x64xbf16>, tensor<4x32x64xbf16>, tensor<4x64x32xbf16>
  return
}

// -----

// Tests moe's sigmoid routing with a selection bias, epsilon and scale.
// CHECK-LABEL: func.func @moe_sigmoid
// CHECK: seq.moe %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} selection_bias(%{{.+}}) routing sigmoid_topk {normalize, normalize_epsilon = 9.99999997E-7 : f32, routed_scale = 2.500000e+00 : f32, top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32> selection_bias tensor<4xf32>
func.func @moe_sigmoid(%x: tensor<1x?x16xf32>, %logits: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>, %b: tensor<4xf32>) {
  %0 = seq.moe %x, %logits, %g, %g, %d selection_bias(%b) routing sigmoid_topk {top_k = 2 : i64, normalize, normalize_epsilon = 1.0e-6 : f32, routed_scale = 2.5 : f32} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32> selection_bias tensor<4xf32>
  return
}

// -----

// Tests moe with default routing and activation elided, then both overridden.
// CHECK-LABEL: func.func @moe
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x16xf32>, %[[L:.+]]: tensor<1x?x4xf32>, %[[G:.+]]: tensor<4x32x16xf32>, %[[U:.+]]: tensor<4x32x16xf32>, %[[D:.+]]: tensor<4x16x32xf32>)
// CHECK: seq.moe %[[X]], %[[L]], %[[G]], %[[U]], %[[D]] {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
// CHECK: seq.moe %[[X]], %[[L]], %[[G]], %[[U]], %[[D]] routing topk_softmax activation gelu {normalize, top_k = 1 : i64}
func.func @moe(%x: tensor<1x?x16xf32>, %logits: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %u: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  %0 = seq.moe %x, %logits, %g, %u, %d {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  %1 = seq.moe %x, %logits, %g, %u, %d routing topk_softmax activation gelu {top_k = 1 : i64, normalize} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}
