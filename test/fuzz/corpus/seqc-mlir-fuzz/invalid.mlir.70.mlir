

func.func @scan_d(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>, %d: tensor<31xf32>) {
  // expected-error @+1 {{expected D dim 0 (31) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b D(%d) : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<31xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

