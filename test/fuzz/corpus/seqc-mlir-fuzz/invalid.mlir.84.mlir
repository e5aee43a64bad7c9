

func.func @ssd_dt_limit_size(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected dt_limit to hold [min, max], got 3 values}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b {dt_limit = array<f32: 0.0, 1.0, 2.0>} : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

