// RUN: seq-opt %s --pass-pipeline='builtin.module(gpu.module(seq-gpu-align-shared-memory))' | FileCheck %s

// Shared buffers get a 128-byte alignment unless they name their own; the
// NVVM lowering turns it into the global's alignment (WMMA loads need 32).
// CHECK-LABEL: gpu.func @k
// CHECK-SAME: workgroup(%{{.*}} : memref<64x20xf32, #gpu.address_space<workgroup>> {llvm.align = 128 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k() workgroup(%a : memref<64x20xf32, #gpu.address_space<workgroup>>, %b : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel {
      gpu.return
    }
  }
}
