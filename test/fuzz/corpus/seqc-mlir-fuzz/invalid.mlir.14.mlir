

func.func @rmsnorm_weight(%x: tensor<1x?x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{expected weight dim 0 (32) to match input dim 2 (64)}}
  %0 = seq.rmsnorm %x, %w : tensor<1x?x64xf32>, tensor<32xf32>
  return
}

