

func.func @attention_block_pair(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected block_size and block_layout to be given together}}
  %0 = seq.attention %q, %q, %q {block_size = 4 : i64} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  return
}

