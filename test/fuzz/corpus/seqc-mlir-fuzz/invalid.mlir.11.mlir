

func.func @linear_in_features(%x: tensor<1x?x64xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+1 {{expected weight dim 1 (32) to match input dim 2 (64)}}
  %0 = seq.linear %x, %w : tensor<1x?x64xf32>, tensor<128x32xf32> -> tensor<1x?x128xf32>
  return
}

