func.func @prefill(%ids: tensor<1x?xi64>) -> tensor<1x?x8xf32> {
  %t = seq.weight "embed" : tensor<8x4xf32>
  %x = seq.embedding %t[%ids] : tensor<8x4xf32>, tensor<1x?xi64> -> tensor<1x?x4xf32>
  %w = seq.weight "head" : tensor<8x4xf32>
  %y = seq.linear %x, %w : tensor<1x?x4xf32>, tensor<8x4xf32> -> tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}
