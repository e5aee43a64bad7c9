

// Tests the sparse mask attributes: dilation with global tokens, and a
// block-sparse layout that covers all keys.
// CHECK-LABEL: func.func @sparse_masks
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} {causal, dilation_rate = 2 : i64, dilation_segment = 8 : i64, global_tokens = 1 : i64}
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} {block_layout = dense<{{\[}}[true, false], [true, true]]> : tensor<2x2xi1>, block_size = 8 : i64}
func.func @sparse_masks(%q: tensor<1x16x2x8xf32>, %k: tensor<1x16x2x8xf32>, %v: tensor<1x16x2x8xf32>) {
  %0 = seq.attention %q, %k, %v {causal, dilation_rate = 2 : i64, dilation_segment = 8 : i64, global_tokens = 1 : i64} : tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32> -> tensor<1x16x2x8xf32>
  %1 = seq.attention %q, %k, %v {block_size = 8 : i64, block_layout = dense<[[true, false], [true, true]]> : tensor<2x2xi1>} : tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32> -> tensor<1x16x2x8xf32>
  return
}

