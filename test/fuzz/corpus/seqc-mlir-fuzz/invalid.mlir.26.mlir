

func.func @rope_odd_head_dim(%q: tensor<1x?x4x15xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected an even input dim 3 (head dim), got 15}}
  %0 = seq.rope %q, %p : tensor<1x?x4x15xf32>, tensor<?xi64>
  return
}

