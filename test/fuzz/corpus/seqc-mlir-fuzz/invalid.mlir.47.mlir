

func.func @attention_gqa_groups(%q: tensor<1x?x6x64xf32>, %k: tensor<1x?x4x64xf32>, %v: tensor<1x?x4x64xf32>) {
  // expected-error @+1 {{expected query heads (6) to be a multiple of key/value heads (4)}}
  %0 = seq.attention %q, %k, %v : tensor<1x?x6x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32> -> tensor<1x?x6x64xf32>
  return
}

