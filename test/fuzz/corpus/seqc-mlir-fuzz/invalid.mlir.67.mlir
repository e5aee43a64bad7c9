

func.func @scan_a(%u: tensor<1x8x32xf32>, %a: tensor<16x4xf32>, %b: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expected A dim 0 (16) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<16x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

