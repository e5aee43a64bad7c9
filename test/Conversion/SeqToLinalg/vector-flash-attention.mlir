// RUN: seq-opt %s --split-input-file --seq-lower-for-cpu | FileCheck %s
// RUN: seq-opt %s --split-input-file --seq-sparsify-attention --seq-lower-for-cpu | FileCheck %s --check-prefix=MAP

// f32 with a value dim that is a multiple of 16: the register-tiled vector
// kernel. Queries lie along the lanes: Sᵀ = K·Qᵀ accumulates 16-lane FMAs on
// a broadcast key element; the key loop classifies each tile (skip / mask /
// full) before any work; the causal mask is a 16-lane position compare.
// CHECK-LABEL: func.func @causal_gqa
// CHECK: scf.forall
// CHECK: linalg.transpose
// CHECK: scf.for
// CHECK: scf.if
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: scf.if
// CHECK: arith.cmpi sge, {{.*}} : vector<16xi32>
// CHECK: math.exp {{.*}} : vector<16xf32>
// CHECK: math.fma {{.*}} : vector<16xf32>
// A block map from seq-sparsify-attention becomes a constant the key loop
// reads per tile: 4 query heads per KV head make tiles of 16 positions
// (64 query rows), so 12 query tiles by 3 key tiles of 64.
// MAP-LABEL: func.func @causal_gqa
// MAP: arith.constant dense<{{\[}}[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0], [2, 1, 0], {{.*}}, [2, 2, 1]]> : tensor<12x3xi8>
// MAP: scf.for
// MAP: tensor.extract {{.*}} : tensor<12x3xi8>
func.func @causal_gqa(%q: tensor<1x192x8x32xf32>, %k: tensor<1x192x2x32xf32>,
                      %v: tensor<1x192x2x32xf32>) -> tensor<1x192x8x32xf32> {
  %o = seq.attention %q, %k, %v {causal}
      : tensor<1x192x8x32xf32>, tensor<1x192x2x32xf32>, tensor<1x192x2x32xf32>
      -> tensor<1x192x8x32xf32>
  return %o : tensor<1x192x8x32xf32>
}

// -----

// A value dim of 20 is not a multiple of 16: the linalg flash form.
// CHECK-LABEL: func.func @odd_value_dim
// CHECK-NOT: vector<16xf32>
// CHECK: return
func.func @odd_value_dim(%q: tensor<1x?x2x12xf32>, %k: tensor<1x?x2x12xf32>,
                         %v: tensor<1x?x2x20xf32>) -> tensor<1x?x2x20xf32> {
  %o = seq.attention %q, %k, %v {causal}
      : tensor<1x?x2x12xf32>, tensor<1x?x2x12xf32>, tensor<1x?x2x20xf32>
      -> tensor<1x?x2x20xf32>
  return %o : tensor<1x?x2x20xf32>
}

// -----

// A bias needs the shared per-element mask: a linalg.generic over Sᵀ on
// every visible tile, no position compares.
// CHECK-LABEL: func.func @bias_uses_scalar_mask
// CHECK-NOT: vector<16xi32>
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}} : tensor<1x1x64x64xf32>
// CHECK: math.exp {{.*}} : vector<16xf32>
func.func @bias_uses_scalar_mask(%q: tensor<1x64x2x16xf32>, %k: tensor<1x64x2x16xf32>,
                                 %v: tensor<1x64x2x16xf32>, %b: tensor<1x1x64x64xf32>)
    -> tensor<1x64x2x16xf32> {
  %o = seq.attention %q, %k, %v bias(%b) {causal}
      : tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>, tensor<1x64x2x16xf32>, tensor<1x1x64x64xf32>
      -> tensor<1x64x2x16xf32>
  return %o : tensor<1x64x2x16xf32>
}

// -----

// Decode (one query, 4 query heads per KV head): split-KV tasks, scores as
// dot products along D; per key, the next key tile's row of K and this
// key's row of V are prefetched into L2, one hint per 64-byte line (D = 32:
// two lines each), the K index clamped to the cache's last key.
// CHECK-LABEL: func.func @decode_prefetch
// CHECK: scf.forall
// CHECK: %[[LAST:.+]] = arith.subi %dim{{[_0-9]*}}, %{{.+}} : index
// CHECK: scf.for
// CHECK: %[[AHEAD:.+]] = arith.minsi %{{.+}}, %[[LAST]] : index
// CHECK: seq.prefetch %arg1[%{{.+}}, %[[AHEAD]], %{{.+}}, %{{.+}}] {locality = 2 : i32} : tensor<1x512x2x32xf32>
// CHECK: seq.prefetch %arg1[%{{.+}}, %[[AHEAD]], %{{.+}}, %{{.+}}] {locality = 2 : i32}
// CHECK: seq.prefetch %arg2[
// CHECK: seq.prefetch %arg2[
// CHECK-NOT: seq.prefetch
// CHECK: vector.reduction <add>
func.func @decode_prefetch(%q: tensor<1x1x8x32xf32>, %k: tensor<1x512x2x32xf32>,
                           %v: tensor<1x512x2x32xf32>) -> tensor<1x1x8x32xf32> {
  %o = seq.attention %q, %k, %v {causal}
      : tensor<1x1x8x32xf32>, tensor<1x512x2x32xf32>, tensor<1x512x2x32xf32>
      -> tensor<1x1x8x32xf32>
  return %o : tensor<1x1x8x32xf32>
}
