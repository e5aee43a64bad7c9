

func.func @rope_theta(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected theta > 0, got 0}}
  %0 = seq.rope %q, %p {theta = 0.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

