

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

