

func.func @attention_dilation_pair(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected dilation_rate and dilation_segment to be given together}}
  %0 = seq.attention %q, %q, %q {dilation_rate = 2 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

