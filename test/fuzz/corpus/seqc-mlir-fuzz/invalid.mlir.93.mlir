

func.func @linear_attention_state(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %s0: tensor<1x4x32x16xf32>) {
  // expected-error @+1 {{expected initial_state dim 2 (32) to match query dim 3 (16)}}
  %y, %s = seq.linear_attention %q, %q, %v initial_state(%s0) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x4x32x16xf32>) -> (tensor<1x8x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

