

func.func @rope_missing_factor(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected 'scaling_factor' for scaling linear}}
  %0 = seq.rope %q, %p scaling linear : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

