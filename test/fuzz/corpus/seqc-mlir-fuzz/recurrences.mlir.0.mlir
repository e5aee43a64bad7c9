// Round trip of the recurrent mixers (selective_scan, ssd, linear_attention,
// causal_conv1d), in custom and in generic form.
// RUN: seq-opt %s --split-input-file | seq-opt --split-input-file | FileCheck %s
// RUN: seq-opt %s --split-input-file --mlir-print-op-generic | seq-opt --split-input-file | FileCheck %s

// Tests the Mamba1 scan with every optional operand, then the bare form.
// CHECK-LABEL: func.func @selective_scan
// CHECK-SAME: (%[[U:[^:]+]]: {{[^,]+}}, %[[DT:[^:]+]]: {{[^,]+}}, %[[A:[^:]+]]: {{[^,]+}}, %[[B:[^:]+]]: {{[^,]+}}, %[[C:[^:]+]]: {{[^,]+}}, %[[D:[^:]+]]: {{[^,]+}}, %[[Z:[^:]+]]: {{[^,]+}}, %[[DTB:[^:]+]]: {{[^,]+}}, %[[H0:[^:]+]]: {{[^,]+}})
// CHECK: seq.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] D(%[[D]]) z(%[[Z]]) delta_bias(%[[DTB]]) initial_state(%[[H0]]) {delta_softplus} : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<32xf32>, tensor<1x?x32xf32>, tensor<32xf32>, tensor<1x32x4xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x4xf32>)
// CHECK: seq.selective_scan %[[U]], %[[DT]], %[[A]], %[[B]], %[[C]] : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x4xf32>)
func.func @selective_scan(%u: tensor<1x?x32xf32>, %dt: tensor<1x?x32xf32>, %a: tensor<32x4xf32>, %b: tensor<1x?x4xf32>, %c: tensor<1x?x4xf32>, %d: tensor<32xf32>, %z: tensor<1x?x32xf32>, %dtb: tensor<32xf32>, %h0: tensor<1x32x4xf32>) {
  %y, %h = seq.selective_scan %u, %dt, %a, %b, %c D(%d) z(%z) delta_bias(%dtb) initial_state(%h0) {delta_softplus} : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<32xf32>, tensor<1x?x32xf32>, tensor<32xf32>, tensor<1x32x4xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x4xf32>)
  %y2, %h2 = seq.selective_scan %u, %dt, %a, %b, %c : (tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x4xf32>)
  return
}

