

func.func @ssd_dt_limit_order(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected dt_limit min (2) <= max (1)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b {dt_limit = array<f32: 2.0, 1.0>} : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

