

func.func @rope_nonpositive_factor(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected scaling_factor > 0, got -2}}
  %0 = seq.rope %q, %p scaling linear {scaling_factor = -2.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

