// RUN: seq-opt %s --split-input-file --seq-select-lowering="attention=reference" --seq-lower-for-cpu | FileCheck %s

// Tests the reference attention: q split into KV groups, q·kᵀ as a 6-d
// contraction, the mask, a masked softmax, and p·v.
// CHECK-LABEL: func.func @gqa_causal
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0], [1], [2, 3], [4]] output_shape [1, %{{.+}}, 2, 3, 8] : tensor<1x?x6x8xf32> into tensor<1x?x2x3x8xf32>
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: linalg.index 3
// CHECK: linalg.index 4
// CHECK: arith.cmpi sle
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: math.exp
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1], [2, 3], [4]] : tensor<1x?x2x3x8xf32> into tensor<1x?x6x8xf32>
func.func @gqa_causal(%q: tensor<1x?x6x8xf32>, %k: tensor<1x?x2x8xf32>) -> tensor<1x?x6x8xf32> {
  %0 = seq.attention %q, %k, %k {causal} : tensor<1x?x6x8xf32>, tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32> -> tensor<1x?x6x8xf32>
  return %0 : tensor<1x?x6x8xf32>
}

// -----

// Tests that modifier regions are inlined into the mask/score body.
// CHECK-LABEL: func.func @modifiers
// CHECK: arith.floordivsi
// CHECK: math.tanh
// CHECK-NOT: seq.yield
func.func @modifiers(%q: tensor<1x8x2x4xf32>) -> tensor<1x8x2x4xf32> {
  %0 = seq.attention %q, %q, %q : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32> -> tensor<1x8x2x4xf32>
  mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c4 = arith.constant 4 : index
    %di = arith.floordivsi %i, %c4 : index
    %dj = arith.floordivsi %j, %c4 : index
    %same = arith.cmpi eq, %di, %dj : index
    seq.yield %same : i1
  } score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %t = math.tanh %s : f32
    seq.yield %t : f32
  }
  return %0 : tensor<1x8x2x4xf32>
}

// -----

// Tests an 8-bit KV cache: keys and values dequantized whole ([.., D] split
// into blocks of 4, each i8 times its f16 scale) before the contraction.
// CHECK-LABEL: func.func @q8_cache
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0], [1], [2], [3, 4]] output_shape [1, 16, 2, 2, 4] : tensor<1x16x2x8xi8> into tensor<1x16x2x2x4xi8>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<1x16x2x2x4xi8>, tensor<1x16x2x2xf16>)
// CHECK: arith.sitofp %{{.+}} : i8 to f32
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: arith.mulf
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1], [2], [3, 4]] : tensor<1x16x2x2x4xf32> into tensor<1x16x2x8xf32>
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]
func.func @q8_cache(%q: tensor<1x3x6x8xf32>, %k: tensor<1x16x2x8xi8>, %v: tensor<1x16x2x8xi8>, %ks: tensor<1x16x2x2xf16>, %vs: tensor<1x16x2x2xf16>, %n: index) -> tensor<1x3x6x8xf32> {
  %0 = seq.attention %q, %k, %v kv_length(%n) scales(%ks, %vs) {causal} : tensor<1x3x6x8xf32>, tensor<1x16x2x8xi8>, tensor<1x16x2x8xi8> scales tensor<1x16x2x2xf16>, tensor<1x16x2x2xf16> -> tensor<1x3x6x8xf32>
  return %0 : tensor<1x3x6x8xf32>
}
