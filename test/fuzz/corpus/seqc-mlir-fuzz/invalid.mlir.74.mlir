

func.func @scan_final_state_type(%u: tensor<1x8x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x8x4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x8x32xf32>', 'tensor<1x32x4xf32>' are incompatible with return type(s) of operation 'tensor<1x8x32xf32>', 'tensor<1x32x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<32x4xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> (tensor<1x8x32xf32>, tensor<1x32x8xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.ssd
//===----------------------------------------------------------------------===//

