

func.func @ssd_a(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<5xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected A dim 0 (5) to match x dim 2 (4)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<5xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

