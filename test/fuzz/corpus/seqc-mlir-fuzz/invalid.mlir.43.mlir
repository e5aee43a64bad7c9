

func.func @attention_batch(%q: tensor<2x?x8x64xf32>, %k: tensor<3x?x2x64xf32>, %v: tensor<3x?x2x64xf32>) {
  // expected-error @+1 {{expected key dim 0 (3) to match query dim 0 (2)}}
  %0 = seq.attention %q, %k, %v : tensor<2x?x8x64xf32>, tensor<3x?x2x64xf32>, tensor<3x?x2x64xf32> -> tensor<2x?x8x64xf32>
  return
}

