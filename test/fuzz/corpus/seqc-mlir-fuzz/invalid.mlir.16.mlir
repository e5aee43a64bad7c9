

func.func @rmsnorm_gate(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>, %z: tensor<1x7x64xf32>) {
  // expected-error @+1 {{expected gate type 'tensor<1x7x64xf32>' to equal input type 'tensor<1x?x64xf32>'}}
  %0 = seq.rmsnorm %x, %w gate %z : tensor<1x?x64xf32>, tensor<64xf32>, tensor<1x7x64xf32>
  return
}

