

func.func @linear_attention_decay_per_head(%q: tensor<1x8x4x16xf32>, %g: tensor<3xf32>) {
  // expected-error @+1 {{expected log_decay dim 0 (3) to match query dim 2 (4)}}
  %y, %s = seq.linear_attention %q, %q, %q log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<3xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

