

func.func @ssd_groups_divide(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x3x32xf32>) {
  // expected-error @+1 {{expected x heads (dim 2, 4) to be a multiple of B/C groups (dim 2, 3)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x3x32xf32>, tensor<1x8x3x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

