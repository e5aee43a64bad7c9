

func.func @rope_positions_seq(%q: tensor<1x8x4x16xf32>, %p: tensor<9xi64>) {
  // expected-error @+1 {{expected positions dim 0 (9) to match input dim 1 (8)}}
  %0 = seq.rope %q, %p : tensor<1x8x4x16xf32>, tensor<9xi64>
  return
}

