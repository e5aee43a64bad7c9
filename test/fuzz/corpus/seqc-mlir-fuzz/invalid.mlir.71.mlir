

func.func @scan_z(%u: tensor<2x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<2x8x4xf32>, %z: tensor<1x8x32xf32>) {
  // expected-error @+1 {{expected z dim 0 (1) to match u dim 0 (2)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b z(%z) : (tensor<2x8x32xf32>, tensor<2x8x32xf32>, tensor<32x4xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<1x8x32xf32>) -> (tensor<2x8x32xf32>, tensor<2x32x4xf32>)
  return
}

