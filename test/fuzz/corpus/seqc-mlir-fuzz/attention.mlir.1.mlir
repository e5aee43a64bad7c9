

// Tests MQA with a value head dim that differs from the key head dim, and an
// explicit scale.
// CHECK-LABEL: func.func @mqa_scale
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} {scale = 1.250000e-01 : f32} : tensor<2x16x4x32xf16>, tensor<2x24x1x32xf16>, tensor<2x24x1x48xf16> -> tensor<2x16x4x48xf16>
func.func @mqa_scale(%q: tensor<2x16x4x32xf16>, %k: tensor<2x24x1x32xf16>, %v: tensor<2x24x1x48xf16>) -> tensor<2x16x4x48xf16> {
  %0 = seq.attention %q, %k, %v {scale = 0.125 : f32} : tensor<2x16x4x32xf16>, tensor<2x24x1x32xf16>, tensor<2x24x1x48xf16> -> tensor<2x16x4x48xf16>
  return %0 : tensor<2x16x4x48xf16>
}

