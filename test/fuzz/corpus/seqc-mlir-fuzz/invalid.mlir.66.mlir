

func.func @scan_delta(%u: tensor<1x8x32xf32>, %dt: tensor<1x8x16xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expected delta dim 2 (16) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %dt, %a, %b, %b : (tensor<1x8x32xf32>, tensor<1x8x16xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

