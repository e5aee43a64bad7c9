

func.func @moe_top_k_zero(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected top_k >= 1, got 0}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 0 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

