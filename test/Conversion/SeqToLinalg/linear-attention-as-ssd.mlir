// RUN: seq-opt %s --seq-lower-for-cpu | FileCheck %s
// RUN: seq-opt %s --seq-select-lowering="scan=reference" --seq-lower-for-cpu | FileCheck %s --check-prefix=REF

// Linear attention with a constant per-head decay (RetNet), a scalar gate
// per step and head, or no decay takes the chunked SSD scan: an scf.forall
// over (batch, head) whose state is [V, K], a loop over chunks, and the
// state transposed back to [K, V]. Per-channel gates (GLA) take their own
// chunkwise form: an scf.forall over (batch, head) carrying the [K, V] state
// through chunks of 16, the intra-chunk [q, q] scores with exp(cum_t -
// cum_s) weights, and register-tiled products (V = 32). Everything under
// scan=reference steps through time over whole tensors.

// CHECK-LABEL: func.func @head_decay
// CHECK: scf.forall {{.*}} -> (tensor<1x?x4x32xf32>, tensor<1x4x32x16xf32>)
// CHECK: scf.for {{.*}} step %c64
// CHECK-NOT: seq.
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 2]
// REF-LABEL: func.func @head_decay
// REF-NOT: scf.forall
// REF: scf.for {{.*}} -> (tensor<1x4x16x32xf32>, tensor<1x?x4x32xf32>)
func.func @head_decay(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g: tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>) {
  %y, %s = seq.linear_attention %q, %k, %v log_decay(%g) {scale = 0.25 : f32} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return %y, %s : tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>
}

// The initial state enters transposed; chunk_size sets the chunk.
// CHECK-LABEL: func.func @step_gate
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 2]
// CHECK: scf.forall {{.*}} -> (tensor<1x?x4x32xf32>, tensor<1x4x32x16xf32>)
// CHECK: scf.for {{.*}} step %c16
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 2]
func.func @step_gate(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g: tensor<1x?x4xf32>, %s0: tensor<1x4x16x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>) {
  %y, %s = seq.linear_attention %q, %k, %v log_decay(%g) initial_state(%s0) {chunk_size = 16 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return %y, %s : tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>
}

// CHECK-LABEL: func.func @channel_gate
// CHECK: scf.forall {{.*}} -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c16 iter_args({{.*}}) -> (tensor<16x32xf32>, tensor<?x32xf32>)
// CHECK: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: return
func.func @channel_gate(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g: tensor<1x?x4x16xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>) {
  %y, %s = seq.linear_attention %q, %k, %v log_decay(%g) : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4x16xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return %y, %s : tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>
}
