// RUN: seq-opt %s --split-input-file --verify-diagnostics | seq-opt | FileCheck %s
// RUN: seq-opt %s --split-input-file --verify-diagnostics --one-shot-bufferize | FileCheck %s --check-prefix=BUF

// seq.prefetch survives canonicalization (nothing uses it, nothing may
// remove it) and prints back; bufferization makes it a memref.prefetch of
// the same element of the tensor's buffer, with its locality.
// CHECK-LABEL: func.func @hint
// CHECK: seq.prefetch %{{.+}}[%{{.+}}, %{{.+}}] : tensor<4x16xf32>
// CHECK: seq.prefetch %{{.+}}[%{{.+}}, %{{.+}}] {locality = 1 : i32} : tensor<4x16xf32>
// BUF-LABEL: func.func @hint
// BUF: bufferization.to_buffer %arg0
// BUF: memref.prefetch %{{.+}}[%arg1, %{{.+}}], read, locality<3>, data
// BUF: memref.prefetch %{{.+}}[%arg1, %{{.+}}], read, locality<1>, data
// BUF-NOT: seq.prefetch
func.func @hint(%t: tensor<4x16xf32>, %i: index) -> f32 {
  %c0 = arith.constant 0 : index
  seq.prefetch %t[%i, %c0] : tensor<4x16xf32>
  seq.prefetch %t[%i, %c0] {locality = 1 : i32} : tensor<4x16xf32>
  %x = tensor.extract %t[%c0, %c0] : tensor<4x16xf32>
  return %x : f32
}

// -----

func.func @wrong_index_count(%t: tensor<4x16xf32>, %i: index) {
  // expected-error @+1 {{expected 2 indices for a tensor of rank 2, got 1}}
  seq.prefetch %t[%i] : tensor<4x16xf32>
  return
}

// -----

func.func @locality_range(%t: tensor<4xf32>, %i: index) {
  // expected-error @+1 {{attribute 'locality' failed to satisfy constraint}}
  seq.prefetch %t[%i] {locality = 4 : i32} : tensor<4xf32>
  return
}
