

func.func @weight_empty_name() {
  // expected-error @+1 {{expected a non-empty weight name}}
  %0 = seq.weight "" : tensor<4xf32>
  return
}

