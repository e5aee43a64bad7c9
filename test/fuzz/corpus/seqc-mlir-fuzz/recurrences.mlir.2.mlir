

// Tests Mamba2 SSD: 4 heads over 2 B/C groups, every optional operand.
// CHECK-LABEL: func.func @ssd
// CHECK: seq.ssd %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} D(%{{.+}}) z(%{{.+}}) dt_bias(%{{.+}}) initial_state(%{{.+}}) {chunk_size = 64 : i64, dt_limit = array<f32: 0.000000e+00, 1.000000e+02>, dt_softplus} : (tensor<1x?x4x16xf32>, tensor<1x?x4xf32>, tensor<4xf32>, tensor<1x?x2x32xf32>, tensor<1x?x2x32xf32>, tensor<4xf32>, tensor<1x?x4x16xf32>, tensor<4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>)
func.func @ssd(%x: tensor<1x?x4x16xf32>, %dt: tensor<1x?x4xf32>, %a: tensor<4xf32>, %b: tensor<1x?x2x32xf32>, %c: tensor<1x?x2x32xf32>, %d: tensor<4xf32>, %z: tensor<1x?x4x16xf32>, %dtb: tensor<4xf32>, %s0: tensor<1x4x16x32xf32>) {
  %y, %s = seq.ssd %x, %dt, %a, %b, %c D(%d) z(%z) dt_bias(%dtb) initial_state(%s0) {dt_softplus, dt_limit = array<f32: 0.0, 100.0>, chunk_size = 64 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4xf32>, tensor<4xf32>, tensor<1x?x2x32xf32>, tensor<1x?x2x32xf32>, tensor<4xf32>, tensor<1x?x4x16xf32>, tensor<4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

