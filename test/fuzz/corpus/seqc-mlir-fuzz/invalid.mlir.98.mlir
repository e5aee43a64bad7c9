

func.func @conv_state_batch(%x: tensor<2x8x32xf32>, %w: tensor<32x4xf32>, %st: tensor<1x32x3xf32>) {
  // expected-error @+1 {{expected state dim 0 (1) to match input dim 0 (2)}}
  %y, %s = seq.causal_conv1d %x, %w state(%st) : (tensor<2x8x32xf32>, tensor<32x4xf32>, tensor<1x32x3xf32>) -> (tensor<2x8x32xf32>, tensor<2x32x3xf32>)
  return
}

