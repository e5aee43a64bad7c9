

func.func @scan_delta_bias(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>, %db: tensor<4xf32>) {
  // expected-error @+1 {{expected delta_bias dim 0 (4) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b delta_bias(%db) : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

