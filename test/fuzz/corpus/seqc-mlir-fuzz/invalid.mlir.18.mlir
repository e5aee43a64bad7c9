

func.func @rmsnorm_group_divides(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected group_size (24) to divide input dim 2 (64)}}
  %0 = seq.rmsnorm %x, %w {group_size = 24 : i64} : tensor<1x?x64xf32>, tensor<64xf32>
  return
}

