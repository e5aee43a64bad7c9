

func.func @conv_state_history(%x: tensor<1x8x32xf32>, %w: tensor<32x4xf32>, %st: tensor<1x32x4xf32>) {
  // expected-error @+1 {{expected state dim 2 (4) to be weight dim 1 minus one (3)}}
  %y, %s = seq.causal_conv1d %x, %w state(%st) : (tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x32x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x3xf32>)
  return
}
