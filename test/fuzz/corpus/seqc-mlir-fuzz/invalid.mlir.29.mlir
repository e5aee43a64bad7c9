

func.func @rope_stray_param(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{unexpected 'low_freq_factor' for scaling linear}}
  %0 = seq.rope %q, %p scaling linear {scaling_factor = 2.0 : f64, low_freq_factor = 1.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

