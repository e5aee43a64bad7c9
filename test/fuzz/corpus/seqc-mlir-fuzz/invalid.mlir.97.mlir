

func.func @conv_bias(%x: tensor<1x8x32xf32>, %w: tensor<32x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{expected bias dim 0 (4) to match input dim 2 (32)}}
  %y, %s = seq.causal_conv1d %x, %w, %b : (tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x3xf32>)
  return
}

