

func.func @conv_no_taps(%x: tensor<1x8x32xf32>, %w: tensor<32x0xf32>) {
  // expected-error @+1 {{expected at least one tap in weight dim 1, got 0}}
  %y, %s = seq.causal_conv1d %x, %w : (tensor<1x8x32xf32>, tensor<32x0xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x?xf32>)
  return
}

