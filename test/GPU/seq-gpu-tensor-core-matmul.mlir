// RUN: seq-opt %s --split-input-file --seq-gpu-tensor-core-matmul | FileCheck %s
// RUN: seq-opt %s --split-input-file --seq-gpu-tensor-core-matmul=precision=tf32 | FileCheck %s --check-prefix=TF32
// RUN: not seq-opt %s --split-input-file --seq-gpu-tensor-core-matmul=precision=f16 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: precision must be tf32x3 or tf32, not 'f16'

// A projection in PyTorch layout (w is [n, k]) with a dynamic row count:
// one launch, a 64x64 tile per block of 128 threads (grid x over n, y over
// m), shared tiles for A (64x16, hi and lo parts), B (16x64, hi and lo) and
// the output tile; K in steps of 16, each step staged with zero fill and
// fenced by barriers; 2 k-steps x 2x2 fragments x 3 products (lo·hi, hi·lo,
// hi·hi) = 24 tensor-core products; the epilogue adds the tile to `out`.
#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#o = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @projection
// CHECK-SAME: (%[[X:.*]]: memref<?x64xf32>, %[[W:.*]]: memref<96x64xf32>, %[[OUT:.*]]: memref<?x96xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[X]], %c0
// CHECK: arith.ceildivui %c96
// CHECK: arith.ceildivui %[[M]]
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in (%{{.*}} = %c128
// CHECK-SAME: workgroup(%[[AHI:.*]] : memref<64x20xf32, #gpu.address_space<workgroup>>, %[[BHI:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>, %[[CT:.*]] : memref<64x68xf32, #gpu.address_space<workgroup>>, %[[ALO:.*]] : memref<64x20xf32, #gpu.address_space<workgroup>>, %[[BLO:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %[[K0:.*]] = %c0{{.*}} to %c64 step %c16
// CHECK:   arith.cmpi ult, %{{.*}}, %[[M]]
// CHECK:   scf.if
// CHECK:     memref.load %[[X]][
// CHECK:   } else {
// CHECK:     arith.constant 0.0
// CHECK:   arith.andi %{{.*}}, %c-8192_i32
// CHECK:   memref.store %{{.*}}, %[[AHI]]
// CHECK:   arith.subf
// CHECK:   memref.store %{{.*}}, %[[ALO]]
// CHECK:   memref.load %[[W]][
// CHECK:   memref.store %{{.*}}, %[[BHI]]
// CHECK:   memref.store %{{.*}}, %[[BLO]]
// CHECK:   gpu.barrier
// CHECK:   gpu.subgroup_mma_load_matrix %[[AHI]][{{.*}}] {leadDimension = 20 : index} {{.*}} -> !gpu.mma_matrix<16x8xf32, "AOp">
// CHECK:   gpu.subgroup_mma_load_matrix %[[BHI]][{{.*}}] {leadDimension = 68 : index} {{.*}} -> !gpu.mma_matrix<8x16xf32, "BOp">
// CHECK-COUNT-12: gpu.subgroup_mma_compute
// CHECK:   gpu.subgroup_mma_load_matrix
// CHECK-COUNT-12: gpu.subgroup_mma_compute
// CHECK-NOT: gpu.subgroup_mma_compute
// CHECK:   gpu.barrier
// CHECK:   scf.yield
// CHECK-COUNT-4: gpu.subgroup_mma_store_matrix %{{.*}}, %[[CT]][{{.*}}] {leadDimension = 68 : index}
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK:   scf.if
// CHECK:     %[[OLD:.*]] = memref.load %[[OUT]]
// CHECK:     %[[PART:.*]] = memref.load %[[CT]]
// CHECK:     %[[SUM:.*]] = arith.addf %[[OLD]], %[[PART]]
// CHECK:     memref.store %[[SUM]], %[[OUT]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic

// TF32-LABEL: func.func @projection
// TF32: workgroup(%{{.*}} : memref<64x20xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x68xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x68xf32, #gpu.address_space<workgroup>>)
// TF32-NOT: arith.subf
// TF32-COUNT-8: gpu.subgroup_mma_compute
// TF32-NOT: gpu.subgroup_mma_compute
// TF32: gpu.terminator
func.func @projection(%x: memref<?x64xf32>, %w: memref<96x64xf32>, %out: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<96x64xf32>) outs(%out : memref<?x96xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A batched product: the batch is grid z, and every access is bounded by
// it too.
// CHECK-LABEL: func.func @batched
// CHECK: %[[B:.*]] = memref.dim %arg0, %c0
// CHECK: %[[GZ:.*]] = arith.maxui %[[B]], %c1
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %[[GZ]])
// CHECK: arith.cmpi ult, %[[BZ]], %[[B]]
// CHECK: memref.load %arg0[%[[BZ]],
// CHECK: memref.load %arg1[%[[BZ]],
// CHECK: gpu.subgroup_mma_compute
// CHECK: memref.load %arg2[%[[BZ]],
func.func @batched(%a: memref<?x33x40xf32>, %b: memref<?x40x70xf32>, %c: memref<?x33x70xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<?x33x40xf32>, memref<?x40x70xf32>)
                      outs(%c : memref<?x33x70xf32>)
  return
}

// -----

// Left to the generic mapping: a contraction inside a parallel loop (part
// of another kernel), f16 operands, and two reduction dims.
// CHECK-LABEL: func.func @not_rewritten
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
// CHECK:   linalg.matmul
// CHECK: linalg.matmul
// CHECK: linalg.generic
func.func @not_rewritten(%a: memref<4x16x16xf32>, %b: memref<16x16xf32>, %c: memref<4x16x16xf32>,
                         %h: memref<16x16xf16>, %hc: memref<16x16xf16>,
                         %x: memref<8x4x4xf32>, %y: memref<8x4x4xf32>, %z: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %ai = memref.subview %a[%i, 0, 0] [1, 16, 16] [1, 1, 1] : memref<4x16x16xf32> to memref<16x16xf32, strided<[16, 1], offset: ?>>
    %ci = memref.subview %c[%i, 0, 0] [1, 16, 16] [1, 1, 1] : memref<4x16x16xf32> to memref<16x16xf32, strided<[16, 1], offset: ?>>
    linalg.matmul ins(%ai, %b : memref<16x16xf32, strided<[16, 1], offset: ?>>, memref<16x16xf32>)
                  outs(%ci : memref<16x16xf32, strided<[16, 1], offset: ?>>)
  }
  linalg.matmul ins(%h, %h : memref<16x16xf16>, memref<16x16xf16>) outs(%hc : memref<16x16xf16>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k, l) -> (m, k, l)>, affine_map<(m, n, k, l) -> (n, k, l)>, affine_map<(m, n, k, l) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %y : memref<8x4x4xf32>, memref<8x4x4xf32>) outs(%z : memref<8x8xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A decode step's projection (M = 1, weights [n, k]): a warp per output
// column, lanes striding along k (grid n / 4 with 4 warps per block), a
// 5-step butterfly, lane 0 adding to the output. Full f32.
#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#o = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @decode_projection
// CHECK: arith.ceildivui %c96{{.*}}, %c4
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c128
// CHECK-NOT: gpu.subgroup_mma
// CHECK:   scf.if
// CHECK:     scf.for %[[K:.*]] = %{{.*}} to %c64{{.*}} step %c32{{.*}} -> (f32)
// CHECK:       memref.load %arg1[%{{.*}}, %[[K]]]
// CHECK:       memref.load %arg0[%{{.*}}, %[[K]]]
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK:     scf.if
// CHECK:       memref.load %arg2
// CHECK:       memref.store %{{.*}}, %arg2
// TF32-LABEL: func.func @decode_projection
// TF32-NOT: gpu.subgroup_mma
func.func @decode_projection(%x: memref<1x64xf32>, %w: memref<96x64xf32>, %out: memref<1x96xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1x64xf32>, memref<96x64xf32>) outs(%out : memref<1x96xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// M = 1 but B contiguous along n ([k, n]): the warp-per-column reads would
// stride; the tensor-core kernel keeps it.
// CHECK-LABEL: func.func @row_times_kn
// CHECK: gpu.subgroup_mma_compute
// TF32-LABEL: func.func @row_times_kn
func.func @row_times_kn(%x: memref<1x64xf32>, %b: memref<64x96xf32>, %out: memref<1x96xf32>) {
  linalg.matmul ins(%x, %b : memref<1x64xf32>, memref<64x96xf32>) outs(%out : memref<1x96xf32>)
  return
}
