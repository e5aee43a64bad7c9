// RUN: seq-opt %s --pass-pipeline="builtin.module(func.func(seq-linalg-to-loops{parallel-threshold=1000}))" | FileCheck %s
// RUN: seq-opt %s --pass-pipeline="builtin.module(func.func(seq-linalg-to-loops{parallel=false}))" | FileCheck %s --check-prefix=SEQ

// Tests that only ops with enough iterations (or a dynamic extent) get
// parallel loops, and never their reduction dims.
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.parallel
// CHECK: scf.for
func.func @small(%a: memref<8x8xf32>, %b: memref<8x8xf32>) {
  linalg.copy ins(%a : memref<8x8xf32>) outs(%b : memref<8x8xf32>)
  return
}

// CHECK-LABEL: func.func @large
// CHECK: scf.parallel (%{{.+}}, %{{.+}}) =
// CHECK: scf.for
// CHECK-LABEL: func.func @dynamic
// CHECK: scf.parallel
// SEQ-NOT: scf.parallel
func.func @large(%a: memref<64x32xf32>, %w: memref<64x32xf32>, %o: memref<64x64xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : memref<64x32xf32>, memref<64x32xf32>) outs(%o : memref<64x64xf32>)
  return
}
func.func @dynamic(%a: memref<?xf32>, %b: memref<?xf32>) {
  linalg.copy ins(%a : memref<?xf32>) outs(%b : memref<?xf32>)
  return
}
