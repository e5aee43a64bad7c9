func.func @bad(%x: tensor<1x?x64xf32>, %w: tensor<128x32xf32>) -> tensor<1x?x128xf32> {
  %0 = seq.linear %x, %w : tensor<1x?x64xf32>, tensor<128x32xf32> -> tensor<1x?x128xf32>
  return %0 : tensor<1x?x128xf32>
}
