

func.func @ssd_c_groups(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %c: tensor<1x8x2x32xf32>) {
  // expected-error @+1 {{expected C dim 2 (2) to match B dim 2 (1)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %c : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x2x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

