// RUN: seq-opt %s --seq-lower-for-cpu | FileCheck %s
// RUN: seq-opt %s --seq-select-lowering=scan-segments=3 --seq-lower-for-cpu | FileCheck %s --check-prefix=SEGMENTS

// Tests the vector selective scan: 32 channels = two blocks of 16 lanes, the
// N = 4 state vectors carried through the time loop in registers (loop
// results, not tensors), u and y as contiguous 16-wide transfers.
// CHECK-LABEL: func.func @selective_scan
// CHECK: scf.forall (%[[B:.+]], %[[K:.+]]) in (1, 2) shared_outs(%[[Y:.+]] = %{{.+}}, %[[S:.+]] = %{{.+}}) -> (tensor<1x?x32xf32>, tensor<1x32x4xf32>)
// A's columns are read along the channel dim.
// CHECK: vector.transfer_read %{{.+}}[%{{.+}}, %c0{{.*}}], %{{.+}} {in_bounds = [true], permutation_map = #{{.+}}} : tensor<32x4xf32>, vector<16xf32>
// CHECK: scf.for %[[T:.+]] = %{{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, tensor<?x16xf32>)
// CHECK: vector.transfer_read %{{.+}}[%[[B]], %[[T]], %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<1x?x32xf32>, vector<16xf32>
// CHECK: math.exp %{{.+}} : vector<16xf32>
// CHECK: math.fma
// CHECK: vector.transfer_write
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[Y]]
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[S]]
// With 3 time segments, the two-pass parallel prefix: pass 1 over
// (batch, tile, segment) gives local end states and ΣΔ, pass 2 rescans each
// segment from its carried-in state writing y, and a last forall over
// (batch, tile) combines the final state.
// SEGMENTS-LABEL: func.func @selective_scan
// SEGMENTS: scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 2, 3) shared_outs(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<1x3x2x4x16xf32>, tensor<1x3x32xf32>)
// SEGMENTS: scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 2, 3) shared_outs(%{{.+}} = %{{.+}}) -> (tensor<1x?x32xf32>)
// SEGMENTS: math.exp
// SEGMENTS: scf.forall (%{{.+}}, %{{.+}}) in (1, 2) shared_outs(%{{.+}} = %{{.+}}) -> (tensor<1x32x4xf32>)
func.func @selective_scan(%u: tensor<1x?x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x?x4xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x4xf32>) {
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x4xf32>)
  return %y, %h : tensor<1x?x32xf32>, tensor<1x32x4xf32>
}
