

func.func @moe_expert_count(%x: tensor<1x?x16xf32>, %l: tensor<1x?x4xf32>, %g: tensor<3x32x16xf32>, %d: tensor<4x16x32xf32>) {
  // expected-error @+1 {{expected gate_weight dim 0 (3) to match router_logits dim 2 (4)}}
  %0 = seq.moe %x, %l, %g, %g, %d {top_k = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x4xf32>, tensor<3x32x16xf32>, tensor<3x32x16xf32>, tensor<4x16x32xf32>
  return
}

