

func.func @attention_causal_more_queries(%q: tensor<1x9x4x16xf32>, %k: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected query dim 1 (9) <= key dim 1 (8) for causal attention without kv_length}}
  %0 = seq.attention %q, %k, %k {causal} : tensor<1x9x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x9x4x16xf32>
  return
}

