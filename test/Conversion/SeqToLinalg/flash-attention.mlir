// RUN: seq-opt %s --split-input-file --seq-select-lowering="attention=flash query-tile=16 key-tile=64" --seq-lower-for-cpu | FileCheck %s

// Tests the flash lowering: a parallel loop over (batch, KV head, query
// tile), a key loop carrying (max, sum, acc) bounded by the causal mask, and
// no tensor with both sequence dims.
// CHECK-LABEL: func.func @causal
// CHECK: %[[TILES:.+]] = arith.ceildivui %{{.+}}, %c16
// CHECK: scf.forall (%[[B:.+]], %[[H:.+]], %[[T:.+]]) in (1, 2, %[[TILES]]) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<1x?x2x3x8xf32>)
// CHECK: tensor.extract_slice %{{.+}}[%[[B]], %{{.+}}, %[[H]], 0, 0] [1, %{{.+}}, 1, 3, 8] [1, 1, 1, 1, 1] : tensor<1x?x2x3x8xf32> to tensor<?x3x8xf32>
// Causal: the last visible key is the tile's last query.
// CHECK: %[[END:.+]] = arith.minsi
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %c64 iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3x8xf32>)
// CHECK-NOT: tensor<1x{{.+}}x?x?xf32>
// CHECK: math.exp
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.+}} into %[[OUT]][%[[B]], %{{.+}}, %[[H]], 0, 0]
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1], [2, 3], [4]] : tensor<1x?x2x3x8xf32> into tensor<1x?x6x8xf32>
func.func @causal(%q: tensor<1x?x6x8xf32>, %k: tensor<1x?x2x8xf32>) -> tensor<1x?x6x8xf32> {
  %0 = seq.attention %q, %k, %k {causal} : tensor<1x?x6x8xf32>, tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32> -> tensor<1x?x6x8xf32>
  return %0 : tensor<1x?x6x8xf32>
}

// -----

// Tests that a causal sliding window also raises the key loop's start.
// CHECK-LABEL: func.func @window
// CHECK: arith.maxsi %c0
// CHECK: scf.for
func.func @window(%q: tensor<1x?x2x8xf32>) -> tensor<1x?x2x8xf32> {
  %0 = seq.attention %q, %q, %q {causal, sliding_window = 32 : i64} : tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32> -> tensor<1x?x2x8xf32>
  return %0 : tensor<1x?x2x8xf32>
}

// -----

// Tests an 8-bit KV cache in the flash form (blocks of 8, which the vector
// kernel does not take): each key tile's rows of K and of their scales
// sliced, then dequantized (i8 times its f16 block scale) for the tile's
// contraction.
// CHECK-LABEL: func.func @q8_cache
// CHECK: scf.for
// CHECK: tensor.extract_slice %{{.+}} : tensor<1x128x2x32xi8> to tensor<?x32xi8>
// CHECK: tensor.extract_slice %{{.+}} : tensor<1x128x2x4xf16> to tensor<?x4xf16>
// CHECK: arith.sitofp %{{.+}} : i8 to f32
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: arith.mulf
func.func @q8_cache(%q: tensor<1x1x4x32xf32>, %k: tensor<1x128x2x32xi8>, %ks: tensor<1x128x2x4xf16>, %n: index) -> tensor<1x1x4x32xf32> {
  %0 = seq.attention %q, %k, %k kv_length(%n) scales(%ks, %ks) {causal} : tensor<1x1x4x32xf32>, tensor<1x128x2x32xi8>, tensor<1x128x2x32xi8> scales tensor<1x128x2x4xf16>, tensor<1x128x2x4xf16> -> tensor<1x1x4x32xf32>
  return %0 : tensor<1x1x4x32xf32>
}
