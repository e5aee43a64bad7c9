

func.func @rope_rotary_dim_odd(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected rotary_dim to be positive and even, got 5}}
  %0 = seq.rope %q, %p {rotary_dim = 5 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

