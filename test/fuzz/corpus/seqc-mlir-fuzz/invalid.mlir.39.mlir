

func.func @moe_ffn_dim(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x24xf32>) {
  // expected-error @+1 {{expected down_weight dim 2 (24) to match gate_weight dim 1 (32)}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x24xf32>
  return
}

