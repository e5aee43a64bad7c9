// RUN: seq-opt %s --seq-approximate-math | FileCheck %s

// Vector exp, log1p and tanh become inline polynomials (no libm call per
// lane); scalar ones keep the exact libm call.

// CHECK-LABEL: func.func @vector_exp
// CHECK-NOT: math.exp
// CHECK: math.fma
// CHECK: return
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

// CHECK-LABEL: func.func @scalar_exp
// CHECK: math.exp
func.func @scalar_exp(%x: f32) -> f32 {
  %0 = math.exp %x : f32
  return %0 : f32
}
