// REQUIRES: libdevice
// RUN: seqc %s --target=cuda:sm_90 --emit=ptx -o - | FileCheck %s

// RMSNorm, a projection and SiLU become kernels in one PTX module (one
// header), for the chip asked for; libdevice resolves the math (no __nv_*
// externs). Outlining names every kernel after its function; merging the
// modules renames them apart.
// CHECK: .version
// CHECK-NEXT: .target sm_90
// CHECK-NOT: .version
// CHECK-NOT: .extern .func {{.*}}__nv_
// CHECK: .visible .entry seq_impl_run_kernel(
// CHECK-NOT: .version
// CHECK: .visible .entry seq_impl_run_kernel_0(
// CHECK-NOT: .version

// The projection runs on tensor cores: shared tiles aligned for WMMA and
// tf32 m16n16k8 products (LLVM rotates the K loop, so no order); --gpu-matmul=simt and pre-Ampere chips keep the
// generic kernels.
// RUN: seqc %s --target=cuda:sm_80 --emit=ptx -o - | FileCheck %s --check-prefix=TC
// RUN: seqc %s --target=cuda:sm_80 --gpu-matmul=simt --emit=ptx -o - | FileCheck %s --check-prefix=SIMT
// RUN: seqc %s --target=cuda:sm_75 --emit=ptx -o - | FileCheck %s --check-prefix=SIMT
// RUN: not seqc %s --target=cuda --gpu-matmul=fp8 --emit=ptx -o %t.ptx 2>&1 | FileCheck %s --check-prefix=BAD
// TC: .shared .align 128
// TC-DAG: wmma.load.a.sync.aligned.row.m16n16k8.shared.tf32
// TC-DAG: wmma.mma.sync.aligned.row.row.m16n16k8.f32.tf32.tf32.f32
// TC-DAG: wmma.store.d.sync.aligned.row.m16n16k16.shared.f32
// SIMT-NOT: wmma
// BAD: unknown --gpu-matmul=fp8 (expected tf32x3, tf32 or simt)

func.func @run(%x: tensor<40x64xf32>, %g: tensor<64xf32>, %w: tensor<48x64xf32>) -> tensor<40x48xf32> {
  %h = seq.rmsnorm %x, %g {epsilon = 1.0e-5 : f32} : tensor<40x64xf32>, tensor<64xf32>
  %y = seq.linear %h, %w : tensor<40x64xf32>, tensor<48x64xf32> -> tensor<40x48xf32>
  %z = seq.activation silu %y : tensor<40x48xf32>
  return %z : tensor<40x48xf32>
}
