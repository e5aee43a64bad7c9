

func.func @moe_logits_rank(%x: tensor<1x?x16xf32>, %l: tensor<?x4xf32>, %g: tensor<4x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected router_logits of rank 3 (the input's), got 'tensor<?x4xf32>'}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<?x4xf32>, tensor<4x32x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>
  return
}

