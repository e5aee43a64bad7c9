

// Tests a ring cache: 1024 slots for a window of 1024, positions beyond.
// CHECK-LABEL: func.func @decode_ring
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} kv_length(%{{.+}}) {causal, ring, sliding_window = 1024 : i64}
func.func @decode_ring(%q: tensor<1x1x8x64xf32>, %kc: tensor<1x1024x2x64xf32>, %vc: tensor<1x1024x2x64xf32>, %n: index) -> tensor<1x1x8x64xf32> {
  %0 = seq.attention %q, %kc, %vc kv_length(%n) {causal, ring, sliding_window = 1024 : i64} : tensor<1x1x8x64xf32>, tensor<1x1024x2x64xf32>, tensor<1x1024x2x64xf32> -> tensor<1x1x8x64xf32>
  return %0 : tensor<1x1x8x64xf32>
}

