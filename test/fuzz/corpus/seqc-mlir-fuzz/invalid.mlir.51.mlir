

func.func @attention_window(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected sliding_window > 0, got 0}}
  %0 = seq.attention %q, %q, %q {causal, sliding_window = 0 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

