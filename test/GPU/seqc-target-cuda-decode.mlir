// REQUIRES: libdevice
// RUN: seqc %s --target=cuda:sm_90 --emit=ptx -o - | FileCheck %s

// A decode-sized projection (one row, weights [n, k]) is a warp per output
// column with a butterfly sum, in f32: no tensor-core products.
// CHECK: .visible .entry seq_impl_run_kernel(
// CHECK-NOT: wmma
// CHECK: shfl.sync.bfly.b32
// CHECK-NOT: wmma
func.func @run(%x: tensor<1x64xf32>, %w: tensor<48x64xf32>) -> tensor<1x48xf32> {
  %y = seq.linear %x, %w : tensor<1x64xf32>, tensor<48x64xf32> -> tensor<1x48xf32>
  return %y : tensor<1x48xf32>
}
