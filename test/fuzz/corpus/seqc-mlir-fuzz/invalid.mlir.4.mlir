

func.func @weight_nul_in_name() {
  // expected-error @+1 {{expected a weight name in UTF-8 without NUL bytes}}
  %0 = seq.weight "a\00b" : tensor<4xf32>
  return
}

