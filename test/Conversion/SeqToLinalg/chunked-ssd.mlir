// RUN: seq-opt %s --seq-lower-for-cpu | FileCheck %s
// RUN: seq-opt %s --seq-select-lowering=ssd-chunk=16 --seq-lower-for-cpu | FileCheck %s --check-prefix=CHUNK16

// Tests the chunked SSD lowering: a parallel loop over (batch, head), a loop
// over chunks of chunk_size steps carrying the head's state — here [N, P],
// transposed, because f32 with P and N multiples of 16 runs the chunk
// products in register tiles — and the intra-chunk [q, q] matrices (C·Bᵀ,
// the decay mask) instead of a per-step recurrence.
// CHECK-LABEL: func.func @ssd
// CHECK: scf.forall (%[[B:.+]], %[[H:.+]]) in (1, 4) shared_outs(%[[Y:.+]] = %{{.+}}, %[[S:.+]] = %{{.+}}) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>)
// Heads 0-1 read group 0, heads 2-3 group 1.
// CHECK: arith.divui %[[H]], %c2
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c8 iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<32x16xf32>, tensor<?x16xf32>)
// CHECK: tensor<?x?xf32>
// CHECK: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: linalg.transpose ins(%{{.+}} : tensor<32x16xf32>) outs(%{{.+}} : tensor<16x32xf32>)
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[Y]]
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[S]]
func.func @ssd(%x: tensor<1x?x4x16xf32>, %dt: tensor<1x?x4xf32>, %a: tensor<4xf32>, %b: tensor<1x?x2x32xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>) {
  %y, %s = seq.ssd %x, %dt, %a, %b, %b {chunk_size = 8 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4xf32>, tensor<4xf32>, tensor<1x?x2x32xf32>, tensor<1x?x2x32xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>)
  return %y, %s : tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>
}

// Without chunk_size the pass option decides: 64 by default, ssd-chunk=16
// here; an op's own chunk_size wins (@ssd above keeps 8).
// CHECK-LABEL: func.func @ssd_default_chunk
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c64 iter_args
// CHUNK16-LABEL: func.func @ssd
// CHUNK16: step %c8 iter_args
// CHUNK16-LABEL: func.func @ssd_default_chunk
// CHUNK16: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c16 iter_args
func.func @ssd_default_chunk(%x: tensor<1x?x4x16xf32>, %dt: tensor<1x?x4xf32>, %a: tensor<4xf32>, %b: tensor<1x?x2x32xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>) {
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x?x4x16xf32>, tensor<1x?x4xf32>, tensor<4xf32>, tensor<1x?x2x32xf32>, tensor<1x?x2x32xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>)
  return %y, %s : tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>
}
