

func.func @ssd_z(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>, %z: tensor<1x8x4x8xf32>) {
  // expected-error @+1 {{expected z dim 3 (8) to match x dim 3 (16)}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b z(%z) : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>, tensor<1x8x4x8xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

