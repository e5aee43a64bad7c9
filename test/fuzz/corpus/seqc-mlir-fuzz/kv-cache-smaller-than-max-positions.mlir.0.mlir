// EXPECT: 'seq.attention' op reads a KV cache of 16 positions, fewer than the module's seq.max_positions = 64
module attributes {seq.max_positions = 64 : i64} {
func.func @prefill(%q: tensor<1x?x2x8xf32>, %pos: index, %k: tensor<1x16x2x8xf32> {seq.state = "k"}, %v: tensor<1x16x2x8xf32> {seq.state = "v"}) -> (tensor<1x?x2x8xf32>, tensor<1x16x2x8xf32> {seq.state = "k"}, tensor<1x16x2x8xf32> {seq.state = "v"}) {
  %o = seq.attention %q, %k, %v kv_length(%pos) {causal} : tensor<1x?x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32> -> tensor<1x?x2x8xf32>
  return %o, %k, %v : tensor<1x?x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>
}
}
