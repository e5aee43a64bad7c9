

// Tests moe with default routing and activation elided, then both overridden.
// CHECK-LABEL: func.func @moe
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x16xf32>, %[[L:.+]]: tensor<1x?x4xf32>, %[[G:.+]]: tensor<4x32x16xf32>, %[[U:.+]]: tensor<4x32x16xf32>, %[[D:.+]]: tensor<4x16x32xf32>)
// CHECK: seq.moe %[[X]], %[[L]], %[[G]], %[[U]], %[[D]] {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
// CHECK: seq.moe %[[X]], %[[L]], %[[G]], %[[U]], %[[D]] routing topk_softmax activation gelu {normalize, top_k = 1 : i64}
func.func @moe(%x: tensor<1x?x16xf32>, %logits: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %u: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  %0 = seq.moe %x, %logits, %g, %u, %d {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  %1 = seq.moe %x, %logits, %g, %u, %d routing topk_softmax activation gelu {top_k = 1 : i64, normalize} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}
