

func.func @linear_attention_decay_per_step(%q: tensor<1x8x4x16xf32>, %g: tensor<1x7x4xf32>) {
  // expected-error @+1 {{expected log_decay dim 1 (7) to match query dim 1 (8)}}
  %y, %s = seq.linear_attention %q, %q, %q log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x7x4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

