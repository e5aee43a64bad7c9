

func.func @attention_head_dim(%q: tensor<1x?x8x64xf32>, %k: tensor<1x?x2x32xf32>, %v: tensor<1x?x2x64xf32>) {
  // expected-error @+1 {{expected key dim 3 (32) to match query dim 3 (64)}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x8x64xf32>, tensor<1x?x2x32xf32>, tensor<1x?x2x64xf32> -> tensor<1x?x8x64xf32>
  return
}

