

func.func @rope_llama3_freq_order(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected high_freq_factor (1) > low_freq_factor (4)}}
  %0 = seq.rope %q, %p scaling llama3 {scaling_factor = 8.0 : f64, low_freq_factor = 4.0 : f64, high_freq_factor = 1.0 : f64, original_max_positions = 8192 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

