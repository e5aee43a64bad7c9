

func.func @attention_kv_heads_mismatch(%q: tensor<1x?x8x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x4x64xf32>) {
  // expected-error @+1 {{expected value dim 2 (4) to match key dim 2 (2)}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x4x64xf32> -> tensor<1x?x8x64xf32>
  return
}

