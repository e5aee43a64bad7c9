// Round trip of seq.attention (every mask attribute, bias, KV-cache form,
// modifier regions) and seq.yield, in custom and in generic form.
// RUN: seq-opt %s --split-input-file | seq-opt --split-input-file | FileCheck %s
// RUN: seq-opt %s --split-input-file --mlir-print-op-generic | seq-opt --split-input-file | FileCheck %s

// Tests causal GQA prefill (8 query heads over 2 KV heads) with dynamic dims.
// CHECK-LABEL: func.func @causal_gqa
// CHECK-SAME: (%[[Q:.+]]: tensor<?x?x8x64xf32>, %[[K:.+]]: tensor<?x?x2x64xf32>, %[[V:.+]]: tensor<?x?x2x64xf32>)
// CHECK: seq.attention %[[Q]], %[[K]], %[[V]] {causal} : tensor<?x?x8x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32> -> tensor<?x?x8x64xf32>
func.func @causal_gqa(%q: tensor<?x?x8x64xf32>, %k: tensor<?x?x2x64xf32>, %v: tensor<?x?x2x64xf32>) -> tensor<?x?x8x64xf32> {
  %0 = seq.attention %q, %k, %v {causal} : tensor<?x?x8x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32> -> tensor<?x?x8x64xf32>
  return %0 : tensor<?x?x8x64xf32>
}

// -----

// Tests an 8-bit KV cache: i8 keys and values read with f16 block scales
// (blocks of 32 for keys, one per head vector for values).
// CHECK-LABEL: func.func @decode_q8
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} kv_length(%{{.+}}) scales(%{{.+}}, %{{.+}}) {causal} : tensor<1x1x8x64xf32>, tensor<1x256x2x64xi8>, tensor<1x256x2x64xi8> scales tensor<1x256x2x2xf16>, tensor<1x256x2x1xf16> -> tensor<1x1x8x64xf32>
func.func @decode_q8(%q: tensor<1x1x8x64xf32>, %k: tensor<1x256x2x64xi8>, %v: tensor<1x256x2x64xi8>, %n: index, %ks: tensor<1x256x2x2xf16>, %vs: tensor<1x256x2x1xf16>) -> tensor<1x1x8x64xf32> {
  %0 = seq.attention %q, %k, %v kv_length(%n) scales(%ks, %vs) {causal} : tensor<1x1x8x64xf32>, tensor<1x256x2x64xi8>, tensor<1x256x2x64xi8> scales tensor<1x256x2x2xf16>, tensor<1x256x2x1xf16> -> tensor<1x1x8x64xf32>
  return %0 : tensor<1x1x8x64xf32>
}

// -----

// Tests MQA with a value head dim that differs from the key head dim, and an
// explicit scale.
// CHECK-LABEL: func.func @mqa_scale
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} {scale = 1.250000e-01 : f32} : tensor<2x16x4x32xf16>, tensor<2x24x1x32xf16>, tensor<2x24x1x48xf16> -> tensor<2x16x4x48xf16>
func.func @mqa_scale(%q: tensor<2x16x4x32xf16>, %k: tensor<2x24x1x32xf16>, %v: tensor<2x24x1x48xf16>) -> tensor<2x16x4x48xf16> {
  %0 = seq.attention %q, %k, %v {scale = 0.125 : f32} : tensor<2x16x4x32xf16>, tensor<2x24x1x32xf16>, tensor<2x24x1x48xf16> -> tensor<2x16x4x48xf16>
  return %0 : tensor<2x16x4x48xf16>
}

// -----

// Tests the decode form: one query against a KV cache with a valid length,
// under a sliding window.
// CHECK-LABEL: func.func @decode_window
// CHECK-SAME: %[[N:[^:]+]]: index
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} kv_length(%[[N]]) {causal, sliding_window = 1024 : i64} : tensor<1x1x8x64xf32>, tensor<1x4096x2x64xf32>, tensor<1x4096x2x64xf32> -> tensor<1x1x8x64xf32>
func.func @decode_window(%q: tensor<1x1x8x64xf32>, %kc: tensor<1x4096x2x64xf32>, %vc: tensor<1x4096x2x64xf32>, %n: index) -> tensor<1x1x8x64xf32> {
  %0 = seq.attention %q, %kc, %vc kv_length(%n) {causal, sliding_window = 1024 : i64} : tensor<1x1x8x64xf32>, tensor<1x4096x2x64xf32>, tensor<1x4096x2x64xf32> -> tensor<1x1x8x64xf32>
  return %0 : tensor<1x1x8x64xf32>
}

// -----

// Tests a ring cache: 1024 slots for a window of 1024, positions beyond.
// CHECK-LABEL: func.func @decode_ring
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} kv_length(%{{.+}}) {causal, ring, sliding_window = 1024 : i64}
func.func @decode_ring(%q: tensor<1x1x8x64xf32>, %kc: tensor<1x1024x2x64xf32>, %vc: tensor<1x1024x2x64xf32>, %n: index) -> tensor<1x1x8x64xf32> {
  %0 = seq.attention %q, %kc, %vc kv_length(%n) {causal, ring, sliding_window = 1024 : i64} : tensor<1x1x8x64xf32>, tensor<1x1024x2x64xf32>, tensor<1x1024x2x64xf32> -> tensor<1x1x8x64xf32>
  return %0 : tensor<1x1x8x64xf32>
}

// -----

// Tests an additive padding bias broadcast over heads and queries (BERT).
// CHECK-LABEL: func.func @bias
// CHECK-SAME: %[[B:[^:]+]]: tensor<?x1x1x?xf32>
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} bias(%[[B]]) : tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x1x1x?xf32> -> tensor<?x?x4x8xf32>
func.func @bias(%q: tensor<?x?x4x8xf32>, %k: tensor<?x?x4x8xf32>, %v: tensor<?x?x4x8xf32>, %b: tensor<?x1x1x?xf32>) -> tensor<?x?x4x8xf32> {
  %0 = seq.attention %q, %k, %v bias(%b) : tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x1x1x?xf32> -> tensor<?x?x4x8xf32>
  return %0 : tensor<?x?x4x8xf32>
}

// -----

// Tests the sparse mask attributes: dilation with global tokens, and a
// block-sparse layout that covers all keys.
// CHECK-LABEL: func.func @sparse_masks
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} {causal, dilation_rate = 2 : i64, dilation_segment = 8 : i64, global_tokens = 1 : i64}
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} {block_layout = dense<{{\[}}[true, false], [true, true]]> : tensor<2x2xi1>, block_size = 8 : i64}
func.func @sparse_masks(%q: tensor<1x16x2x8xf32>, %k: tensor<1x16x2x8xf32>, %v: tensor<1x16x2x8xf32>) {
  %0 = seq.attention %q, %k, %v {causal, dilation_rate = 2 : i64, dilation_segment = 8 : i64, global_tokens = 1 : i64} : tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32> -> tensor<1x16x2x8xf32>
  %1 = seq.attention %q, %k, %v {block_size = 8 : i64, block_layout = dense<[[true, false], [true, true]]> : tensor<2x2xi1>} : tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32> -> tensor<1x16x2x8xf32>
  return
}

// -----

// Tests mask_mod (a document mask) and score_mod (tanh soft-capping) regions.
// CHECK-LABEL: func.func @modifiers
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} {causal} : {{.*}} mask_mod {
// CHECK-NEXT: ^bb0(%[[B:.+]]: index, %[[H:.+]]: index, %[[I:.+]]: index, %[[J:.+]]: index):
// CHECK: %[[SAME:.+]] = arith.cmpi eq
// CHECK: seq.yield %[[SAME]] : i1
// CHECK-NEXT: } score_mod {
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index):
// CHECK: %[[T:.+]] = math.tanh
// CHECK: seq.yield %{{.+}} : f32
func.func @modifiers(%q: tensor<1x?x2x8xf32>, %k: tensor<1x?x2x8xf32>, %v: tensor<1x?x2x8xf32>) -> tensor<1x?x2x8xf32> {
  %0 = seq.attention %q, %k, %v {causal} : tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32> -> tensor<1x?x2x8xf32>
  mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c64 = arith.constant 64 : index
    %di = arith.divui %i, %c64 : index
    %dj = arith.divui %j, %c64 : index
    %same = arith.cmpi eq, %di, %dj : index
    seq.yield %same : i1
  } score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %cap = arith.constant 30.0 : f32
    %x = arith.divf %s, %cap : f32
    %t = math.tanh %x : f32
    %r = arith.mulf %t, %cap : f32
    seq.yield %r : f32
  }
  return %0 : tensor<1x?x2x8xf32>
}
