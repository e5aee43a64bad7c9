func.func @run(%q: tensor<1x4x4x8xf32>, %k: tensor<1x16x2x8xf32>, %v: tensor<1x16x2x8xf32>, %n: index) -> tensor<1x4x4x8xf32> {
  %o = seq.attention %q, %k, %v kv_length(%n) : tensor<1x4x4x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32> -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}
