// RUN: seq-opt %s --seq-approximate-math | FileCheck %s
// RUN: seq-opt %s --seq-approximate-math=scalef=true | FileCheck %s --check-prefix=SCALEF

// Vector exp, log1p and tanh become inline polynomials (no libm call per
// lane); scalar ones keep the exact libm call.

// CHECK-LABEL: func.func @vector_exp
// CHECK-NOT: math.exp
// CHECK: math.fma
// CHECK: return
// With scalef (AVX-512), 16-lane exp is a Cody-Waite reduction, a degree-6
// polynomial and one vscalefps; no other exp form is left.
// SCALEF-LABEL: func.func @vector_exp
// SCALEF-NOT: math.exp
// SCALEF: math.roundeven
// SCALEF-COUNT-8: math.fma
// SCALEF: x86vector.avx512.mask.scalef
// SCALEF-NOT: math.fma
// SCALEF: return
func.func @vector_exp(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.exp %x : vector<16xf32>
  return %0 : vector<16xf32>
}

// log1p's polynomial is built on log, which is expanded too.
// CHECK-LABEL: func.func @vector_tanh_log1p
// CHECK-NOT: math.tanh
// CHECK-NOT: math.log
// CHECK: return
func.func @vector_tanh_log1p(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.tanh %x : vector<16xf32>
  %1 = math.log1p %0 : vector<16xf32>
  return %1 : vector<16xf32>
}

// Other widths keep the generic polynomial even with scalef.
// SCALEF-LABEL: func.func @vector8_exp
// SCALEF-NOT: x86vector
// SCALEF: return
func.func @vector8_exp(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.exp %x : vector<8xf32>
  return %0 : vector<8xf32>
}

// CHECK-LABEL: func.func @scalar_exp
// CHECK: math.exp
func.func @scalar_exp(%x: f32) -> f32 {
  %0 = math.exp %x : f32
  return %0 : f32
}
