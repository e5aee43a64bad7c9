

func.func @attention_scale(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected a finite non-zero scale, got 0}}
  %0 = seq.attention %q, %q, %q {scale = 0.0 : f32} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

