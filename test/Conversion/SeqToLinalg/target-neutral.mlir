// RUN: seq-opt %s --split-input-file --convert-seq-to-linalg | FileCheck %s
// RUN: seq-opt %s --split-input-file --seq-lower-for-cpu | FileCheck %s --check-prefix=CPU

// The target-neutral lowering has no kernels: shapes the CPU's vector
// kernels take (f32, dims multiples of 16) stay linalg contractions there,
// and become 16-lane vector code under seq-lower-for-cpu.

// CHECK-LABEL: func.func @projection
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK-NOT: vector.
// CPU-LABEL: func.func @projection
// CPU: vector.transfer_read {{.*}} vector<16xf32>
func.func @projection(%x: tensor<4x32xf32>, %w: tensor<16x32xf32>) -> tensor<4x16xf32> {
  %y = seq.linear %x, %w : tensor<4x32xf32>, tensor<16x32xf32> -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A weight in panels [N/p, K, p]: the neutral contraction reads element
// [n, k] at [n floordiv p, k, n mod p]; the CPU runs its micro-kernel on
// each panel in place (one task per panel, no transpose of W).
// CHECK-DAG: #[[PANEL:.+]] = affine_map<(d0, d1, d2) -> (d1 floordiv 32, d2, d1 mod 32)>
// CHECK-LABEL: func.func @projection_panels
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[PANEL]], #{{.+}}]
// CPU-LABEL: func.func @projection_panels
// CPU: scf.forall (%[[P:.+]]) in (2) shared_outs
// CPU-NOT: linalg.transpose
// CPU: tensor.extract_slice %{{.+}}[%[[P]], %{{.+}}, 0] [1, 32, 32] [1, 1, 1] : tensor<2x32x32xf32> to tensor<32x32xf32>
// CPU: math.fma {{.*}} : vector<16xf32>
func.func @projection_panels(%x: tensor<4x32xf32>, %w: tensor<2x32x32xf32>) -> tensor<4x64xf32> {
  %y = seq.linear %x, %w : tensor<4x32xf32>, tensor<2x32x32xf32> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// A weight stored in bf16: the neutral contraction widens each element
// exactly before the f32 product; the CPU kernel loads 16 bf16 lanes and
// widens them in registers.
// CHECK-LABEL: func.func @projection_bf16
// CHECK: linalg.generic
// CHECK: ^bb0(%[[A:.+]]: f32, %[[W:.+]]: bf16, %[[ACC:.+]]: f32):
// CHECK: %[[WIDE:.+]] = arith.extf %[[W]] : bf16 to f32
// CHECK: arith.mulf %[[A]], %[[WIDE]]
// CPU-LABEL: func.func @projection_bf16
// CPU: vector.transfer_read {{.*}} : tensor<32x32xbf16>, vector<16xbf16>
// CPU: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
// CPU: math.fma {{.*}} : vector<16xf32>
func.func @projection_bf16(%x: tensor<4x32xf32>, %w: tensor<2x32x32xbf16>) -> tensor<4x64xf32> {
  %y = seq.linear %x, %w : tensor<4x32xf32>, tensor<2x32x32xbf16> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// A block-quantized weight (i8 values, f16 scales per 32): the neutral
// contraction dequantizes each element (value · scale of its block); the
// CPU kernel converts 16 i8 lanes in registers and applies the block's
// scales once per block.
// CHECK: #[[SCALES:.+]] = affine_map<(d0, d1, d2) -> (d1 floordiv 32, d2 floordiv 32, d1 mod 32)>
// CHECK-LABEL: func.func @projection_q8
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #[[SCALES]], #{{.+}}]
// CHECK: ^bb0(%[[A:.+]]: f32, %[[Q:.+]]: i8, %[[S:.+]]: f16, %[[ACC:.+]]: f32):
// CHECK: %[[V:.+]] = arith.sitofp %[[Q]] : i8 to f32
// CHECK: %[[SW:.+]] = arith.extf %[[S]] : f16 to f32
// CHECK: %[[W:.+]] = arith.mulf %[[V]], %[[SW]]
// CHECK: arith.mulf %[[A]], %[[W]]
// CPU-LABEL: func.func @projection_q8
// CPU: vector.transfer_read {{.*}} : tensor<2x64x32xi8>, vector<16xi8>
// CPU: arith.sitofp {{.*}} : vector<16xi8> to vector<16xf32>
// CPU: math.fma {{.*}} : vector<16xf32>
func.func @projection_q8(%x: tensor<4x64xf32>, %w: tensor<2x64x32xi8>, %s: tensor<2x2x32xf16>) -> tensor<4x64xf32> {
  %y = seq.linear %x, %w scales %s : tensor<4x64xf32>, tensor<2x64x32xi8> scales tensor<2x2x32xf16> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// 4-bit values (two per byte): the contraction reads byte k floordiv 2 and
// takes its low or high nibble, minus 8; the CPU kernel zero-extends 16
// bytes and splits them into two rows.
// CHECK-LABEL: func.func @projection_q4
// CHECK: linalg.generic
// CHECK: linalg.index 2
// CHECK: arith.shrui
// CHECK: arith.andi
// CHECK: arith.select
// CHECK: arith.subi
// CHECK: arith.sitofp
// CPU-LABEL: func.func @projection_q4
// CPU: vector.transfer_read {{.*}} : tensor<2x32x32xi8>, vector<16xi8>
// CPU: arith.extui {{.*}} : vector<16xi8> to vector<16xi32>
// CPU: arith.andi
// CPU: arith.shrui
func.func @projection_q4(%x: tensor<4x64xf32>, %w: tensor<2x32x32xi8>, %s: tensor<2x2x32xf16>) -> tensor<4x64xf32> {
  %y = seq.linear %x, %w scales %s {bits = 4} : tensor<4x64xf32>, tensor<2x32x32xi8> scales tensor<2x2x32xf16> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// CHECK-LABEL: func.func @attention
// CHECK-NOT: vector.
// CHECK: scf.for
// CHECK-NOT: vector.
// CPU-LABEL: func.func @attention
// CPU: vector.
func.func @attention(%q: tensor<1x32x2x16xf32>, %k: tensor<1x32x2x16xf32>, %v: tensor<1x32x2x16xf32>) -> tensor<1x32x2x16xf32> {
  %o = seq.attention %q, %k, %v {causal} : tensor<1x32x2x16xf32>, tensor<1x32x2x16xf32>, tensor<1x32x2x16xf32> -> tensor<1x32x2x16xf32>
  return %o : tensor<1x32x2x16xf32>
}

// -----

// The neutral pass lowers only the neutral forms: a CPU kernel named by
// hand is an error at the op.
// RUN: not seq-opt %s --split-input-file --seq-select-lowering=target=cpu --convert-seq-to-linalg 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: #seq.lowering<cpu_flash> is not a kernel of target 'generic'
