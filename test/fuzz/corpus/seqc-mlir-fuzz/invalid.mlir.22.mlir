

func.func @rope_positions_batch(%q: tensor<2x8x4x16xf32>, %p: tensor<3x8xi64>) {
  // expected-error @+1 {{expected positions dim 0 (3) to match input dim 0 (2)}}
  %0 = seq.rope %q, %p : tensor<2x8x4x16xf32>, tensor<3x8xi64>
  return
}

