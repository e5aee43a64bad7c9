

func.func @attention_kv_length_mismatch(%q: tensor<1x?x8x64xf32>, %k: tensor<1x16x2x64xf32>, %v: tensor<1x12x2x64xf32>) {
  // expected-error @+1 {{expected value dim 1 (12) to match key dim 1 (16)}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xf32>, tensor<1x16x2x64xf32>, tensor<1x12x2x64xf32> -> tensor<1x?x8x64xf32>
  return
}

