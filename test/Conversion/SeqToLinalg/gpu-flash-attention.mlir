// RUN: seq-opt %s --split-input-file --seq-lower-for-gpu | FileCheck %s

// gpu-kernels (--target=cuda): one gpu.launch per attention op. Grid: query
// tiles of 128 rows (head dim 64: one thread per row) x query heads x
// batch; key tiles of 32 staged in shared-memory globals; the key loop runs
// over the keys the causal mask leaves visible to the block's rows; the
// online softmax keeps (max, sum, acc) in registers; the output is a fresh
// buffer handed back as a tensor.
// CHECK-DAG: memref.global "private" @__seq_attention_k_0 : memref<32x64xf32, #gpu.address_space<workgroup>> = uninitialized {alignment = 128 : i64}
// CHECK-DAG: memref.global "private" @__seq_attention_v_0 : memref<32x64xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.global "private" @__seq_attention_scores_0 : memref<32x128xf32, #gpu.address_space<workgroup>>
// CHECK-LABEL: func.func @causal_gqa
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<1x?x4x64xf32>
// CHECK: %[[TILES:.*]] = arith.ceildivui %{{.*}}, %c128
// CHECK: gpu.launch blocks(%[[QT:.*]], %[[H:.*]], %[[B:.*]]) in (%{{.*}} = %{{.*}}, %{{.*}} = %c4{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TID:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128
// CHECK:   memref.get_global @__seq_attention_k_0
// CHECK:   %[[KVH:.*]] = arith.divui %[[H]], %c2
// CHECK:   tensor.extract %arg0[%[[B]], %{{.*}}, %[[H]], %{{.*}}]
// CHECK:   vector.from_elements
// CHECK:   scf.for %[[J0:.*]] = %{{.*}} to %{{.*}} step %c32{{.*}} iter_args({{.*}}) -> (f32, f32, vector<64xf32>)
// CHECK:     tensor.extract %arg1[%[[B]], %{{.*}}, %[[KVH]], %{{.*}}]
// CHECK:     tensor.extract %arg2[%[[B]], %{{.*}}, %[[KVH]], %{{.*}}]
// CHECK:     gpu.barrier
// CHECK:     scf.for {{.*}} -> (f32)
// CHECK:       vector.load
// CHECK:       vector.reduction <add>
// CHECK:       arith.cmpi sle
// CHECK:       memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[TID]]]
// CHECK:     math.exp
// CHECK:     scf.for {{.*}} -> (f32, vector<64xf32>)
// CHECK:       vector.fma
// CHECK:     gpu.barrier
// CHECK:   scf.if
// CHECK:     vector.store %{{.*}}, %[[OUT]][%[[B]], %{{.*}}, %[[H]], %{{.*}}]
// CHECK:   gpu.terminator
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK-NOT: seq.attention
func.func @causal_gqa(%q: tensor<1x?x4x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x2x64xf32>) -> tensor<1x?x4x64xf32> {
  %o = seq.attention %q, %k, %v {causal} : tensor<1x?x4x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32> -> tensor<1x?x4x64xf32>
  return %o : tensor<1x?x4x64xf32>
}

// -----

// Head dim 128: two threads per row (64 rows per block), each holding half
// of q and of the accumulator; their partial dot products meet through one
// xor shuffle. Key tiles of 16.
// CHECK-LABEL: func.func @hd128
// CHECK: arith.ceildivui %{{.*}}, %c64
// CHECK: gpu.launch
// CHECK:   scf.for {{.*}} step %c16
// CHECK:     vector.load {{.*}} vector<64xf32>
// CHECK:     gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK-NOT:     gpu.shuffle
// CHECK:     vector.fma {{.*}} : vector<64xf32>
func.func @hd128(%q: tensor<2x?x2x128xf32>, %k: tensor<2x?x2x128xf32>, %v: tensor<2x?x2x128xf32>) -> tensor<2x?x2x128xf32> {
  %o = seq.attention %q, %k, %v : tensor<2x?x2x128xf32>, tensor<2x?x2x128xf32>, tensor<2x?x2x128xf32> -> tensor<2x?x2x128xf32>
  return %o : tensor<2x?x2x128xf32>
}

// -----

// Head dims above 256 keep the generic flash lowering (an scf.forall of
// query tiles).
// CHECK-LABEL: func.func @too_wide
// CHECK-NOT: gpu.launch
// CHECK: scf.forall
func.func @too_wide(%q: tensor<1x8x1x512xf32>, %k: tensor<1x8x1x512xf32>, %v: tensor<1x8x1x512xf32>) -> tensor<1x8x1x512xf32> {
  %o = seq.attention %q, %k, %v : tensor<1x8x1x512xf32>, tensor<1x8x1x512xf32>, tensor<1x8x1x512xf32> -> tensor<1x8x1x512xf32>
  return %o : tensor<1x8x1x512xf32>
}

// -----

// One query position (decoding) with head dims that are multiples of 32:
// split-KV. The first kernel's grid is (key splits of 256 over the cache's
// capacity, query heads, batch) with 4 warps per block; a warp's lanes
// share each dot product through a 5-step butterfly; warps meet in shared
// memory and each block writes its split's partial accumulator and (max,
// sum). The second kernel (Dv threads per (head, batch)) merges the splits.
// CHECK-DAG: memref.global "private" @__seq_decode_stats_0 : memref<4x2xf32, #gpu.address_space<workgroup>>
// CHECK-DAG: memref.global "private" @__seq_decode_acc_0 : memref<4x64xf32, #gpu.address_space<workgroup>>
// CHECK-LABEL: func.func @decode
// CHECK: %[[SPLITS:.*]] = arith.maxui %{{.*}}, %c1
// CHECK: %[[ACC:.*]] = memref.alloc(%{{.*}}, %[[SPLITS]]) : memref<?x8x?x64xf32>
// CHECK: %[[STATS:.*]] = memref.alloc(%{{.*}}, %[[SPLITS]]) : memref<?x8x?x2xf32>
// CHECK: gpu.launch blocks(%[[S:.*]], %[[H:.*]], %{{.*}}) in (%{{.*}} = %[[SPLITS]], %{{.*}} = %c8{{.*}}, %{{.*}} = %{{.*}}) threads({{.*}}) in (%{{.*}} = %c128
// CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4{{.*}} -> (f32, f32, vector<2xf32>)
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK:   gpu.barrier
// CHECK:   vector.store %{{.*}}, %[[ACC]][%{{.*}}, %[[H]], %[[S]], %{{.*}}]
// CHECK:   memref.store %{{.*}}, %[[STATS]][%{{.*}}, %[[H]], %[[S]], %c0
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c64
// CHECK:   scf.for {{.*}} -> (f32)
// CHECK:   scf.for {{.*}} -> (f32, f32)
// CHECK: bufferization.to_tensor
func.func @decode(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1000x2x64xf32>, %v: tensor<1x1000x2x64xf32>, %n: index) -> tensor<1x1x8x64xf32> {
  %o = seq.attention %q, %k, %v kv_length(%n) {causal} : tensor<1x1x8x64xf32>, tensor<1x1000x2x64xf32>, tensor<1x1000x2x64xf32> -> tensor<1x1x8x64xf32>
  return %o : tensor<1x1x8x64xf32>
}
