// EXPECT: exceeds 1 TiB
func.func @prefill(%ids: tensor<1x?xi64>, %s: tensor<1048576x1048576x8xf32> {seq.state = "s"}) -> (tensor<1x?x8xf32>, tensor<1048576x1048576x8xf32> {seq.state = "s"}) {
  %t = seq.weight "embed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x, %s : tensor<1x?x8xf32>, tensor<1048576x1048576x8xf32>
}
