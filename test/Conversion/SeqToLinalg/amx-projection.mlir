// RUN: seq-opt %s --split-input-file --seq-lower-for-cpu="amx=true" | FileCheck %s
// RUN: seq-opt %s --split-input-file --seq-lower-for-cpu | FileCheck %s --check-prefix=NOAMX

// Several rows of a block-quantized projection on an AMX target: the input
// split into two bf16 terms (hi, and what hi leaves) laid out in 16x32
// tiles, each panel repacked into bf16 pairs, tdpbf16ps of both terms into
// four f32 tiles per block of 32, the tiles scaled into the accumulators;
// the module marks itself for the runtime (seq_uses_amx). Without amx the
// vector FMA kernel runs and nothing is marked.
// CHECK: llvm.mlir.global external constant @seq_uses_amx(1 : i8)
// CHECK-LABEL: func.func @prefill_q8
// CHECK: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK: arith.subf
// CHECK: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK: scf.forall
// CHECK: vector.interleave {{.*}} : vector<16xbf16>
// CHECK: amx.tile_zero : !amx.tile<16x16xf32>
// CHECK: amx.tile_load {{.*}} into !amx.tile<16x32xbf16>
// CHECK: amx.tile_mulf {{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// CHECK: amx.tile_store
// CHECK: math.fma {{.*}} : vector<16xf32>
// NOAMX-NOT: seq_uses_amx
// NOAMX-LABEL: func.func @prefill_q8
// NOAMX-NOT: amx.
func.func @prefill_q8(%x: tensor<40x64xf32>, %w: tensor<2x64x32xi8>, %s: tensor<2x2x32xf16>) -> tensor<40x64xf32> {
  %y = seq.linear %x, %w scales %s : tensor<40x64xf32>, tensor<2x64x32xi8> scales tensor<2x2x32xf16> -> tensor<40x64xf32>
  return %y : tensor<40x64xf32>
}

// -----

// One row (decode) keeps the vector kernel, which streams the weight once.
// Blocks that are not a multiple of 32 go to the tiles dequantized
// (value · scale) as two bf16 terms, three products per 32 k (2 steps of
// 2 x 2 tiles: 24), no scales after. Affine blocks (offsets) add
// offset · Σx of the block per row: Σx summed once per call.
// CHECK-LABEL: func.func @decode_q8
// CHECK-NOT: amx.
// CHECK-LABEL: func.func @blocks_of_16
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: arith.truncf {{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK: arith.subf
// CHECK: vector.interleave
// CHECK: vector.interleave
// CHECK-COUNT-24: amx.tile_mulf
// CHECK-NOT: math.fma
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK-LABEL: func.func @affine_q4
// CHECK: vector.reduction <add>
// CHECK: amx.tile_mulf
// CHECK: math.fma
// CHECK: math.fma
func.func @decode_q8(%x: tensor<1x64xf32>, %w: tensor<2x64x32xi8>, %s: tensor<2x2x32xf16>) -> tensor<1x64xf32> {
  %y = seq.linear %x, %w scales %s : tensor<1x64xf32>, tensor<2x64x32xi8> scales tensor<2x2x32xf16> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
func.func @blocks_of_16(%x: tensor<40x64xf32>, %w: tensor<2x64x32xi8>, %s: tensor<2x4x32xf16>) -> tensor<40x64xf32> {
  %y = seq.linear %x, %w scales %s : tensor<40x64xf32>, tensor<2x64x32xi8> scales tensor<2x4x32xf16> -> tensor<40x64xf32>
  return %y : tensor<40x64xf32>
}
func.func @affine_q4(%x: tensor<40x64xf32>, %w: tensor<2x32x32xi8>, %s: tensor<2x2x32xf16>, %m: tensor<2x2x32xf16>) -> tensor<40x64xf32> {
  %y = seq.linear %x, %w scales %s offsets %m {bits = 4} : tensor<40x64xf32>, tensor<2x32x32xi8> scales tensor<2x2x32xf16> offsets tensor<2x2x32xf16> -> tensor<40x64xf32>
  return %y : tensor<40x64xf32>
}

// -----

// A bf16 weight in panels (kept as stored): the panel's rows are
// interleaved as they are (no conversion), the tiles run over 64 k (K's
// largest block of 256/128/64 that divides it) before they are added into
// the accumulators, with no scales.
// CHECK-LABEL: func.func @prefill_bf16
// CHECK: scf.forall
// CHECK: vector.transfer_read {{.*}} : tensor<2x64x32xbf16>, vector<16xbf16>
// CHECK: vector.interleave
// CHECK-COUNT-8: amx.tile_mulf
// CHECK: amx.tile_store
// CHECK-NOT: math.fma
// CHECK: arith.addf {{.*}} : vector<16xf32>
func.func @prefill_bf16(%x: tensor<40x64xf32>, %w: tensor<2x64x32xbf16>) -> tensor<40x64xf32> {
  %y = seq.linear %x, %w : tensor<40x64xf32>, tensor<2x64x32xbf16> -> tensor<40x64xf32>
  return %y : tensor<40x64xf32>
}
