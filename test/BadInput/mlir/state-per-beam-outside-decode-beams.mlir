// EXPECT: only decode_beams' per-row states have dynamic dims: 0 and 1
func.func @prefill(%ids: tensor<1x?xi64>, %s: tensor<?x4x8xf32> {seq.state = "beams.s"}) -> (tensor<1x?x8xf32>, tensor<?x4x8xf32> {seq.state = "beams.s"}) {
  %t = seq.weight "embed" : tensor<8x8xf32>
  %x = seq.embedding %t[%ids] : tensor<8x8xf32>, tensor<1x?xi64> -> tensor<1x?x8xf32>
  return %x, %s : tensor<1x?x8xf32>, tensor<?x4x8xf32>
}
