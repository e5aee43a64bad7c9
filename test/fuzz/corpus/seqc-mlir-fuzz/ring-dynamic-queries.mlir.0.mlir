// EXPECT: ring cache of 64 slots needs a sliding_window w and at most s tokens per call
func.func @run(%q: tensor<1x?x2x8xf32>, %k: tensor<1x64x2x8xf32>, %v: tensor<1x64x2x8xf32>, %n: index) -> tensor<1x?x2x8xf32> {
  %o = seq.attention %q, %k, %v kv_length(%n) {causal, ring, sliding_window = 6 : i64} : tensor<1x?x2x8xf32>, tensor<1x64x2x8xf32>, tensor<1x64x2x8xf32> -> tensor<1x?x2x8xf32>
  return %o : tensor<1x?x2x8xf32>
}
