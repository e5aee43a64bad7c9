

// Tests rmsnorm: default epsilon elided, gated and grouped forms, Gemma offset.
// CHECK-LABEL: func.func @rmsnorm
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x64xf16>, %[[W:.+]]: tensor<64xf16>, %[[Z:.+]]: tensor<?x?x64xf16>)
// CHECK: seq.rmsnorm %[[X]], %[[W]] : tensor<?x?x64xf16>, tensor<64xf16>
// CHECK: seq.rmsnorm %[[X]], %[[W]] {epsilon = 9.99999974E-6 : f32, weight_offset = 1.000000e+00 : f32} : tensor<?x?x64xf16>, tensor<64xf16>
// CHECK: seq.rmsnorm %[[X]], %[[W]] gate %[[Z]] {group_size = 32 : i64} : tensor<?x?x64xf16>, tensor<64xf16>, tensor<?x?x64xf16>
func.func @rmsnorm(%x: tensor<?x?x64xf16>, %w: tensor<64xf16>, %z: tensor<?x?x64xf16>) {
  %0 = seq.rmsnorm %x, %w : tensor<?x?x64xf16>, tensor<64xf16>
  %1 = seq.rmsnorm %x, %w {epsilon = 1.0e-5 : f32, weight_offset = 1.0 : f32} : tensor<?x?x64xf16>, tensor<64xf16>
  %2 = seq.rmsnorm %x, %w gate %z {group_size = 32 : i64} : tensor<?x?x64xf16>, tensor<64xf16>, tensor<?x?x64xf16>
  return
}

