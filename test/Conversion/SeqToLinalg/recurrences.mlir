// RUN: seq-opt %s --split-input-file --seq-select-lowering="scan=reference" --seq-lower-for-cpu | FileCheck %s

// Tests that the selective scan steps through time, updating the state in
// place (the state is the generic's output, not a new tensor).
// CHECK-LABEL: func.func @selective_scan
// CHECK: %[[R:.+]]:2 = scf.for %[[T:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[S:.+]] = %{{.+}}, %[[Y:.+]] = %{{.+}}) -> (tensor<1x8x4xf32>, tensor<1x?x8xf32>)
// CHECK: tensor.extract_slice %{{.+}}[0, %[[T]], 0] [1, 1, 8] [1, 1, 1] : tensor<1x?x8xf32> to tensor<1x8xf32>
// CHECK: linalg.generic {{.+}} outs(%[[S]] : tensor<1x8x4xf32>)
// CHECK: math.exp
// CHECK: tensor.insert_slice %{{.+}} into %[[Y]][0, %[[T]], 0] [1, 1, 8] [1, 1, 1]
// CHECK: return %[[R]]#1, %[[R]]#0
func.func @selective_scan(%u: tensor<1x?x8xf32>, %a: tensor<8x4xf32>, %b: tensor<1x?x4xf32>) -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>) {
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<8x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x8xf32>, tensor<1x8x4xf32>)
  return %y, %h : tensor<1x?x8xf32>, tensor<1x8x4xf32>
}

// -----

// Tests that the causal conv reads the history-extended input through a
// shifted map (t + j).
// CHECK-DAG: #[[SHIFT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 + d3, d2)>
// CHECK-LABEL: func.func @causal_conv1d
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 3, 0]
// CHECK: linalg.generic {indexing_maps = [#[[SHIFT]], {{.+}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: tensor.extract_slice %{{.+}}[0, %{{.+}}, 0] [1, 3, 8] [1, 1, 1]
// CHECK: linalg.transpose
func.func @causal_conv1d(%x: tensor<1x?x8xf32>, %w: tensor<8x4xf32>) -> (tensor<1x?x8xf32>, tensor<1x8x3xf32>) {
  %y, %s = seq.causal_conv1d %x, %w : (tensor<1x?x8xf32>, tensor<8x4xf32>) -> (tensor<1x?x8xf32>, tensor<1x8x3xf32>)
  return %y, %s : tensor<1x?x8xf32>, tensor<1x8x3xf32>
}

// -----

// Tests that SSD splits heads into B/C groups so B and C are indexed by group.
// CHECK-LABEL: func.func @ssd
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0], [1], [2, 3], [4]] output_shape [1, %{{.+}}, 2, 2, 4] : tensor<1x?x4x4xf32> into tensor<1x?x2x2x4xf32>
// CHECK: scf.for
// CHECK: tensor.collapse_shape %{{.+}} {{\[}}[0], [1], [2, 3], [4]] : tensor<1x?x2x2x4xf32> into tensor<1x?x4x4xf32>
func.func @ssd(%x: tensor<1x?x4x4xf32>, %dt: tensor<1x?x4xf32>, %a: tensor<4xf32>, %b: tensor<1x?x2x8xf32>) -> (tensor<1x?x4x4xf32>, tensor<1x4x4x8xf32>) {
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x?x4x4xf32>, tensor<1x?x4xf32>, tensor<4xf32>, tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32>) -> (tensor<1x?x4x4xf32>, tensor<1x4x4x8xf32>)
  return %y, %s : tensor<1x?x4x4xf32>, tensor<1x4x4x8xf32>
}
