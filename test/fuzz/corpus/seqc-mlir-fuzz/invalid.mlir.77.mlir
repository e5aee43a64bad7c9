

func.func @ssd_b_length(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x9x1x32xf32>) {
  // expected-error @+1 {{expected B dim 1 (9) to match x dim 1 (8)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x9x1x32xf32>, tensor<1x9x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

