

func.func @weight_name_not_utf8() {
  // expected-error @+1 {{expected a weight name in UTF-8 without NUL bytes}}
  %0 = seq.weight "a\FFb" : tensor<4xf32>
  return
}

