

func.func @weight_stacked_rank() {
  // expected-error @+1 {{expected a type of rank >= 2 for a stacked weight, got 'tensor<4xf32>'}}
  %0 = seq.weight "experts.{}.b" stacked : tensor<4xf32>
  return
}

