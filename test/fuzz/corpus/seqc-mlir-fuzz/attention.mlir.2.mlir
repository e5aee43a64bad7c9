

// Tests the decode form: one query against a KV cache with a valid length,
// under a sliding window.
// CHECK-LABEL: func.func @decode_window
// CHECK-SAME: %[[N:[^:]+]]: index
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} kv_length(%[[N]]) {causal, sliding_window = 1024 : i64} : tensor<1x1x8x64xf32>, tensor<1x4096x2x64xf32>, tensor<1x4096x2x64xf32> -> tensor<1x1x8x64xf32>
func.func @decode_window(%q: tensor<1x1x8x64xf32>, %kc: tensor<1x4096x2x64xf32>, %vc: tensor<1x4096x2x64xf32>, %n: index) -> tensor<1x1x8x64xf32> {
  %0 = seq.attention %q, %kc, %vc kv_length(%n) {causal, sliding_window = 1024 : i64} : tensor<1x1x8x64xf32>, tensor<1x4096x2x64xf32>, tensor<1x4096x2x64xf32> -> tensor<1x1x8x64xf32>
  return %0 : tensor<1x1x8x64xf32>
}

