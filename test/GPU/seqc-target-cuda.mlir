// REQUIRES: libdevice
// RUN: seqc %s --target=cuda:sm_90 --emit=ptx -o - | FileCheck %s

// RMSNorm, a projection and SiLU become kernels, one PTX module each, for
// the chip asked for; libdevice resolves the math (no __nv_* externs).
// CHECK: // seqc kernel module @seq_impl_run_kernel
// CHECK: .target sm_90
// CHECK: .visible .entry seq_impl_run_kernel(
// CHECK-NOT: .extern .func {{.*}}__nv_
// CHECK: // seqc kernel module @seq_impl_run_kernel_0

func.func @run(%x: tensor<5x64xf32>, %g: tensor<64xf32>, %w: tensor<48x64xf32>) -> tensor<5x48xf32> {
  %h = seq.rmsnorm %x, %g {epsilon = 1.0e-5 : f32} : tensor<5x64xf32>, tensor<64xf32>
  %y = seq.linear %h, %w : tensor<5x64xf32>, tensor<48x64xf32> -> tensor<5x48xf32>
  %z = seq.activation silu %y : tensor<5x48xf32>
  return %z : tensor<5x48xf32>
}
