// EXPECT: per-row state 'beams.s' f32[?,4,8] has no session state 's' of one row's shape
func.func @prefill(%ids: tensor<1x?xi64>) -> tensor<1x?x8xf32> {
  %t = seq.weight "embed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x : tensor<1x?x8xf32>
}
func.func @decode_beams(%ids: tensor<1x?xi64>, %pos: index, %s: tensor<?x4x8xf32> {seq.state = "beams.s"}) -> (tensor<1x?x8xf32>, tensor<?x4x8xf32> {seq.state = "beams.s"}) {
  %t = seq.weight "embed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x, %s : tensor<1x?x8xf32>, tensor<?x4x8xf32>
}
