

func.func @attention_block_cover(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected block_layout (2 blocks of 2) to cover key dim 1 (8)}}
  %0 = seq.attention %q, %q, %q {block_size = 2 : i64, block_layout = dense<true> : tensor<2x2xi1>} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

