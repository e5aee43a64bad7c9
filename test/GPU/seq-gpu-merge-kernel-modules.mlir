// RUN: seq-opt %s --seq-gpu-merge-kernel-modules --split-input-file --verify-diagnostics | FileCheck %s

// Two outlined kernel modules whose kernels share a name, each with a copy
// of the same constant and a shared buffer of the same name but another
// size: one module; the second kernel and the second buffer are renamed
// (and its uses follow), the identical constant is kept once, the launches
// name the merged module.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK-NOT: gpu.module @k_a
// CHECK: gpu.module @seq_kernels {
// CHECK-NEXT: gpu.func @run_kernel(%{{.*}}: memref<8xf32>) kernel {
// CHECK: memref.get_global @buf : memref<4xf32, 3>
// CHECK: memref.get_global @table : memref<8xf32>
// CHECK: memref.global "private" @buf : memref<4xf32, 3>
// CHECK: memref.global "private" constant @table : memref<8xf32> = dense<1.000000e+00>
// CHECK: gpu.func @run_kernel_0(%{{.*}}: memref<8xf32>) kernel {
// CHECK: memref.get_global @buf_0 : memref<16xf32, 3>
// CHECK: memref.get_global @table : memref<8xf32>
// CHECK: memref.global "private" @buf_0 : memref<16xf32, 3>
// CHECK-NOT: memref.global "private" constant @table
// CHECK-NOT: gpu.module
// CHECK: gpu.launch_func @seq_kernels::@run_kernel blocks
// CHECK: gpu.launch_func @seq_kernels::@run_kernel_0 blocks
module attributes {gpu.container_module} {
  gpu.module @k_a {
    gpu.func @run_kernel(%arg0: memref<8xf32>) kernel {
      %0 = memref.get_global @buf : memref<4xf32, 3>
      %1 = memref.get_global @table : memref<8xf32>
      gpu.return
    }
    memref.global "private" @buf : memref<4xf32, 3>
    memref.global "private" constant @table : memref<8xf32> = dense<1.0>
  }
  gpu.module @k_b {
    gpu.func @run_kernel(%arg0: memref<8xf32>) kernel {
      %0 = memref.get_global @buf : memref<16xf32, 3>
      %1 = memref.get_global @table : memref<8xf32>
      gpu.return
    }
    memref.global "private" @buf : memref<16xf32, 3>
    memref.global "private" constant @table : memref<8xf32> = dense<1.0>
  }
  func.func @run(%m: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k_a::@run_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<8xf32>)
    gpu.launch_func @k_b::@run_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<8xf32>)
    return
  }
}

// -----

// A module that already has a target cannot be merged blindly.
module attributes {gpu.container_module} {
  // expected-error @below {{cannot merge a kernel module that already has targets}}
  gpu.module @k_a [#nvvm.target] {
    gpu.func @run_kernel() kernel {
      gpu.return
    }
  }
  gpu.module @k_b {
    gpu.func @run_kernel() kernel {
      gpu.return
    }
  }
}
