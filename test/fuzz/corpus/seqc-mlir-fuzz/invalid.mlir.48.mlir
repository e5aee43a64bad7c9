

func.func @attention_bias_dims(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x4x16xf32>, %b: tensor<1x1x8x7xf32>) {
  // expected-error @+1 {{expected bias dim 3 (7) to match key dim 1 (8)}}
  %0 = seq.attention %q, %k, %k bias(%b) : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x1x8x7xf32> -> tensor<1x8x4x16xf32>
  return
}

