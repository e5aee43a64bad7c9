

func.func @scan_initial_state(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>, %h0: tensor<1x4x32xf32>) {
  // expected-error @+1 {{expected initial_state dim 1 (4) to match u dim 2 (32)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b initial_state(%h0) : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x4x32xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

