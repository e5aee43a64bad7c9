// RUN: seq-opt %s --split-input-file --seq-lower-for-gpu | FileCheck %s

// gpu-kernels: a norm is one kernel, a block of 128 threads per row (per
// group of a grouped RMSNorm). Threads stride over the channels; the sum
// meets through a 5-step butterfly and shared memory between two barriers;
// the same threads write the row.
// CHECK-LABEL: func.func @rmsnorm_gated_groups
// CHECK: %[[X:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]]
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x64xf32>
// CHECK: %[[BLOCKS:.*]] = arith.muli %{{.*}}, %c2
// CHECK: gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %{{.*}}, {{.*}} threads(%[[TID:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128
// CHECK:   memref.get_global @__seq_norm_partials_0
// CHECK:   scf.if
// CHECK:     scf.for %{{.*}} = %[[TID]] to %c32{{.*}} step %c128{{.*}} -> (f32)
// CHECK:       tensor.extract %[[X]]
// CHECK:       math.exp
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK:     gpu.barrier
// CHECK:     gpu.barrier
// CHECK:     math.rsqrt
// CHECK:     scf.for %{{.*}} = %[[TID]] to %c32{{.*}} step %c128
// CHECK:       memref.store %{{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]]
// CHECK: tensor.expand_shape
func.func @rmsnorm_gated_groups(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>, %z: tensor<1x?x64xf32>) -> tensor<1x?x64xf32> {
  %y = seq.rmsnorm %x, %w gate %z {group_size = 32 : i64, epsilon = 1.0e-5 : f32} : tensor<1x?x64xf32>, tensor<64xf32>, tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

// LayerNorm: two block sums (the mean, then the centred squares) before
// the write.
// CHECK-LABEL: func.func @layernorm
// CHECK: gpu.launch
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: arith.divf
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: math.rsqrt
// CHECK-NOT: gpu.shuffle
// CHECK: memref.store
func.func @layernorm(%x: tensor<4x768xf32>, %w: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<4x768xf32> {
  %y = seq.layernorm %x, %w, %b {epsilon = 1.0e-12 : f32} : tensor<4x768xf32>, tensor<768xf32>, tensor<768xf32>
  return %y : tensor<4x768xf32>
}
