

func.func @attention_block_size(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected block_size > 0, got 0}}
  %0 = seq.attention %q, %q, %q {block_size = 0 : i64, block_layout = dense<true> : tensor<2x2xi1>} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

