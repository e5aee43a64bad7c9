

func.func @ssd_dt_bias(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %db: tensor<2xf32>) {
  // expected-error @+1 {{expected dt_bias dim 0 (2) to match x dim 2 (4)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b dt_bias(%db) : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>, tensor<2xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

