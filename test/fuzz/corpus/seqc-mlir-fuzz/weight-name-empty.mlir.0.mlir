// EXPECT: expected a non-empty weight name
func.func @prefill(%ids: tensor<1x?xi64>) -> tensor<1x?x8xf32> {
  %t = seq.weight "" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x : tensor<1x?x8xf32>
}
