

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

