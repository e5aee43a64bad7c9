

func.func @attention_dilation_rate(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected dilation_rate > 0, got 0}}
  %0 = seq.attention %q, %q, %q {dilation_rate = 0 : i64, dilation_segment = 4 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

