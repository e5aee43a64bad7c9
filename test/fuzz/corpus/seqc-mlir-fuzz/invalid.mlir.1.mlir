

// Tests that a declared result type must equal the inferred one.
func.func @wrong_result_type(%x: tensor<2x16xf32>, %w: tensor<8x16xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x8xf32>' are incompatible with return type(s) of operation 'tensor<2x9xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = seq.linear %x, %w : tensor<2x16xf32>, tensor<8x16xf32> -> tensor<2x9xf32>
  return
}

