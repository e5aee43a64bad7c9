

// Tests rope: defaults, partial interleaved rotation, and both scaling kinds.
// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[Q:.+]]: tensor<1x?x4x16xf32>, %[[P:.+]]: tensor<?xi64>, %[[P2:.+]]: tensor<1x?xi32>)
// CHECK: seq.rope %[[Q]], %[[P]] : tensor<1x?x4x16xf32>, tensor<?xi64>
// CHECK: seq.rope %[[Q]], %[[P2]] {interleaved, rotary_dim = 8 : i64, theta = 5.000000e+05 : f64} : tensor<1x?x4x16xf32>, tensor<1x?xi32>
// CHECK: seq.rope %[[Q]], %[[P]] scaling linear {scaling_factor = 2.000000e+00 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
// CHECK: seq.rope %[[Q]], %[[P]] scaling llama3 {high_freq_factor = 4.000000e+00 : f64, low_freq_factor = 1.000000e+00 : f64, original_max_positions = 8192 : i64, scaling_factor = 8.000000e+00 : f64}
func.func @rope(%q: tensor<1x?x4x16xf32>, %pos: tensor<?xi64>, %pos2: tensor<1x?xi32>) {
  %0 = seq.rope %q, %pos : tensor<1x?x4x16xf32>, tensor<?xi64>
  %1 = seq.rope %q, %pos2 {theta = 5.0e5 : f64, rotary_dim = 8 : i64, interleaved} : tensor<1x?x4x16xf32>, tensor<1x?xi32>
  %2 = seq.rope %q, %pos scaling linear {scaling_factor = 2.0 : f64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  %3 = seq.rope %q, %pos scaling llama3 {scaling_factor = 8.0 : f64, low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64, original_max_positions = 8192 : i64} : tensor<1x?x4x16xf32>, tensor<?xi64>
  return
}

