func.func @prefill(%q: tensor<1x?x?x16xf32>) -> tensor<1x?x?x16xf32> {
  %o = seq.attention %q, %q, %q {causal} : tensor<1x?x?x16xf32>, tensor<1x?x?x16xf32>, tensor<1x?x?x16xf32> -> tensor<1x?x?x16xf32>
  return %o : tensor<1x?x?x16xf32>
}
