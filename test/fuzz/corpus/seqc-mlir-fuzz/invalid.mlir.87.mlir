

func.func @linear_attention_key(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x4x8xf32>, %v: tensor<1x8x4x32xf32>) {
  // expected-error @+1 {{expected key dim 3 (8) to match query dim 3 (16)}}
  %y, %s = seq.linear_attention %q, %k, %v : (tensor<1x8x4x16xf32>, tensor<1x8x4x8xf32>, tensor<1x8x4x32xf32>) -> (tensor<1x8x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

