

func.func @linear_bias(%x: tensor<1x?x64xf32>, %w: tensor<128x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{expected bias dim 0 (64) to match weight dim 0 (128)}}
  %0 = seq.linear %x, %w, %b : tensor<1x?x64xf32>, tensor<128x64xf32>, tensor<64xf32> -> tensor<1x?x128xf32>
  return
}

