

func.func @conv_channels(%x: tensor<1x8x32xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+1 {{expected weight dim 0 (16) to match input dim 2 (32)}}
  %y, %s = seq.causal_conv1d %x, %w : (tensor<1x8x32xf32>, tensor<16x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x3xf32>)
  return
}

