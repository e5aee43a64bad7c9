

func.func @ssd_initial_state(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %s0: tensor<1x4x16x16xf32>) {
  // expected-error @+1 {{expected initial_state dim 3 (16) to match B dim 3 (32)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b initial_state(%s0) : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>, tensor<1x4x16x16xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

