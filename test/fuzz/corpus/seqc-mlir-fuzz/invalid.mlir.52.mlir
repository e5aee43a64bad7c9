

func.func @attention_global_tokens(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected global_tokens > 0, got -1}}
  %0 = seq.attention %q, %q, %q {global_tokens = -1 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

