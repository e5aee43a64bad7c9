// EXPECT: per-row state 'sources.s' f32[?,?,5] has no session state 's' of one row's shape
func.func @prefill(%ids: tensor<1x?xi64>, %s: tensor<1x4x8xf32> {seq.state = "s"}) -> (tensor<1x?x8xf32>, tensor<1x4x8xf32> {seq.state = "s"}) {
  %t = seq.weight "embed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x, %s : tensor<1x?x8xf32>, tensor<1x4x8xf32>
}
func.func @decode_beams(%ids: tensor<1x?xi64>, %pos: index, %s: tensor<?x?x5xf32> {seq.state = "sources.s"}) -> (tensor<1x?x8xf32>, tensor<?x?x5xf32> {seq.state = "sources.s"}) {
  %t = seq.weight "embed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x, %s : tensor<1x?x8xf32>, tensor<?x?x5xf32>
}
