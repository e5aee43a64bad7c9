

func.func @rmsnorm_epsilon(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected epsilon >= 0, got -1}}
  %0 = seq.rmsnorm %x, %w {epsilon = -1.0 : f32} : tensor<1x?x64xf32>, tensor<64xf32>
  return
}

