// EXPECT: expected a weight name in UTF-8 without NUL bytes
func.func @prefill(%ids: tensor<1x?xi64>) -> tensor<1x?x8xf32> {
  %t = seq.weight "emb\00ed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x : tensor<1x?x8xf32>
}
