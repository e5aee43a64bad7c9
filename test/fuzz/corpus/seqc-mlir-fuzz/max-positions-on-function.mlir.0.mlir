// EXPECT: 'seq.max_positions' belongs on the module
func.func @prefill(%ids: tensor<1x?xi64>) -> tensor<1x?x8xf32> attributes {seq.max_positions = 4 : i64} {
  %t = seq.weight "embed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x : tensor<1x?x8xf32>
}
