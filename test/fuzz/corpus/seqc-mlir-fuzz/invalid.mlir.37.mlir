

func.func @moe_logits_tokens(%x: tensor<1x8x16xf32>, %l: tensor<1x9x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected router_logits dim 1 (9) to match input dim 1 (8)}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x8x16xf32>, tensor<1x9x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

