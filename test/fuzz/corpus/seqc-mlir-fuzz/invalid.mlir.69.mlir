

func.func @scan_c_length(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>, %c: tensor<1x7x4xf32>) {
  // expected-error @+1 {{expected C dim 1 (7) to match u dim 1 (8)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %c : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x7x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

