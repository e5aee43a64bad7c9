

func.func @rope_rotary_dim_too_big(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected rotary_dim (32) <= input dim 3 (16)}}
  %0 = seq.rope %q, %p {rotary_dim = 32 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

