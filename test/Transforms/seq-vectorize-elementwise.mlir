// RUN: seq-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(seq-vectorize-elementwise))" | FileCheck %s

// SiLU(gate) · up: an scf.forall over the rows, the last dim 16 lanes at a
// time, the body on vector<16xf32> (its constant broadcast).
// CHECK-LABEL: func.func @silu_mul
// CHECK-NOT: linalg.generic
// CHECK: scf.forall (%[[B:.+]], %[[S:.+]]) in (1, %{{.+}}) shared_outs
// CHECK: tensor.extract_slice {{.*}} [1, 1, 64] [1, 1, 1]
// CHECK: scf.for %[[J:.+]] = %c0 to %c64 step %c16
// CHECK: vector.transfer_read {{.*}}[%[[B]], %[[S]], %[[J]]]{{.*}} : tensor<1x?x64xf32>, vector<16xf32>
// CHECK: math.exp {{.*}} : vector<16xf32>
// CHECK: vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK: arith.divf {{.*}} : vector<16xf32>
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write
// CHECK: tensor.parallel_insert_slice
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @silu_mul(%g: tensor<1x?x64xf32>, %u: tensor<1x?x64xf32>, %init: tensor<1x?x64xf32>) -> tensor<1x?x64xf32> {
  %one = arith.constant 1.0 : f32
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%g, %u : tensor<1x?x64xf32>, tensor<1x?x64xf32>) outs(%init : tensor<1x?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %s = arith.divf %a, %d : f32
    %m = arith.mulf %s, %b : f32
    linalg.yield %m : f32
  } -> tensor<1x?x64xf32>
  return %r : tensor<1x?x64xf32>
}

// -----

// An input without the last dim (a per-row scale) is read once per row and
// broadcast; one along the last dim only (a bias) is read in lanes.
// CHECK-LABEL: func.func @scale_and_bias
// CHECK: %[[ROW:.+]] = tensor.extract %{{.+}}[%{{.+}}] : tensor<8xf32>
// CHECK: vector.broadcast %[[ROW]] : f32 to vector<16xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<32xf32>, vector<16xf32>
func.func @scale_and_bias(%x: tensor<8x32xf32>, %s: tensor<8xf32>, %b: tensor<32xf32>, %init: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s, %b : tensor<8x32xf32>, tensor<8xf32>, tensor<32xf32>) outs(%init : tensor<8x32xf32>) {
  ^bb0(%a: f32, %c: f32, %d: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    %t = arith.addf %m, %d : f32
    linalg.yield %t : f32
  } -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// -----

// Left alone: erf (a libm call per lane once vectors are gone), a body that
// reads the output, a last dim that is not a multiple of 16, a transposed
// input, one dim.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT: scf.forall
func.func @left_alone(%x: tensor<4x32xf32>, %y: tensor<4x24xf32>, %t: tensor<32x4xf32>, %v: tensor<32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>, tensor<4x24xf32>, tensor<4x32xf32>, tensor<32xf32>) {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x32xf32>) outs(%x : tensor<4x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.erf %a : f32
    linalg.yield %e : f32
  } -> tensor<4x32xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x32xf32>) outs(%x : tensor<4x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<4x32xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<4x24xf32>) outs(%y : tensor<4x24xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.mulf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<4x24xf32>
  %3 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%t : tensor<32x4xf32>) outs(%x : tensor<4x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<4x32xf32>
  %4 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%v : tensor<32xf32>) outs(%v : tensor<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.mulf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %0, %1, %2, %3, %4 : tensor<4x32xf32>, tensor<4x32xf32>, tensor<4x24xf32>, tensor<4x32xf32>, tensor<32xf32>
}
