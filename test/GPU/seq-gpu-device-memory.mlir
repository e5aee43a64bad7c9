// RUN: seq-opt %s --split-input-file --seq-gpu-device-memory --verify-diagnostics | FileCheck %s

// Buffers the host allocates live on the device; allocations inside a
// kernel stay as they are.
// CHECK-LABEL: func.func @host_buffers
// CHECK: %[[B:.*]] = gpu.alloc () : memref<64xf32>
// CHECK: gpu.launch
// CHECK:   memref.alloc() : memref<4xf32>
// CHECK:   memref.store {{.*}}, %[[B]]
// CHECK: gpu.dealloc %[[B]] : memref<64xf32>
// CHECK-NOT: memref.alloc()
func.func @host_buffers() {
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %b = memref.alloc() : memref<64xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %w = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %s = %c1) {
    %scratch = memref.alloc() : memref<4xf32>
    memref.store %z, %b[%tx] : memref<64xf32>
    gpu.terminator
  }
  memref.dealloc %b : memref<64xf32>
  return
}

// -----

// A value read on the host from a device buffer is an error, named.
func.func @host_read(%b: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{'memref.load' outside a kernel would touch device memory on the host}}
  %v = memref.load %b[%c0] : memref<4xf32>
  return %v : f32
}
