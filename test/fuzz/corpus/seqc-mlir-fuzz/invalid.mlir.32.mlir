

func.func @rope_llama3_max_positions(%q: tensor<1x?x4x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expected original_max_positions > 0, got 0}}
  %0 = seq.rope %q, %p scaling llama3 {scaling_factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64, original_max_positions = 0 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

//===----------------------------------------------------------------------===//
// seq.activation / seq.glu / seq.softmax
//===----------------------------------------------------------------------===//

