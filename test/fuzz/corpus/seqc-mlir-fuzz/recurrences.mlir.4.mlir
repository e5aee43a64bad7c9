

// Tests causal_conv1d with bias and fused activation, and with decode state.
// CHECK-LABEL: func.func @causal_conv1d
// CHECK: seq.causal_conv1d %{{.+}}, %{{.+}}, %{{.+}} activation silu : (tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<32xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x3xf32>)
// CHECK: seq.causal_conv1d %{{.+}}, %{{.+}} state(%{{.+}}) : (tensor<1x1x32xf32>, tensor<32x4xf32>, tensor<1x32x3xf32>) -> (tensor<1x1x32xf32>, tensor<1x32x3xf32>)
func.func @causal_conv1d(%x: tensor<1x?x32xf32>, %w: tensor<32x4xf32>, %b: tensor<32xf32>, %x1: tensor<1x1x32xf32>, %st: tensor<1x32x3xf32>) {
  %y, %s = seq.causal_conv1d %x, %w, %b activation silu : (tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<32xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x3xf32>)
  %y1, %s1 = seq.causal_conv1d %x1, %w state(%st) : (tensor<1x1x32xf32>, tensor<32x4xf32>, tensor<1x32x3xf32>) -> (tensor<1x1x32xf32>, tensor<1x32x3xf32>)
  return
}
