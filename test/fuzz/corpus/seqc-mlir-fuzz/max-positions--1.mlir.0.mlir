// EXPECT: 'seq.max_positions' must be in [1, 2147483647], got -1
module attributes {seq.max_positions = -1 : i64} {
func.func @prefill(%ids: tensor<1x?xi64>) -> tensor<1x?x8xf32> {
  %t = seq.weight "embed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x : tensor<1x?x8xf32>
}
}
