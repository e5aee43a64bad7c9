// RUN: seq-opt %s --split-input-file --seq-gpu-map-loops | FileCheck %s

// An outermost parallel loop is tiled by 128 along its innermost dim: the
// tile loop is the grid, the tile the threads (the other dims of the tile
// are 1 and loop sequentially). The folded bound is the block size.
// CHECK-LABEL: func.func @elementwise
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = {{.*}} step (%c1, %c128{{.*}})
// CHECK:   affine.min {{.*}}(%[[J]])
// CHECK:   scf.parallel
// CHECK:     memref.store
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = sequential, {{.*}}>, #gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, {{.*}}>, #gpu.loop_dim_map<processor = block_y, {{.*}}>]}
func.func @elementwise(%a: memref<4x300xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c300 = arith.constant 300 : index
  %z = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c300) step (%c1, %c1) {
    memref.store %z, %a[%i, %j] : memref<4x300xf32>
  }
  return
}

// -----

// A full reduction is an scf.for nest on the host: it moves into a
// one-iteration parallel loop (a one-thread kernel). Nested parallel loops
// run sequentially inside a thread.
// CHECK-LABEL: func.func @host_reduction
// CHECK: scf.parallel {{.*}} = (%{{.*}}) to (%c1{{.*}}) step (%c1{{.*}})
// CHECK:   scf.parallel
// CHECK:     scf.for
// CHECK:       memref.load
// CHECK:       memref.store
// CHECK:   processor = thread_x
// CHECK: processor = block_x
// CHECK-NOT: scf.for
// CHECK: return
func.func @host_reduction(%x: memref<64xf32>, %acc: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %x[%i] : memref<64xf32>
    %s = memref.load %acc[] : memref<f32>
    %t = arith.addf %v, %s : f32
    memref.store %t, %acc[] : memref<f32>
  }
  return
}

// -----

// memref.copy (here into a strided view, which gpu.memcpy cannot copy)
// becomes a parallel loop nest and so a kernel.
// CHECK-LABEL: func.func @strided_copy
// CHECK-NOT: memref.copy
// CHECK: scf.parallel
// CHECK: memref.load
// CHECK: memref.store {{.*}} strided
// CHECK: processor = block_x
func.func @strided_copy(%src: memref<2x16xf32>, %dst: memref<8x32xf32>) {
  %view = memref.subview %dst[2, 8] [2, 16] [1, 1] : memref<8x32xf32> to memref<2x16xf32, strided<[32, 1], offset: 72>>
  memref.copy %src, %view : memref<2x16xf32> to memref<2x16xf32, strided<[32, 1], offset: 72>>
  return
}
