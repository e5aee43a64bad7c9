// RUN: seq-opt %s --split-input-file --seq-refine-shapes | FileCheck %s

// decode after inlining: one-token ids cast to the model's dynamic type.
// The cast moves through seq ops (types inferred from the static operand),
// the elementwise residual add, tensor ops and seq.layer results; one cast
// is left where the function's own type is dynamic.
// CHECK-LABEL: func.func @decode
// CHECK: %[[E:.+]] = seq.embedding %{{.+}}[%{{.+}}] : tensor<8x4xf32>, tensor<1x1xi64> -> tensor<1x1x4xf32>
// CHECK: %[[L:.+]] = seq.layer -> (tensor<1x1x4xf32>) {
// CHECK: %[[Y:.+]] = seq.linear %[[E]], %{{.+}} : tensor<1x1x4xf32>, tensor<4x4xf32> -> tensor<1x1x4xf32>
// CHECK: %[[S:.+]] = arith.addf %[[E]], %[[Y]] : tensor<1x1x4xf32>
// CHECK: seq.yield %[[S]] : tensor<1x1x4xf32>
// CHECK: %[[C:.+]] = tensor.cast %[[L]] : tensor<1x1x4xf32> to tensor<1x?x4xf32>
// CHECK: return %[[C]]
func.func @decode(%ids: tensor<1x1xi64>, %t: tensor<8x4xf32>, %w: tensor<4x4xf32>) -> tensor<1x?x4xf32> {
  %d = tensor.cast %ids : tensor<1x1xi64> to tensor<1x?xi64>
  %e = seq.embedding %t[%d] : tensor<8x4xf32>, tensor<1x?xi64> -> tensor<1x?x4xf32>
  %l = seq.layer -> (tensor<1x?x4xf32>) {
    %y = seq.linear %e, %w : tensor<1x?x4xf32>, tensor<4x4xf32> -> tensor<1x?x4xf32>
    %s = arith.addf %e, %y : tensor<1x?x4xf32>
    seq.yield %s : tensor<1x?x4xf32>
  }
  return %l : tensor<1x?x4xf32>
}

// -----

// Operands of two different static types: the add stays as it is.
// CHECK-LABEL: func.func @mixed
// CHECK: arith.addf %{{.+}}, %{{.+}} : tensor<?x4xf32>
func.func @mixed(%a: tensor<1x4xf32>, %b: tensor<2x4xf32>) -> tensor<?x4xf32> {
  %x = tensor.cast %a : tensor<1x4xf32> to tensor<?x4xf32>
  %y = tensor.cast %b : tensor<2x4xf32> to tensor<?x4xf32>
  %s = arith.addf %x, %y : tensor<?x4xf32>
  return %s : tensor<?x4xf32>
}
