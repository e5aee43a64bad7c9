// RUN: seq-opt %s --split-input-file --seq-lower-for-cpu | FileCheck %s

// Tests that linear is one contraction in PyTorch layout (w indexed [n, k]),
// accumulating onto the broadcast bias, between a collapse and an expand.
// (K = 12 is not a multiple of 16: the linalg form.)
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[O:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear
// CHECK: %[[X:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1], [2]] : tensor<2x?x12xf32> into tensor<?x12xf32>
// CHECK: %[[INIT:.+]] = linalg.generic {{.+}} ins(%{{.+}} : tensor<8xf32>)
// CHECK: %[[MM:.+]] = linalg.generic {indexing_maps = [#[[A]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %{{.+}} : tensor<?x12xf32>, tensor<8x12xf32>) outs(%[[INIT]] : tensor<?x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2]]
// CHECK-NOT: seq.
func.func @linear(%x: tensor<2x?x12xf32>, %w: tensor<8x12xf32>, %b: tensor<8xf32>) -> tensor<2x?x8xf32> {
  %0 = seq.linear %x, %w, %b : tensor<2x?x12xf32>, tensor<8x12xf32>, tensor<8xf32> -> tensor<2x?x8xf32>
  return %0 : tensor<2x?x8xf32>
}

// -----

// Tests the register-tiled f32 form (K % 16 == 0, N % 4 == 0): a forall over
// blocks of 4 output columns, 4 × 4 tiles of 16-lane FMAs along k reduced
// across lanes, plus the bias, then the leftover rows one at a time.
// CHECK-LABEL: func.func @linear_vector
// CHECK: scf.forall (%{{.+}}) in (2) shared_outs
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-16: math.fma {{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>, {{.*}} fastmath<reassoc>
// CHECK: tensor.parallel_insert_slice
func.func @linear_vector(%x: tensor<2x?x32xf32>, %w: tensor<8x32xf32>, %b: tensor<8xf32>) -> tensor<2x?x8xf32> {
  %0 = seq.linear %x, %w, %b : tensor<2x?x32xf32>, tensor<8x32xf32>, tensor<8xf32> -> tensor<2x?x8xf32>
  return %0 : tensor<2x?x8xf32>
}

// -----

// Tests that rmsnorm reduces the squares over groups, then normalises.
// CHECK-LABEL: func.func @rmsnorm_grouped
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2]] output_shape [%{{.+}}, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.rsqrt
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2]] : tensor<?x2x4xf32> into tensor<?x8xf32>
func.func @rmsnorm_grouped(%x: tensor<?x8xf32>, %w: tensor<8xf32>) -> tensor<?x8xf32> {
  %0 = seq.rmsnorm %x, %w {group_size = 4 : i64} : tensor<?x8xf32>, tensor<8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Tests that rope's inverse frequencies are folded into a constant (here
// theta = 10000, rotary_dim = 4: 1 and 0.01) and read per channel pair.
// CHECK-LABEL: func.func @rope
// CHECK: arith.constant dense<[1.000000e+00, 0.00999999977]> : tensor<2xf32>
// CHECK: linalg.generic
// CHECK: math.cos
// CHECK: math.sin
func.func @rope(%q: tensor<1x?x2x4xf32>, %p: tensor<?xi64>) -> tensor<1x?x2x4xf32> {
  %0 = seq.rope %q, %p : tensor<1x?x2x4xf32>, tensor<?xi64>
  return %0 : tensor<1x?x2x4xf32>
}

// -----

// Tests that frequency_factors divide the inverse frequencies (a GGUF
// file's rope_freqs: 1 / 2 and 0.01 / 8).
// CHECK-LABEL: func.func @rope_frequency_factors
// CHECK: arith.constant dense<[5.000000e-01, 1.250000e-03]> : tensor<2xf32>
func.func @rope_frequency_factors(%q: tensor<1x?x2x4xf32>, %p: tensor<?xi64>) -> tensor<1x?x2x4xf32> {
  %0 = seq.rope %q, %p {frequency_factors = array<f64: 2.0, 8.0>} : tensor<1x?x2x4xf32>, tensor<?xi64>
  return %0 : tensor<1x?x2x4xf32>
}

// -----

// Tests that MoE loops over experts with a dense contraction per expert.
// CHECK-LABEL: func.func @moe
// CHECK: scf.for %{{.+}} = %c0 to %c4 step %c1 iter_args
// CHECK: tensor.extract_slice %{{.+}}[%{{.+}}, 0, 0] [1, 6, 8] [1, 1, 1] : tensor<4x6x8xf32> to tensor<6x8xf32>
func.func @moe(%x: tensor<3x8xf32>, %l: tensor<3x4xf32>, %g: tensor<4x6x8xf32>, %d: tensor<4x8x6xf32>) -> tensor<3x8xf32> {
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<3x8xf32>, tensor<3x4xf32>, tensor<4x6x8xf32>, tensor<4x6x8xf32>, tensor<4x8x6xf32>
  return %0 : tensor<3x8xf32>
}
