// Every verifier message of the seq dialect, one case each.
// RUN: seq-opt %s --split-input-file --verify-diagnostics

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

// Tests that all float tensors of one op must share an element type.
func.func @mixed_element_types(%x: tensor<2x16xf32>, %w: tensor<16xf16>) {
  // expected-error @+1 {{expected all floating-point tensors to have element type 'f32', but operand #1 has 'f16'}}
  %0 = seq.rmsnorm %x, %w : tensor<2x16xf32>, tensor<16xf16>
  return
}

// -----

// Tests that a declared result type must equal the inferred one.
func.func @wrong_result_type(%x: tensor<2x16xf32>, %w: tensor<8x16xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x8xf32>' are incompatible with return type(s) of operation 'tensor<2x9xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.linear %x, %w : tensor<2x16xf32>, tensor<8x16xf32> -> tensor<2x9xf32>
  return
}

// -----

// Tests that ranks are enforced by the operand constraints.
func.func @wrong_rank(%t: tensor<32xf32>, %ids: tensor<4xi64>) {
  // expected-error @+1 {{operand #0 must be 2D/3D tensor of floating-point or 8-bit signless integer values, but got 'tensor<32xf32>'}}
  %0 = seq.embedding %t[%ids] : tensor<32xf32>, tensor<4xi64> -> tensor<4x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.weight
//===----------------------------------------------------------------------===//

// -----

func.func @weight_empty_name() {
  // expected-error @+1 {{expected a non-empty weight name}}
  %0 = seq.weight "" : tensor<4xf32>
  return
}

// -----

func.func @weight_nul_in_name() {
  // expected-error @+1 {{expected a weight name in UTF-8 without NUL bytes}}
  %0 = seq.weight "a\00b" : tensor<4xf32>
  return
}

// -----

func.func @weight_name_not_utf8() {
  // expected-error @+1 {{expected a weight name in UTF-8 without NUL bytes}}
  %0 = seq.weight "a\FFb" : tensor<4xf32>
  return
}

// -----

func.func @weight_transposed_rank() {
  // expected-error @+1 {{expected a 2-D type for a transposed weight, got 'tensor<2x3x4xf32>'}}
  %0 = seq.weight "w" transposed : tensor<2x3x4xf32>
  return
}

// -----

func.func @weight_panels_rank() {
  // expected-error @+1 {{expected a 3-D type [N/p, K, p] for a weight in panels, got 'tensor<64x16xf32>'}}
  %0 = seq.weight "w" panels : tensor<64x16xf32>
  return
}

// -----

func.func @weight_panels_transposed() {
  // expected-error @+1 {{expected a weight in panels to be neither transposed nor stacked}}
  %0 = seq.weight "w" transposed panels : tensor<2x16x32xf32>
  return
}

// -----

func.func @weight_stacked_name() {
  // expected-error @+1 {{expected the name of a stacked weight to hold '{}' exactly once, got 'experts.{}.{}.w'}}
  %0 = seq.weight "experts.{}.{}.w" stacked : tensor<2x3x4xf32>
  return
}

// -----

func.func @weight_stacked_rank() {
  // expected-error @+1 {{expected a type of rank >= 2 for a stacked weight, got 'tensor<4xf32>'}}
  %0 = seq.weight "experts.{}.b" stacked : tensor<4xf32>
  return
}

// -----

func.func @weight_stacked_transposed() {
  // expected-error @+1 {{expected a weight to be either transposed or stacked, not both}}
  %0 = seq.weight "experts.{}.w" transposed stacked : tensor<2x3xf32>
  return
}

// -----

func.func @weight_dynamic_shape() {
  // expected-error @+1 {{result #0 must be statically shaped tensor of floating-point or 8-bit signless integer or 32-bit signless integer values, but got 'tensor<?x4xf32>'}}
  %0 = seq.weight "w" : tensor<?x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.linear
//===----------------------------------------------------------------------===//

// -----

// Tests that a weight may be narrower than the input only as bf16/f16.
func.func @linear_weight_wider(%x: tensor<2x16xbf16>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{expected the weight's element type to be the input's ('bf16') or bf16/f16 stored narrower, got 'f32'}}
  %0 = seq.linear %x, %w : tensor<2x16xbf16>, tensor<8x16xf32> -> tensor<2x8xbf16>
  return
}

// -----

func.func @linear_weight_f8(%x: tensor<2x16xf32>, %w: tensor<8x16xf8E4M3FN>) {
  // expected-error @+1 {{expected the weight's element type to be the input's ('f32') or bf16/f16 stored narrower, got 'f8E4M3FN'}}
  %0 = seq.linear %x, %w : tensor<2x16xf32>, tensor<8x16xf8E4M3FN> -> tensor<2x8xf32>
  return
}

// -----

// Tests the block-quantized forms: i8 values exactly with scales, and the
// scales' type and shape.
func.func @linear_i8_without_scales(%x: tensor<2x64xf32>, %w: tensor<8x64xi8>) {
  // expected-error @+1 {{expected scales for an i8 (block-quantized) weight}}
  %0 = seq.linear %x, %w : tensor<2x64xf32>, tensor<8x64xi8> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_scales_of_float(%x: tensor<2x64xf32>, %w: tensor<8x64xf32>, %s: tensor<8x2xf16>) {
  // expected-error @+1 {{expected an i8 weight with scales, got 'f32'}}
  %0 = seq.linear %x, %w scales %s : tensor<2x64xf32>, tensor<8x64xf32> scales tensor<8x2xf16> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_scales_type(%x: tensor<2x64xf32>, %w: tensor<8x64xi8>, %s: tensor<8x2xf64>) {
  // expected-error @+1 {{expected f16, bf16 or f32 scales, got 'f64'}}
  %0 = seq.linear %x, %w scales %s : tensor<2x64xf32>, tensor<8x64xi8> scales tensor<8x2xf64> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_scales_rows(%x: tensor<2x64xf32>, %w: tensor<8x64xi8>, %s: tensor<4x2xf16>) {
  // expected-error @+1 {{expected scales dim 0 (4) to match weight dim 0 (8)}}
  %0 = seq.linear %x, %w scales %s : tensor<2x64xf32>, tensor<8x64xi8> scales tensor<4x2xf16> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_scales_blocks(%x: tensor<2x64xf32>, %w: tensor<8x64xi8>, %s: tensor<8x3xf16>) {
  // expected-error @+1 {{expected scales dim 1 (3) to divide the weight's 64 input features into equal blocks}}
  %0 = seq.linear %x, %w scales %s : tensor<2x64xf32>, tensor<8x64xi8> scales tensor<8x3xf16> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_scales_rank(%x: tensor<2x64xf32>, %w: tensor<1x64x8xi8>, %s: tensor<8x2xf16>) {
  // expected-error @+1 {{expected scales of rank 3 like the weight, got 'tensor<8x2xf16>'}}
  %0 = seq.linear %x, %w scales %s : tensor<2x64xf32>, tensor<1x64x8xi8> scales tensor<8x2xf16> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_quantized_f64_input(%x: tensor<2x64xf64>, %w: tensor<8x64xi8>, %s: tensor<8x2xf16>) {
  // expected-error @+1 {{expected an f32 input for a block-quantized weight, got 'f64'}}
  %0 = seq.linear %x, %w scales %s : tensor<2x64xf64>, tensor<8x64xi8> scales tensor<8x2xf16> -> tensor<2x8xf64>
  return
}

// -----

func.func @linear_bits(%x: tensor<2x64xf32>, %w: tensor<8x64xi8>, %s: tensor<8x2xf16>) {
  // expected-error @+1 {{expected bits = 8 or 4, got 2}}
  %0 = seq.linear %x, %w scales %s {bits = 2} : tensor<2x64xf32>, tensor<8x64xi8> scales tensor<8x2xf16> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_4bit_width(%x: tensor<2x64xf32>, %w: tensor<8x64xi8>, %s: tensor<8x2xf16>) {
  // expected-error @+1 {{expected weight dim 1 (64) to hold the input's 64 features two 4-bit values per byte}}
  %0 = seq.linear %x, %w scales %s {bits = 4} : tensor<2x64xf32>, tensor<8x64xi8> scales tensor<8x2xf16> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_4bit_float(%x: tensor<2x64xf32>, %w: tensor<8x64xf32>) {
  // expected-error @+1 {{expected scales for 4-bit values}}
  %0 = seq.linear %x, %w {bits = 4} : tensor<2x64xf32>, tensor<8x64xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_offsets_type(%x: tensor<2x64xf32>, %w: tensor<8x64xi8>, %s: tensor<8x2xf16>, %m: tensor<8x2xf32>) {
  // expected-error @+1 {{expected offsets of the scales' type 'tensor<8x2xf16>', got 'tensor<8x2xf32>'}}
  %0 = seq.linear %x, %w scales %s offsets %m : tensor<2x64xf32>, tensor<8x64xi8> scales tensor<8x2xf16> offsets tensor<8x2xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @embedding_i8_without_scales(%t: tensor<100x64xi8>, %ids: tensor<1x4xi64>) {
  // expected-error @+1 {{expected scales for an i8 (block-quantized) weight}}
  %0 = seq.embedding %t[%ids] : tensor<100x64xi8>, tensor<1x4xi64> -> tensor<1x4x64xf32>
  return
}

// -----

func.func @embedding_scales_vocab(%t: tensor<100x64xi8>, %ids: tensor<1x4xi64>, %s: tensor<99x2xf16>) {
  // expected-error @+1 {{expected scales dim 0 (99) to match weight dim 0 (100)}}
  %0 = seq.embedding %t[%ids] scales %s : tensor<100x64xi8>, tensor<1x4xi64> scales tensor<99x2xf16> -> tensor<1x4x64xf32>
  return
}

// -----

func.func @linear_bias_type(%x: tensor<2x16xf32>, %w: tensor<8x16xbf16>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{expected the bias's element type to be the input's ('f32'), got 'bf16'}}
  %0 = seq.linear %x, %w, %b : tensor<2x16xf32>, tensor<8x16xbf16>, tensor<8xbf16> -> tensor<2x8xf32>
  return
}

// -----

func.func @linear_panels_bias(%x: tensor<2x16xf32>, %w: tensor<2x16x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{expected bias dim 0 to match the weight's 64 output features (panels), got 32}}
  %0 = seq.linear %x, %w, %b : tensor<2x16xf32>, tensor<2x16x32xf32>, tensor<32xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @linear_in_features(%x: tensor<1x?x64xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+1 {{expected weight dim 1 (32) to match input dim 2 (64)}}
  %0 = seq.linear %x, %w : tensor<1x?x64xf32>, tensor<128x32xf32> -> tensor<1x?x128xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<1x?x64xf32>, %w: tensor<128x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{expected bias dim 0 (64) to match weight dim 0 (128)}}
  %0 = seq.linear %x, %w, %b : tensor<1x?x64xf32>, tensor<128x64xf32>, tensor<64xf32> -> tensor<1x?x128xf32>
  return
}

// -----

func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of rank >= 1 of floating-point values, but got 'tensor<f32>'}}
  %0 = seq.linear %x, %w : tensor<f32>, tensor<128x64xf32> -> tensor<128xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.rmsnorm / seq.layernorm
//===----------------------------------------------------------------------===//

// -----

func.func @rmsnorm_weight(%x: tensor<1x?x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{expected weight dim 0 (32) to match input dim 2 (64)}}
  %0 = seq.rmsnorm %x, %w : tensor<1x?x64xf32>, tensor<32xf32>
  return
}

// -----

func.func @rmsnorm_epsilon(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected epsilon >= 0, got -1}}
  %0 = seq.rmsnorm %x, %w {epsilon = -1.0 : f32} : tensor<1x?x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @rmsnorm_gate(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>, %z: tensor<1x7x64xf32>) {
  // expected-error @+1 {{expected gate type 'tensor<1x7x64xf32>' to equal input type 'tensor<1x?x64xf32>'}}
  %0 = seq.rmsnorm %x, %w gate %z : tensor<1x?x64xf32>, tensor<64xf32>, tensor<1x7x64xf32>
  return
}

// -----

func.func @rmsnorm_group_positive(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected group_size > 0, got 0}}
  %0 = seq.rmsnorm %x, %w {group_size = 0 : i64} : tensor<1x?x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @rmsnorm_group_divides(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected group_size (24) to divide input dim 2 (64)}}
  %0 = seq.rmsnorm %x, %w {group_size = 24 : i64} : tensor<1x?x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @layernorm_bias(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>, %b: tensor<65xf32>) {
  // expected-error @+1 {{expected bias dim 0 (65) to match input dim 2 (64)}}
  %0 = seq.layernorm %x, %w, %b : tensor<1x?x64xf32>, tensor<64xf32>, tensor<65xf32>
  return
}

// -----

func.func @layernorm_epsilon(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected epsilon >= 0, got -0.5}}
  %0 = seq.layernorm %x, %w {epsilon = -0.5 : f32} : tensor<1x?x64xf32>, tensor<64xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.rope
//===----------------------------------------------------------------------===//

// -----

func.func @rope_positions_seq(%q: tensor<1x8x4x16xf32>, %p: tensor<9xi64>) {
  // expected-error @+1 {{expected positions dim 0 (9) to match input dim 1 (8)}}
  %0 = seq.rope %q, %p : tensor<1x8x4x16xf32>, tensor<9xi64>
  return
}

// -----

func.func @rope_positions_batch(%q: tensor<2x8x4x16xf32>, %p: tensor<3x8xi64>) {
  // expected-error @+1 {{expected positions dim 0 (3) to match input dim 0 (2)}}
  %0 = seq.rope %q, %p : tensor<2x8x4x16xf32>, tensor<3x8xi64>
  return
}

// -----

func.func @rope_theta(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected theta > 0, got 0}}
  %0 = seq.rope %q, %p {theta = 0.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_frequency_factors_count(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected 8 frequency_factors (one per rotated pair), got 2}}
  %0 = seq.rope %q, %p {frequency_factors = array<f64: 1.0, 2.0>} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_frequency_factors_value(%q: tensor<1x?x4x4xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected positive finite frequency_factors, got 0}}
  %0 = seq.rope %q, %p {frequency_factors = array<f64: 1.0, 0.0>} : tensor<1x?x4x4xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_rotary_dim_odd(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected rotary_dim to be positive and even, got 5}}
  %0 = seq.rope %q, %p {rotary_dim = 5 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_rotary_dim_too_big(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected rotary_dim (32) <= input dim 3 (16)}}
  %0 = seq.rope %q, %p {rotary_dim = 32 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_odd_head_dim(%q: tensor<1x?x4x15xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected an even input dim 3 (head dim), got 15}}
  %0 = seq.rope %q, %p : tensor<1x?x4x15xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_missing_factor(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected 'scaling_factor' for scaling linear}}
  %0 = seq.rope %q, %p scaling linear : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_missing_llama3_param(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected 'original_max_positions' for scaling llama3}}
  %0 = seq.rope %q, %p scaling llama3 {scaling_factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_stray_param(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{unexpected 'low_freq_factor' for scaling linear}}
  %0 = seq.rope %q, %p scaling linear {scaling_factor = 2.0 : f64, low_freq_factor = 1.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_nonpositive_factor(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected scaling_factor > 0, got -2}}
  %0 = seq.rope %q, %p scaling linear {scaling_factor = -2.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_llama3_freq_order(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected high_freq_factor (1) > low_freq_factor (4)}}
  %0 = seq.rope %q, %p scaling llama3 {scaling_factor = 8.0 : f64, low_freq_factor = 4.0 : f64, high_freq_factor = 1.0 : f64, original_max_positions = 8192 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

// -----

func.func @rope_llama3_max_positions(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected original_max_positions > 0, got 0}}
  %0 = seq.rope %q, %p scaling llama3 {scaling_factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64, original_max_positions = 0 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

//===----------------------------------------------------------------------===//
// seq.activation / seq.glu / seq.softmax
//===----------------------------------------------------------------------===//

// -----

func.func @activation_unknown_kind(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [relu, gelu, gelu_tanh, silu, sigmoid, tanh, softplus]}}
  %0 = seq.activation swish %x : tensor<4xf32>
  return
}

// -----

func.func @glu_mismatch(%g: tensor<4x8xf32>, %u: tensor<4x9xf32>) {
  // expected-error @+1 {{all of {gate, up, result} have same type}}
  %0 = "seq.glu"(%g, %u) {kind = 3 : i32} : (tensor<4x8xf32>, tensor<4x9xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected axis in [-2, 2), got 2}}
  %0 = seq.softmax %x {axis = 2 : i64} : tensor<4x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.moe
//===----------------------------------------------------------------------===//

// -----

func.func @moe_bias_routing(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{expected selection_bias only with sigmoid_topk routing}}
  %0 = seq.moe %x, %l, %g, %g, %d selection_bias(%b) {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32> selection_bias tensor<4xf32>
  return
}

// -----

func.func @moe_bias_experts(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{expected selection_bias dim 0 (5) to match router_logits dim 2 (4)}}
  %0 = seq.moe %x, %l, %g, %g, %d selection_bias(%b) routing sigmoid_topk {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32> selection_bias tensor<5xf32>
  return
}

// -----

func.func @moe_epsilon_routing(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected normalize_epsilon only with sigmoid_topk routing}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64, normalize, normalize_epsilon = 1.0e-6 : f32} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_groups_divide(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected expert_groups (3) to divide the number of experts (4)}}
  %0 = seq.moe %x, %l, %g, %g, %d routing sigmoid_topk {top_k = 2 : i64, expert_groups = 3 : i64, kept_groups = 1 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_groups_routing(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected group-limited routing (kept_groups < expert_groups) only with sigmoid_topk routing}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64, expert_groups = 2 : i64, kept_groups = 1 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_groups_kept(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected kept_groups in [1, expert_groups (2)], got 3}}
  %0 = seq.moe %x, %l, %g, %g, %d routing sigmoid_topk {top_k = 2 : i64, expert_groups = 2 : i64, kept_groups = 3 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_groups_top_k(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected top_k (3) <= the experts of the kept groups (2)}}
  %0 = seq.moe %x, %l, %g, %g, %d routing sigmoid_topk {top_k = 3 : i64, expert_groups = 2 : i64, kept_groups = 1 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_groups_size(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected at least 2 experts per group (a group scores its best two), got 1}}
  %0 = seq.moe %x, %l, %g, %g, %d routing sigmoid_topk {top_k = 1 : i64, expert_groups = 4 : i64, kept_groups = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_logits_rank(%x: tensor<1x?x16xf32>, %l: tensor<?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected router_logits of rank 3 (the input's), got 'tensor<?x4xf32>'}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_logits_tokens(%x: tensor<1x8x16xf32>, %l: tensor<1x9x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected router_logits dim 1 (9) to match input dim 1 (8)}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x8x16xf32>, tensor<1x9x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_expert_count(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<3x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected gate_weight dim 0 (3) to match router_logits dim 2 (4)}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<3x32x16xf32>, tensor<3x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_ffn_dim(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x24xf32>) {
  // expected-error @+1 {{expected down_weight to take 32 inputs (gate_weight dim 1), got 24}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x24xf32>
  return
}

// -----

// Quantized experts: i8 values with scales for all three weights, blocks
// dividing each weight's inputs (4-bit: two per byte).
func.func @moe_scales_on_floats(%x: tensor<1x?x64xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %sg: tensor<4x32x2xf16>, %sd: tensor<4x64x1xf16>) {
  // expected-error @+1 {{expected an i8 gate_weight with scales, got 'f32'}}
  %0 = seq.moe %x, %l, %g, %g, %d scales(%sg, %sg, %sd) {top_k = 2 : i64} : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32> scales tensor<4x32x2xf16>, tensor<4x32x2xf16>, tensor<4x64x1xf16>
  return
}

// -----

func.func @moe_i8_without_scales(%x: tensor<1x?x64xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x64xi8>, %d: tensor<4x64x32xi8>) {
  // expected-error @+1 {{expected scales for an i8 gate_weight, got 'i8'}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x32x64xi8>, tensor<4x32x64xi8>, tensor<4x64x32xi8>
  return
}

// -----

func.func @moe_scales_blocks(%x: tensor<1x?x64xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x64xi8>, %d: tensor<4x64x32xi8>, %sg: tensor<4x32x2xf16>, %sd: tensor<4x64x3xf16>) {
  // expected-error @+1 {{expected scales dim 2 (3) to divide the down_weight's 32 inputs into equal blocks}}
  %0 = seq.moe %x, %l, %g, %g, %d scales(%sg, %sg, %sd) {top_k = 2 : i64} : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x32x64xi8>, tensor<4x32x64xi8>, tensor<4x64x32xi8> scales tensor<4x32x2xf16>, tensor<4x32x2xf16>, tensor<4x64x3xf16>
  return
}

// -----

func.func @moe_nibbles_inputs(%x: tensor<1x?x64xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x64xi8>, %d: tensor<4x64x16xi8>, %sg: tensor<4x32x2xf16>, %sd: tensor<4x64x1xf16>) {
  // expected-error @+1 {{expected gate_weight to take 64 inputs (the input's last dim), got 128}}
  %0 = seq.moe %x, %l, %g, %g, %d scales(%sg, %sg, %sd) {top_k = 2 : i64, bits = 4 : i64} : tensor<1x?x64xf32>, tensor<1x?x4xf32>, tensor<4x32x64xi8>, tensor<4x32x64xi8>, tensor<4x64x16xi8> scales tensor<4x32x2xf16>, tensor<4x32x2xf16>, tensor<4x64x1xf16>
  return
}

// -----

func.func @moe_bf16_input_f16_experts(%x: tensor<1x?x64xbf16>, %l: tensor<1x?x4xbf16>, %g: tensor<4x32x64xf16>, %d: tensor<4x64x32xf16>) {
  // expected-error @+1 {{expected gate_weight of the input's element type 'bf16' (or bf16/f16 under an f32 input), got 'f16'}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x?x64xbf16>, tensor<1x?x4xbf16>, tensor<4x32x64xf16>, tensor<4x32x64xf16>, tensor<4x64x32xf16>
  return
}

// -----

func.func @moe_top_k_zero(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected top_k >= 1, got 0}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 0 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

// -----

func.func @moe_top_k_too_big(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected top_k (5) <= the number of experts (4)}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 5 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.attention
//===----------------------------------------------------------------------===//

// -----

// A narrow KV cache: bf16/f16 keys and values only under an f32 query,
// keys and values of one type, bias and result of the query's.
func.func @attention_kv_under_bf16_query(%q: tensor<1x?x8x64xbf16>, %k: tensor<1x?x2x64xf16>, %v: tensor<1x?x2x64xf16>) {
  // expected-error @+1 {{expected key of the query's element type 'bf16' (or bf16/f16/i8 under an f32 query), got 'f16'}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xbf16>, tensor<1x?x2x64xf16>, tensor<1x?x2x64xf16> -> tensor<1x?x8x64xbf16>
  return
}

// -----

// An 8-bit KV cache: i8 key and value with both scales, an f32 query, scales
// [B, Skv, Hkv, blocks] of a float type whose blocks divide the head dim.
func.func @attention_i8_without_scales(%q: tensor<1x?x8x64xf32>, %k: tensor<1x?x2x64xi8>, %v: tensor<1x?x2x64xi8>) {
  // expected-error @+1 {{expected scales for an i8 (8-bit) KV cache}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xf32>, tensor<1x?x2x64xi8>, tensor<1x?x2x64xi8> -> tensor<1x?x8x64xf32>
  return
}

// -----

func.func @attention_scales_on_floats(%q: tensor<1x?x8x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x2x64xf32>, %s: tensor<1x?x2x2xf16>) {
  // expected-error @+1 {{expected i8 key and value with scales, got 'f32' and 'f32'}}
  %0 = seq.attention %q, %k, %v scales(%s, %s) : tensor<1x?x8x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32> scales tensor<1x?x2x2xf16>, tensor<1x?x2x2xf16> -> tensor<1x?x8x64xf32>
  return
}

// -----

func.func @attention_i8_under_f16_query(%q: tensor<1x?x8x64xf16>, %k: tensor<1x?x2x64xi8>, %v: tensor<1x?x2x64xi8>, %s: tensor<1x?x2x2xf16>) {
  // expected-error @+1 {{expected an f32 query over an 8-bit KV cache}}
  %0 = seq.attention %q, %k, %v scales(%s, %s) : tensor<1x?x8x64xf16>, tensor<1x?x2x64xi8>, tensor<1x?x2x64xi8> scales tensor<1x?x2x2xf16>, tensor<1x?x2x2xf16> -> tensor<1x?x8x64xf16>
  return
}

// -----

func.func @attention_scales_blocks(%q: tensor<1x4x8x64xf32>, %k: tensor<1x4x2x64xi8>, %v: tensor<1x4x2x64xi8>, %ks: tensor<1x4x2x3xf16>, %vs: tensor<1x4x2x2xf16>) {
  // expected-error @+1 {{expected key scales dim 3 (3) to divide the key's head dim (64) into equal blocks}}
  %0 = seq.attention %q, %k, %v scales(%ks, %vs) : tensor<1x4x8x64xf32>, tensor<1x4x2x64xi8>, tensor<1x4x2x64xi8> scales tensor<1x4x2x3xf16>, tensor<1x4x2x2xf16> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_scales_positions(%q: tensor<1x4x8x64xf32>, %k: tensor<1x4x2x64xi8>, %v: tensor<1x4x2x64xi8>, %ks: tensor<1x4x2x2xf16>, %vs: tensor<1x5x2x2xf16>) {
  // expected-error @+1 {{expected value scales dim 1 (5) to match value dim 1 (4)}}
  %0 = seq.attention %q, %k, %v scales(%ks, %vs) : tensor<1x4x8x64xf32>, tensor<1x4x2x64xi8>, tensor<1x4x2x64xi8> scales tensor<1x4x2x2xf16>, tensor<1x5x2x2xf16> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_scales_type(%q: tensor<1x4x8x64xf32>, %k: tensor<1x4x2x64xi8>, %v: tensor<1x4x2x64xi8>, %ks: tensor<1x4x2x2xf64>) {
  // expected-error @+1 {{expected f16, bf16 or f32 key scales, got 'f64'}}
  %0 = seq.attention %q, %k, %v scales(%ks, %ks) : tensor<1x4x8x64xf32>, tensor<1x4x2x64xi8>, tensor<1x4x2x64xi8> scales tensor<1x4x2x2xf64>, tensor<1x4x2x2xf64> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_kv_types_differ(%q: tensor<1x?x8x64xf32>, %k: tensor<1x?x2x64xbf16>, %v: tensor<1x?x2x64xf16>) {
  // expected-error @+1 {{expected value of the key's element type 'bf16', got 'f16'}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xf32>, tensor<1x?x2x64xbf16>, tensor<1x?x2x64xf16> -> tensor<1x?x8x64xf32>
  return
}

// -----

func.func @attention_bias_type(%q: tensor<1x4x8x64xf32>, %k: tensor<1x4x2x64xbf16>, %v: tensor<1x4x2x64xbf16>, %b: tensor<1x1x1x4xbf16>) {
  // expected-error @+1 {{expected bias of the query's element type 'f32'}}
  %0 = seq.attention %q, %k, %v bias(%b) : tensor<1x4x8x64xf32>, tensor<1x4x2x64xbf16>, tensor<1x4x2x64xbf16>, tensor<1x1x1x4xbf16> -> tensor<1x4x8x64xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x?x8x64xf32>, %k: tensor<1x?x2x32xf32>, %v: tensor<1x?x2x64xf32>) {
  // expected-error @+1 {{expected key dim 3 (32) to match query dim 3 (64)}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xf32>, tensor<1x?x2x32xf32>, tensor<1x?x2x64xf32> -> tensor<1x?x8x64xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x?x8x64xf32>, %k: tensor<3x?x2x64xf32>, %v: tensor<3x?x2x64xf32>) {
  // expected-error @+1 {{expected key dim 0 (3) to match query dim 0 (2)}}
  %0 = seq.attention %q, %k, %v : tensor<2x?x8x64xf32>, tensor<3x?x2x64xf32>, tensor<3x?x2x64xf32> -> tensor<2x?x8x64xf32>
  return
}

// -----

func.func @attention_kv_length_mismatch(%q: tensor<1x?x8x64xf32>, %k: tensor<1x16x2x64xf32>, %v: tensor<1x12x2x64xf32>) {
  // expected-error @+1 {{expected value dim 1 (12) to match key dim 1 (16)}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xf32>, tensor<1x16x2x64xf32>, tensor<1x12x2x64xf32> -> tensor<1x?x8x64xf32>
  return
}

// -----

func.func @attention_kv_heads_mismatch(%q: tensor<1x?x8x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x4x64xf32>) {
  // expected-error @+1 {{expected value dim 2 (4) to match key dim 2 (2)}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x4x64xf32> -> tensor<1x?x8x64xf32>
  return
}

// -----

func.func @attention_ring_dynamic(%q: tensor<1x1x8x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x2x64xf32>, %n: index) {
  // expected-error @+1 {{expected a static key dim 1 (the ring's slots) with ring}}
  %0 = seq.attention %q, %k, %v kv_length(%n) {causal, ring} : tensor<1x1x8x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32> -> tensor<1x1x8x64xf32>
  return
}

// -----

func.func @attention_gqa_groups(%q: tensor<1x?x6x64xf32>, %k: tensor<1x?x4x64xf32>, %v: tensor<1x?x4x64xf32>) {
  // expected-error @+1 {{expected query heads (6) to be a multiple of key/value heads (4)}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x6x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32> -> tensor<1x?x6x64xf32>
  return
}

// -----

func.func @attention_bias_dims(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x4x16xf32>, %b: tensor<1x1x8x7xf32>) {
  // expected-error @+1 {{expected bias dim 3 (7) to match key dim 1 (8)}}
  %0 = seq.attention %q, %k, %k bias(%b) : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x1x8x7xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected a finite non-zero scale, got 0}}
  %0 = seq.attention %q, %q, %q {scale = 0.0 : f32} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_causal_more_queries(%q: tensor<1x9x4x16xf32>, %k: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected query dim 1 (9) <= key dim 1 (8) for causal attention without kv_length}}
  %0 = seq.attention %q, %k, %k {causal} : tensor<1x9x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x9x4x16xf32>
  return
}

// -----

func.func @attention_window(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected sliding_window > 0, got 0}}
  %0 = seq.attention %q, %q, %q {causal, sliding_window = 0 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_global_tokens(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected global_tokens > 0, got -1}}
  %0 = seq.attention %q, %q, %q {global_tokens = -1 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_dilation_rate(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected dilation_rate > 0, got 0}}
  %0 = seq.attention %q, %q, %q {dilation_rate = 0 : i64, dilation_segment = 4 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_dilation_segment(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected dilation_segment > 0, got -4}}
  %0 = seq.attention %q, %q, %q {dilation_rate = 2 : i64, dilation_segment = -4 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_dilation_pair(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected dilation_rate and dilation_segment to be given together}}
  %0 = seq.attention %q, %q, %q {dilation_rate = 2 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_dilation_order(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected dilation_rate (8) <= dilation_segment (4)}}
  %0 = seq.attention %q, %q, %q {dilation_rate = 8 : i64, dilation_segment = 4 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_block_pair(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected block_size and block_layout to be given together}}
  %0 = seq.attention %q, %q, %q {block_size = 4 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_block_size(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected block_size > 0, got 0}}
  %0 = seq.attention %q, %q, %q {block_size = 0 : i64, block_layout = dense<true> : tensor<2x2xi1>} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_block_square(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected block_layout to be a square 2-D map, got 'tensor<2x3xi1>'}}
  %0 = seq.attention %q, %q, %q {block_size = 4 : i64, block_layout = dense<true> : tensor<2x3xi1>} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_block_cover(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected block_layout (2 blocks of 2) to cover key dim 1 (8)}}
  %0 = seq.attention %q, %q, %q {block_size = 2 : i64, block_layout = dense<true> : tensor<2x2xi1>} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

// -----

func.func @attention_mask_mod_args(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected mask_mod arguments ('index', 'index', 'index', 'index') for (batch, head, query, key)}}
  %0 = seq.attention %q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  mask_mod {
  ^bb0(%i: index, %j: index):
    %t = arith.constant true
    seq.yield %t : i1
  }
  return
}

// -----

func.func @attention_mask_mod_yield(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected mask_mod to yield one value of type 'i1'}}
  %0 = seq.attention %q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    seq.yield %i : index
  }
  return
}

// -----

func.func @attention_score_mod_args(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected score_mod arguments ('f32', 'index', 'index', 'index', 'index') for (score, batch, head, query, key)}}
  %0 = seq.attention %q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  score_mod {
  ^bb0(%s: f16, %b: index, %h: index, %i: index, %j: index):
    seq.yield %s : f16
  }
  return
}

// -----

func.func @attention_score_mod_yield(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected score_mod to yield one value of type 'f32'}}
  %0 = seq.attention %q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    seq.yield %s, %s : f32, f32
  }
  return
}

// -----

func.func @yield_outside_attention(%x: f32) {
  // expected-error @+1 {{expects parent op to be one of 'seq.attention, seq.layer'}}
  seq.yield %x : f32
}

//===----------------------------------------------------------------------===//
// seq.selective_scan
//===----------------------------------------------------------------------===//

// -----

func.func @scan_delta(%u: tensor<1x8x32xf32>, %dt: tensor<1x8x16xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expected delta dim 2 (16) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %dt, %a, %b, %b : (tensor<1x8x32xf32>, tensor<1x8x16xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

// -----

func.func @scan_a(%u: tensor<1x8x32xf32>, %a: tensor<16x4xf32>, %b: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expected A dim 0 (16) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<16x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

// -----

func.func @scan_b_state_dim(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x5xf32>, %c: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expected B dim 2 (5) to match A dim 1 (4)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %c : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x5xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

// -----

func.func @scan_c_length(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>, %c: tensor<1x7x4xf32>) {
  // expected-error @+1 {{expected C dim 1 (7) to match u dim 1 (8)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %c : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x7x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

// -----

func.func @scan_d(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>, %d: tensor<31xf32>) {
  // expected-error @+1 {{expected D dim 0 (31) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b D(%d) : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<31xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

// -----

func.func @scan_z(%u: tensor<2x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<2x8x4xf32>, %z: tensor<1x8x32xf32>) {
  // expected-error @+1 {{expected z dim 0 (1) to match u dim 0 (2)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b z(%z) : (tensor<2x8x32xf32>, tensor<2x8x32xf32>, tensor<32x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<1x8x32xf32>) -> (tensor<2x8x32xf32>, tensor<2x32x4xf32>)
  return
}

// -----

func.func @scan_delta_bias(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>, %db: tensor<4xf32>) {
  // expected-error @+1 {{expected delta_bias dim 0 (4) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b delta_bias(%db) : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

// -----

func.func @scan_initial_state(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>, %h0: tensor<1x4x32xf32>) {
  // expected-error @+1 {{expected initial_state dim 1 (4) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b initial_state(%h0) : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x4x32xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

// -----

func.func @scan_final_state_type(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x8x32xf32>', 'tensor<1x32x4xf32>' are incompatible with return type(s) of operation 'tensor<1x8x32xf32>', 'tensor<1x32x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x8xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.ssd
//===----------------------------------------------------------------------===//

// -----

func.func @ssd_dt(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x2xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected dt dim 2 (2) to match x dim 2 (4)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x8x4x16xf32>, tensor<1x8x2xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_a(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<5xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected A dim 0 (5) to match x dim 2 (4)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<5xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_b_length(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x9x1x32xf32>) {
  // expected-error @+1 {{expected B dim 1 (9) to match x dim 1 (8)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x9x1x32xf32>, tensor<1x9x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_c_groups(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %c: tensor<1x8x2x32xf32>) {
  // expected-error @+1 {{expected C dim 2 (2) to match B dim 2 (1)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %c : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x2x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_groups_divide(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x3x32xf32>) {
  // expected-error @+1 {{expected x heads (dim 2, 4) to be a multiple of B/C groups (dim 2, 3)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x3x32xf32>, tensor<1x8x3x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_d(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %d: tensor<16xf32>) {
  // expected-error @+1 {{expected D dim 0 (16) to match x dim 2 (4)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b D(%d) : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>, tensor<16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_z(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %z: tensor<1x8x4x8xf32>) {
  // expected-error @+1 {{expected z dim 3 (8) to match x dim 3 (16)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b z(%z) : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>, tensor<1x8x4x8xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_dt_bias(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %db: tensor<2xf32>) {
  // expected-error @+1 {{expected dt_bias dim 0 (2) to match x dim 2 (4)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b dt_bias(%db) : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>, tensor<2xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_initial_state(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %s0: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{expected initial_state dim 3 (16) to match B dim 3 (32)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b initial_state(%s0) : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>, tensor<1x4x16x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_dt_limit_size(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected dt_limit to hold [min, max], got 3 values}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b {dt_limit = array<f32: 0.0, 1.0, 2.0>} : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_dt_limit_order(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected dt_limit min (2) <= max (1)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b {dt_limit = array<f32: 2.0, 1.0>} : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @ssd_chunk_size(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected chunk_size > 0, got 0}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b {chunk_size = 0 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.mlstm
//===----------------------------------------------------------------------===//

// -----

func.func @mlstm_gate(%q: tensor<1x8x4x16xf32>, %i: tensor<1x8x4xf32>, %f: tensor<1x8x2xf32>) {
  // expected-error @+1 {{expected fgate dim 2 (2) to match query dim 2 (4)}}
  %y, %c, %n, %m = seq.mlstm %q, %q, %q, %i, %f : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
  return
}

// -----

func.func @mlstm_normalizer(%q: tensor<1x8x4x16xf32>, %i: tensor<1x8x4xf32>, %c0: tensor<1x4x16x16xf32>, %n0: tensor<1x4x8xf32>, %m0: tensor<1x4xf32>) {
  // expected-error @+1 {{expected initial_normalizer dim 2 (8) to match query dim 3 (16)}}
  %y, %c, %n, %m = seq.mlstm %q, %q, %q, %i, %i initial_state(%c0, %n0, %m0) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x4x16x16xf32>, tensor<1x4x8xf32>, tensor<1x4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
  return
}

// -----

func.func @mlstm_partial_state(%q: tensor<1x8x4x16xf32>, %i: tensor<1x8x4xf32>, %c0: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{expects initial_memory, initial_normalizer and initial_stabilizer together or not at all}}
  %y, %c, %n, %m = "seq.mlstm"(%q, %q, %q, %i, %i, %c0) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0>}> : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x4x16x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
  return
}

// -----

func.func @mlstm_epsilon(%q: tensor<1x8x4x16xf32>, %i: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expects a finite epsilon >= 0}}
  %y, %c, %n, %m = seq.mlstm %q, %q, %q, %i, %i {epsilon = -1.0 : f32} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.wkv
//===----------------------------------------------------------------------===//

// -----

func.func @wkv_value(%w: tensor<64xf32>, %k: tensor<1x8x64xf32>, %v: tensor<1x7x64xf32>) {
  // expected-error @+1 {{expected value dim 1 (7) to match key dim 1 (8)}}
  %y, %s = seq.wkv %w, %w, %k, %v : (tensor<64xf32>, tensor<64xf32>, tensor<1x8x64xf32>, tensor<1x7x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x3x64xf32>)
  return
}

// -----

func.func @wkv_bonus(%w: tensor<64xf32>, %u: tensor<32xf32>, %k: tensor<1x8x64xf32>) {
  // expected-error @+1 {{expected bonus dim 0 (32) to match key dim 2 (64)}}
  %y, %s = seq.wkv %w, %u, %k, %k : (tensor<64xf32>, tensor<32xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x3x64xf32>)
  return
}

// -----

func.func @wkv_state_rows(%w: tensor<64xf32>, %k: tensor<1x8x64xf32>, %s0: tensor<1x2x64xf32>) {
  // expected-error @+1 {{expected initial_state dim 1 to be 3 (rows a, d, m), got 2}}
  %y, %s = seq.wkv %w, %w, %k, %k initial_state(%s0) : (tensor<64xf32>, tensor<64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x2x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x3x64xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.delta_rule
//===----------------------------------------------------------------------===//

// -----

func.func @delta_rule_beta(%q: tensor<1x8x4x16xf32>, %b: tensor<1x8x2xf32>) {
  // expected-error @+1 {{expected beta dim 2 (2) to match query dim 2 (4)}}
  %y, %s = seq.delta_rule %q, %q, %q, %b : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x2xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

// -----

func.func @delta_rule_decay(%q: tensor<1x8x4x16xf32>, %b: tensor<1x8x4xf32>, %g: tensor<1x7x4xf32>) {
  // expected-error @+1 {{expected log_decay dim 1 (7) to match query dim 1 (8)}}
  %y, %s = seq.delta_rule %q, %q, %q, %b log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<1x7x4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

// -----

func.func @delta_rule_state(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %b: tensor<1x8x4xf32>, %s0: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{expected initial_state dim 3 (16) to match value dim 3 (32)}}
  %y, %s = seq.delta_rule %q, %q, %v, %b initial_state(%s0) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4xf32>, tensor<1x4x16x16xf32>) -> (tensor<1x8x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @delta_rule_chunk(%q: tensor<1x8x4x16xf32>, %b: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expected chunk_size > 0, got 0}}
  %y, %s = seq.delta_rule %q, %q, %q, %b {chunk_size = 0 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.linear_attention
//===----------------------------------------------------------------------===//

// -----

func.func @linear_attention_key(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x4x8xf32>, %v: tensor<1x8x4x32xf32>) {
  // expected-error @+1 {{expected key dim 3 (8) to match query dim 3 (16)}}
  %y, %s = seq.linear_attention %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x32xf32>) -> (tensor<1x8x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @linear_attention_value(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x2x32xf32>) {
  // expected-error @+1 {{expected value dim 2 (2) to match query dim 2 (4)}}
  %y, %s = seq.linear_attention %q, %q, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x2x32xf32>) -> (tensor<1x8x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @linear_attention_decay_per_head(%q: tensor<1x8x4x16xf32>, %g: tensor<3xf32>) {
  // expected-error @+1 {{expected log_decay dim 0 (3) to match query dim 2 (4)}}
  %y, %s = seq.linear_attention %q, %q, %q log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<3xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

// -----

func.func @linear_attention_decay_per_step(%q: tensor<1x8x4x16xf32>, %g: tensor<1x7x4xf32>) {
  // expected-error @+1 {{expected log_decay dim 1 (7) to match query dim 1 (8)}}
  %y, %s = seq.linear_attention %q, %q, %q log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x7x4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

// -----

func.func @linear_attention_decay_per_channel(%q: tensor<1x8x4x16xf32>, %g: tensor<1x8x4x15xf32>) {
  // expected-error @+1 {{expected log_decay dim 3 (15) to match query dim 3 (16)}}
  %y, %s = seq.linear_attention %q, %q, %q log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x15xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

// -----

func.func @linear_attention_decay_rank(%q: tensor<1x8x4x16xf32>, %g: tensor<8x4xf32>) {
  // expected-error @+1 {{operand #3 must be 1D/3D/4D tensor of floating-point values, but got 'tensor<8x4xf32>'}}
  %y, %s = seq.linear_attention %q, %q, %q log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<8x4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

// -----

func.func @linear_attention_state(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %s0: tensor<1x4x32x16xf32>) {
  // expected-error @+1 {{expected initial_state dim 2 (32) to match query dim 3 (16)}}
  %y, %s = seq.linear_attention %q, %q, %v initial_state(%s0) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x4x32x16xf32>) -> (tensor<1x8x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

func.func @linear_attention_chunk(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected chunk_size > 0, got -1}}
  %y, %s = seq.linear_attention %q, %q, %q {chunk_size = -1 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.causal_conv1d
//===----------------------------------------------------------------------===//

// -----

func.func @conv_channels(%x: tensor<1x8x32xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+1 {{expected weight dim 0 (16) to match input dim 2 (32)}}
  %y, %s = seq.causal_conv1d %x, %w : (tensor<1x8x32xf32>, tensor<16x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x3xf32>)
  return
}

// -----

func.func @conv_no_taps(%x: tensor<1x8x32xf32>, %w: tensor<32x0xf32>) {
  // expected-error @+1 {{expected at least one tap in weight dim 1, got 0}}
  %y, %s = seq.causal_conv1d %x, %w : (tensor<1x8x32xf32>, tensor<32x0xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x?xf32>)
  return
}

// -----

func.func @conv_bias(%x: tensor<1x8x32xf32>, %w: tensor<32x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{expected bias dim 0 (4) to match input dim 2 (32)}}
  %y, %s = seq.causal_conv1d %x, %w, %b : (tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x3xf32>)
  return
}

// -----

func.func @conv_state_batch(%x: tensor<2x8x32xf32>, %w: tensor<32x4xf32>, %st: tensor<1x32x3xf32>) {
  // expected-error @+1 {{expected state dim 0 (1) to match input dim 0 (2)}}
  %y, %s = seq.causal_conv1d %x, %w state(%st) : (tensor<2x8x32xf32>, tensor<32x4xf32>, tensor<1x32x3xf32>) -> (tensor<2x8x32xf32>, tensor<2x32x3xf32>)
  return
}

// -----

func.func @conv_state_channels(%x: tensor<1x8x32xf32>, %w: tensor<32x4xf32>, %st: tensor<1x16x3xf32>) {
  // expected-error @+1 {{expected state dim 1 (16) to match input dim 2 (32)}}
  %y, %s = seq.causal_conv1d %x, %w state(%st) : (tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x16x3xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x3xf32>)
  return
}

// -----

func.func @conv_state_history(%x: tensor<1x8x32xf32>, %w: tensor<32x4xf32>, %st: tensor<1x32x4xf32>) {
  // expected-error @+1 {{expected state dim 2 (4) to be weight dim 1 minus one (3)}}
  %y, %s = seq.causal_conv1d %x, %w state(%st) : (tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x32x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x3xf32>)
  return
}

// -----

func.func @rows_without_panels() -> tensor<100x32xf32> {
  // expected-error @+1 {{expected rows only on a weight in panels}}
  %w = seq.weight "w" rows(100) : tensor<100x32xf32>
  return %w : tensor<100x32xf32>
}

// -----

func.func @rows_outside_the_last_panel() -> tensor<4x32x32xf32> {
  // expected-error @+1 {{expected rows in (96, 128) for panels whose last one is partial, got 96}}
  %w = seq.weight "w" panels rows(96) : tensor<4x32x32xf32>
  return %w : tensor<4x32x32xf32>
}
