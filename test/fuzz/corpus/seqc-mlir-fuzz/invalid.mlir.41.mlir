

func.func @moe_top_k_too_big(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected top_k (5) <= the number of experts (4)}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 5 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.attention
//===----------------------------------------------------------------------===//

