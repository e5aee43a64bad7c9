

func.func @layernorm_bias(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>, %b: tensor<65xf32>) {
  // expected-error @+1 {{expected bias dim 0 (65) to match input dim 2 (64)}}
  %0 = seq.layernorm %x, %w, %b : tensor<1x?x64xf32>, tensor<64xf32>, tensor<65xf32>
  return
}

