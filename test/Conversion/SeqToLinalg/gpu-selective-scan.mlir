// RUN: seq-opt %s --split-input-file --seq-lower-for-gpu | FileCheck %s

// gpu-kernels (--target=cuda): one kernel, a thread per (channel, state index):
// 128 / N = 8 channels per block, grid (channel blocks, batch). The time
// loop carries the thread's h; y's sum over the states is a 4-step xor
// butterfly over the channel's 16 lanes; lane 0 adds D·u, gates with
// silu(z) and stores; the final h goes to the state buffer.
// CHECK-LABEL: func.func @mamba
// CHECK: %[[Y:.*]] = memref.alloc(%{{.*}}) : memref<1x?x64xf32>
// CHECK: %[[H:.*]] = memref.alloc() : memref<1x64x16xf32>
// CHECK: %[[BLOCKS:.*]] = arith.ceildivui %c64{{.*}}, %c8
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %{{.*}}) in (%{{.*}} = %[[BLOCKS]], {{.*}} threads(%[[TID:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128
// CHECK:   %[[N:.*]] = arith.remui %[[TID]], %c16
// CHECK:   tensor.extract %arg2[%{{.*}}, %[[N]]]
// CHECK:   scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (f32)
// CHECK:     tensor.extract %arg0[%[[BY]], %[[T]], %{{.*}}]
// CHECK:     math.log1p
// CHECK:     tensor.extract %arg3[%[[BY]], %[[T]], %[[N]]]
// CHECK:     math.exp
// CHECK-COUNT-4: gpu.shuffle  xor
// CHECK:     scf.if
// CHECK:       tensor.extract %arg6
// CHECK:       memref.store %{{.*}}, %[[Y]][%[[BY]], %[[T]], %{{.*}}]
// CHECK:   memref.store %{{.*}}, %[[H]][%[[BY]], %{{.*}}, %[[N]]]
// CHECK: bufferization.to_tensor %[[Y]]
// CHECK: bufferization.to_tensor %[[H]]
func.func @mamba(%u: tensor<1x?x64xf32>, %dt: tensor<1x?x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x?x16xf32>, %c: tensor<1x?x16xf32>, %d: tensor<64xf32>, %z: tensor<1x?x64xf32>) -> (tensor<1x?x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = seq.selective_scan %u, %dt, %a, %b, %c D(%d) z(%z) {delta_softplus} : (tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<64x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<64xf32>, tensor<1x?x64xf32>) -> (tensor<1x?x64xf32>, tensor<1x64x16xf32>)
  return %y, %h : tensor<1x?x64xf32>, tensor<1x64x16xf32>
}

// -----

// d_state 12 (not a power of two) keeps the tiled lowering.
// CHECK-LABEL: func.func @odd_state
// CHECK-NOT: gpu.launch
// CHECK: scf.forall
func.func @odd_state(%u: tensor<1x8x4xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4x12xf32>, %b: tensor<1x8x12xf32>, %c: tensor<1x8x12xf32>) -> (tensor<1x8x4xf32>, tensor<1x4x12xf32>) {
  %y, %h = seq.selective_scan %u, %dt, %a, %b, %c : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<4x12xf32>, tensor<1x8x12xf32>, tensor<1x8x12xf32>) -> (tensor<1x8x4xf32>, tensor<1x4x12xf32>)
  return %y, %h : tensor<1x8x4xf32>, tensor<1x4x12xf32>
}

// -----

// seq.ssd (Mamba2): a channel is (head, head channel); with N = 128 its 32
// lanes hold 4 states each (lane j: n = j, j + 32, ...), so 4 channels per
// block. Δ is clamped to dt_limit; y's sum over the states is a 5-step
// butterfly.
// CHECK-LABEL: func.func @mamba2
// CHECK: %[[Y:.*]] = memref.alloc(%{{.*}}) : memref<1x?x8x64xf32>
// CHECK: %[[S:.*]] = memref.alloc() : memref<1x8x64x128xf32>
// CHECK: arith.ceildivui %c512{{.*}}, %c4
// CHECK: gpu.launch
// CHECK:   scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK:     math.log1p
// CHECK:     arith.maximumf
// CHECK:     arith.minimumf
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK:     memref.store %{{.*}}, %[[Y]]
// CHECK-COUNT-4: memref.store %{{.*}}, %[[S]]
func.func @mamba2(%x: tensor<1x?x8x64xf32>, %dt: tensor<1x?x8xf32>, %a: tensor<8xf32>, %b: tensor<1x?x2x128xf32>, %c: tensor<1x?x2x128xf32>, %d: tensor<8xf32>) -> (tensor<1x?x8x64xf32>, tensor<1x8x64x128xf32>) {
  %y, %s = seq.ssd %x, %dt, %a, %b, %c D(%d) {dt_softplus, dt_limit = array<f32: 0.001, 10.0>} : (tensor<1x?x8x64xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x128xf32>, tensor<1x?x2x128xf32>, tensor<8xf32>) -> (tensor<1x?x8x64xf32>, tensor<1x8x64x128xf32>)
  return %y, %s : tensor<1x?x8x64xf32>, tensor<1x8x64x128xf32>
}
