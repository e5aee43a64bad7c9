

// Tests embedding lookups with dynamic batch and sequence dims.
// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[T:.+]]: tensor<32x16xf32>, %[[IDS:.+]]: tensor<?x?xi64>, %[[ID32:.+]]: tensor<7xi32>)
// CHECK: seq.embedding %[[T]][%[[IDS]]] : tensor<32x16xf32>, tensor<?x?xi64> -> tensor<?x?x16xf32>
// CHECK: seq.embedding %[[T]][%[[ID32]]] : tensor<32x16xf32>, tensor<7xi32> -> tensor<7x16xf32>
func.func @embedding(%t: tensor<32x16xf32>, %ids: tensor<?x?xi64>, %ids32: tensor<7xi32>) {
  %0 = seq.embedding %t[%ids] : tensor<32x16xf32>, tensor<?x?xi64> -> tensor<?x?x16xf32>
  %1 = seq.embedding %t[%ids32] : tensor<32x16xf32>, tensor<7xi32> -> tensor<7x16xf32>
  return
}

