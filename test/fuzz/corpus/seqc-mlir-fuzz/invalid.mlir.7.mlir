

func.func @weight_stacked_name() {
  // expected-error @+1 {{expected the name of a stacked weight to hold '{}' exactly once, got 'experts.{}.{}.w'}}
  %0 = seq.weight "experts.{}.{}.w" stacked : tensor<2x3x4xf32>
  return
}

