

func.func @weight_transposed_rank() {
  // expected-error @+1 {{expected a 2-D type for a transposed weight, got 'tensor<2x3x4xf32>'}}
  %0 = seq.weight "w" transposed : tensor<2x3x4xf32>
  return
}

