// RUN: seq-opt %s --convert-seq-to-linalg | FileCheck %s
// RUN: seq-opt %s --convert-seq-to-linalg="scan=reference" | FileCheck %s --check-prefix=REF

// Linear attention with a constant per-head decay (RetNet) or none takes the
// chunked SSD lowering: C·Bᵀ scores over a chunk, a loop over chunks. A
// per-step gate keeps the step-by-step recurrence. scan=reference keeps the
// step-by-step form for all of them.

// CHECK-LABEL: func.func @head_decay
// CHECK: scf.forall {{.*}} -> (tensor<1x?x4x32xf32>, tensor<1x4x32x16xf32>)
// CHECK: scf.for
// CHECK-NOT: seq.
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 2]
// REF-LABEL: func.func @head_decay
// REF-NOT: linalg.transpose
// REF: scf.for
func.func @head_decay(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g: tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>) {
  %y, %s = seq.linear_attention %q, %k, %v log_decay(%g) {scale = 0.25 : f32} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return %y, %s : tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>
}

// CHECK-LABEL: func.func @step_gate
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @step_gate(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g: tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>) {
  %y, %s = seq.linear_attention %q, %k, %v log_decay(%g) : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return %y, %s : tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>
}
