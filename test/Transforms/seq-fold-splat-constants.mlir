// RUN: seq-opt %s --seq-fold-splat-constants --split-input-file | FileCheck %s

// Tests that a splat read by a linalg.generic becomes a scalar in its body
// and the operand and its indexing map are dropped.
#id = affine_map<(d0, d1) -> (d0, d1)>
// (The rewriter hoists the scalar constant out of the body.)
// CHECK-LABEL: func.func @splat_input
// CHECK-NOT: dense<
// CHECK: %[[C:.+]] = arith.constant 1.500000e+00 : f32
// CHECK: linalg.generic {indexing_maps = [#{{[a-z0-9]+}}, #{{[a-z0-9]+}}], {{.*}}} ins(%{{.+}} : tensor<64x64xf32>) outs(
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK: arith.addf %[[X]], %[[C]]
func.func @splat_input(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %c = arith.constant dense<1.5> : tensor<64x64xf32>
  %e = tensor.empty() : tensor<64x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %c : tensor<64x64xf32>, tensor<64x64xf32>)
      outs(%e : tensor<64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}

// -----

// Tests that a large splat no generic absorbs becomes a fill, and a small
// one stays a constant.
// CHECK-LABEL: func.func @splat_result
// CHECK-DAG: arith.constant dense<2.000000e+00> : tensor<4xf32>
// CHECK-DAG: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[E:.+]] = tensor.empty() : tensor<4096x4096xf32>
// CHECK: linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<4096x4096xf32>)
func.func @splat_result() -> (tensor<4096x4096xf32>, tensor<4xf32>) {
  %c = arith.constant dense<0.0> : tensor<4096x4096xf32>
  %s = arith.constant dense<2.0> : tensor<4xf32>
  return %c, %s : tensor<4096x4096xf32>, tensor<4xf32>
}
