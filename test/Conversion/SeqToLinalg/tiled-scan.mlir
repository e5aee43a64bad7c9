// RUN: seq-opt %s --seq-select-lowering="target=cpu scan=tiled channel-tile=64" --seq-lower-for-cpu | FileCheck %s

// Tests the tiled selective scan (150 channels: not a multiple of 16, so not
// the vector kernel): a parallel loop over (batch, channel tile),
// each running its own time loop on a [channels, N] state updated in place.
// CHECK-LABEL: func.func @selective_scan
// CHECK: %[[TILES:.+]] = arith.ceildivui %c150, %c64
// CHECK: scf.forall (%[[B:.+]], %[[T:.+]]) in (1, %[[TILES]]) shared_outs(%[[Y:.+]] = %{{.+}}, %[[S:.+]] = %{{.+}}) -> (tensor<1x?x150xf32>, tensor<1x150x4xf32>)
// CHECK: tensor.extract_slice %{{.+}}[%[[B]], 0, %{{.+}}] [1, %{{.+}}, %{{.+}}] [1, 1, 1] : tensor<1x?x150xf32> to tensor<?x?xf32>
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[H:.+]] = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<?x4xf32>, tensor<?x?xf32>)
// CHECK: linalg.generic {{.+}} outs(%[[H]] : tensor<?x4xf32>)
// CHECK: math.exp
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[Y]]
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[S]]
func.func @selective_scan(%u: tensor<1x?x150xf32>, %a: tensor<150x4xf32>, %b: tensor<1x?x4xf32>) -> (tensor<1x?x150xf32>, tensor<1x150x4xf32>) {
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x?x150xf32>, tensor<1x?x150xf32>, tensor<150x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x150xf32>, tensor<1x150x4xf32>)
  return %y, %h : tensor<1x?x150xf32>, tensor<1x150x4xf32>
}
