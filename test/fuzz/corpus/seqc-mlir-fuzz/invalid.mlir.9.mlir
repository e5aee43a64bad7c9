

func.func @weight_stacked_transposed() {
  // expected-error @+1 {{expected a weight to be either transposed or stacked, not both}}
  %0 = seq.weight "experts.{}.w" transposed stacked : tensor<2x3xf32>
  return
}

