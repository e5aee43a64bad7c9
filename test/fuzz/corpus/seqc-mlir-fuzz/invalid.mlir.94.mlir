

func.func @linear_attention_chunk(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected chunk_size > 0, got -1}}
  %y, %s = seq.linear_attention %q, %q, %q {chunk_size = -1 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.causal_conv1d
//===----------------------------------------------------------------------===//

