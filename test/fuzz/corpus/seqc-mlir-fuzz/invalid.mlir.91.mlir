

func.func @linear_attention_decay_per_channel(%q: tensor<1x8x4x16xf32>, %g: tensor<1x8x4x15xf32>) {
  // expected-error @+1 {{expected log_decay dim 3 (15) to match query dim 3 (16)}}
  %y, %s = seq.linear_attention %q, %q, %q log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x15xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

