

func.func @rope_missing_llama3_param(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected 'original_max_positions' for scaling llama3}}
  %0 = seq.rope %q, %p scaling llama3 {scaling_factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

