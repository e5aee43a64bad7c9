// RUN: seq-opt %s --split-input-file --seq-outline-layers --verify-diagnostics | FileCheck %s
// RUN: seq-opt %s --split-input-file --seq-inline-layers | FileCheck %s --check-prefix=INLINE

// Two equal layers and one that differs (another constant): two functions,
// three calls. Captured values (the residual stream, a weight, a state, the
// position) become arguments in first-use order; constants are cloned in.
// CHECK-LABEL: func.func @seq_impl_prefill
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x4xf32>, %[[W0:.+]]: tensor<4xf32>, %[[W1:.+]]: tensor<4xf32>, %[[W2:.+]]: tensor<4xf32>, %[[S:.+]]: tensor<8x4xf32>, %[[P:.+]]: index)
// CHECK-NOT: seq.layer
// CHECK: %[[A:.+]]:2 = call @prefill_layer_0(%[[X]], %[[W0]], %[[S]], %[[P]])
// CHECK: %[[B:.+]]:2 = call @prefill_layer_0(%[[A]]#0, %[[W1]], %[[A]]#1, %[[P]])
// CHECK: %[[C:.+]]:2 = call @prefill_layer_2(%[[B]]#0, %[[W2]], %[[B]]#1, %[[P]])
// CHECK: return %[[C]]#0, %[[C]]#1
// CHECK-LABEL: func.func private @prefill_layer_2
// CHECK-SAME: (%{{.+}}: tensor<1x?x4xf32>, %{{.+}}: tensor<4xf32>, %{{.+}}: tensor<8x4xf32>, %{{.+}}: index) -> (tensor<1x?x4xf32>, tensor<8x4xf32>)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK: arith.constant 2.000000e+00 : f32
// CHECK-LABEL: func.func private @prefill_layer_0
// CHECK: arith.constant 1.000000e+00 : f32
// CHECK: tensor.insert_slice
// CHECK: return
// CHECK-NOT: func.func private @prefill_layer_1
// INLINE-LABEL: func.func @seq_impl_prefill
// INLINE-NOT: seq.layer
// INLINE-NOT: call
// INLINE-COUNT-3: tensor.insert_slice
// INLINE: return
func.func @seq_impl_prefill(%x: tensor<1x?x4xf32>, %w0: tensor<4xf32>,
    %w1: tensor<4xf32>, %w2: tensor<4xf32>, %s: tensor<8x4xf32>, %p: index)
    -> (tensor<1x?x4xf32>, tensor<8x4xf32>) {
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %a:2 = seq.layer -> (tensor<1x?x4xf32>, tensor<8x4xf32>) {
    %y = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (k)>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%x, %w0 : tensor<1x?x4xf32>, tensor<4xf32>) outs(%x : tensor<1x?x4xf32>) {
    ^bb0(%in: f32, %w: f32, %out: f32):
      %m = arith.mulf %in, %w : f32
      %r = arith.addf %m, %one : f32
      linalg.yield %r : f32
    } -> tensor<1x?x4xf32>
    %row = tensor.extract_slice %y[0, 0, 0] [1, 1, 4] [1, 1, 1] : tensor<1x?x4xf32> to tensor<1x4xf32>
    %c = tensor.insert_slice %row into %s[%p, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<8x4xf32>
    seq.yield %y, %c : tensor<1x?x4xf32>, tensor<8x4xf32>
  }
  %b:2 = seq.layer -> (tensor<1x?x4xf32>, tensor<8x4xf32>) {
    %y = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (k)>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%a#0, %w1 : tensor<1x?x4xf32>, tensor<4xf32>) outs(%a#0 : tensor<1x?x4xf32>) {
    ^bb0(%in: f32, %w: f32, %out: f32):
      %m = arith.mulf %in, %w : f32
      %r = arith.addf %m, %one : f32
      linalg.yield %r : f32
    } -> tensor<1x?x4xf32>
    %row = tensor.extract_slice %y[0, 0, 0] [1, 1, 4] [1, 1, 1] : tensor<1x?x4xf32> to tensor<1x4xf32>
    %c = tensor.insert_slice %row into %a#1[%p, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<8x4xf32>
    seq.yield %y, %c : tensor<1x?x4xf32>, tensor<8x4xf32>
  }
  %c:2 = seq.layer -> (tensor<1x?x4xf32>, tensor<8x4xf32>) {
    %y = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (k)>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%b#0, %w2 : tensor<1x?x4xf32>, tensor<4xf32>) outs(%b#0 : tensor<1x?x4xf32>) {
    ^bb0(%in: f32, %w: f32, %out: f32):
      %m = arith.mulf %in, %w : f32
      %r = arith.addf %m, %two : f32
      linalg.yield %r : f32
    } -> tensor<1x?x4xf32>
    %row = tensor.extract_slice %y[0, 0, 0] [1, 1, 4] [1, 1, 1] : tensor<1x?x4xf32> to tensor<1x4xf32>
    %c = tensor.insert_slice %row into %b#1[%p, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<8x4xf32>
    seq.yield %y, %c : tensor<1x?x4xf32>, tensor<8x4xf32>
  }
  return %c#0, %c#1 : tensor<1x?x4xf32>, tensor<8x4xf32>
}

// -----

// A layer in another entry point with the same body reuses the function;
// one with other types (decode's static token) gets its own.
// CHECK-LABEL: func.func @seq_impl_prefill
// CHECK: call @prefill_layer_0(
// CHECK-LABEL: func.func private @prefill_layer_0
// CHECK-SAME: (%{{.+}}: tensor<1x?x4xf32>) -> tensor<1x?x4xf32>
// CHECK-LABEL: func.func @seq_impl_decode
// CHECK: call @decode_layer_0(
// CHECK-LABEL: func.func private @decode_layer_0
// CHECK-SAME: (%{{.+}}: tensor<1x1x4xf32>) -> tensor<1x1x4xf32>
// CHECK-LABEL: func.func @seq_impl_prefill_last
// CHECK: call @prefill_layer_0(
// CHECK-NOT: func.func
func.func @seq_impl_prefill(%x: tensor<1x?x4xf32>) -> tensor<1x?x4xf32> {
  %a = seq.layer -> (tensor<1x?x4xf32>) {
    %y = arith.addf %x, %x : tensor<1x?x4xf32>
    seq.yield %y : tensor<1x?x4xf32>
  }
  return %a : tensor<1x?x4xf32>
}
func.func @seq_impl_decode(%x: tensor<1x1x4xf32>) -> tensor<1x1x4xf32> {
  %a = seq.layer -> (tensor<1x1x4xf32>) {
    %y = arith.addf %x, %x : tensor<1x1x4xf32>
    seq.yield %y : tensor<1x1x4xf32>
  }
  return %a : tensor<1x1x4xf32>
}
func.func @seq_impl_prefill_last(%x: tensor<1x?x4xf32>) -> tensor<1x?x4xf32> {
  %a = seq.layer -> (tensor<1x?x4xf32>) {
    %y = arith.addf %x, %x : tensor<1x?x4xf32>
    seq.yield %y : tensor<1x?x4xf32>
  }
  return %a : tensor<1x?x4xf32>
}

// -----

// Before the ABI export, layers read weights by name: the seq.weight ops
// move before the call and are passed in, so two layers with different
// weights share one function.
// CHECK-LABEL: func.func @prefill
// CHECK: %[[W0:.+]] = seq.weight "layers.0.w" : tensor<4xf32>
// CHECK: %[[A:.+]] = call @prefill_layer_0(%{{.+}}, %[[W0]])
// CHECK: %[[W1:.+]] = seq.weight "layers.1.w" : tensor<4xf32>
// CHECK: call @prefill_layer_0(%[[A]], %[[W1]])
// CHECK-LABEL: func.func private @prefill_layer_0
// CHECK-NOT: seq.weight
// CHECK: return
func.func @prefill(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = seq.layer -> (tensor<4xf32>) {
    %w = seq.weight "layers.0.w" : tensor<4xf32>
    %y = arith.mulf %x, %w : tensor<4xf32>
    seq.yield %y : tensor<4xf32>
  }
  %b = seq.layer -> (tensor<4xf32>) {
    %w = seq.weight "layers.1.w" : tensor<4xf32>
    %y = arith.mulf %a, %w : tensor<4xf32>
    seq.yield %y : tensor<4xf32>
  }
  return %b : tensor<4xf32>
}

// -----

func.func @nested(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = seq.layer -> (tensor<4xf32>) {
    // expected-error @+1 {{'seq.layer' op inside another seq.layer is not supported}}
    %b = seq.layer -> (tensor<4xf32>) {
      seq.yield %x : tensor<4xf32>
    }
    seq.yield %b : tensor<4xf32>
  }
  return %a : tensor<4xf32>
}
