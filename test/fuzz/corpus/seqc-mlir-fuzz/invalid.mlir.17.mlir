

func.func @rmsnorm_group_positive(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected group_size > 0, got 0}}
  %0 = seq.rmsnorm %x, %w {group_size = 0 : i64} : tensor<1x?x64xf32>, tensor<64xf32>
  return
}

