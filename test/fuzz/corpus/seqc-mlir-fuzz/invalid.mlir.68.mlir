

func.func @scan_b_state_dim(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x5xf32>, %c: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expected B dim 2 (5) to match A dim 1 (4)}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %c : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x5xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x4xf32>)
  return
}

