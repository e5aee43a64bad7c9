

func.func @linear_attention_value(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x2x32xf32>) {
  // expected-error @+1 {{expected value dim 2 (2) to match query dim 2 (4)}}
  %y, %s = seq.linear_attention %q, %q, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x2x32xf32>) -> (tensor<1x8x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

