// A stateless model whose head is a stacked weight: two [4, 4] checkpoint
// tensors head.0.weight and head.1.weight bound as one [2, 4, 4] weight.
func.func @prefill(%ids: tensor<1x?xi64>) -> tensor<1x?x8xf32> {
  %t = seq.weight "embed" : tensor<8x4xf32>
  %x = seq.embedding %t[%ids] : tensor<8x4xf32>, tensor<1x?xi64> -> tensor<1x?x4xf32>
  %s = seq.weight "head.{}.weight" stacked : tensor<2x4x4xf32>
  %w = tensor.collapse_shape %s [[0, 1], [2]] : tensor<2x4x4xf32> into tensor<8x4xf32>
  %y = seq.linear %x, %w : tensor<1x?x4xf32>, tensor<8x4xf32> -> tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}
