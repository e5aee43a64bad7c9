

func.func @attention_block_square(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected block_layout to be a square 2-D map, got 'tensor<2x3xi1>'}}
  %0 = seq.attention %q, %q, %q {block_size = 4 : i64, block_layout = dense<true> : tensor<2x3xi1>} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

