// Round trip of the recurrent mixers (selective_scan, ssd, linear_attention,
// delta_rule, mlstm, wkv, causal_conv1d), in custom and in generic form.
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

// -----

// Tests only some optional operands, so the operand segments must be right.
// CHECK-LABEL: func.func @selective_scan_partial
// CHECK: seq.selective_scan %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} z(%{{.+}}) initial_state(%{{.+}}) :
func.func @selective_scan_partial(%u: tensor<?x?x8xf32>, %a: tensor<8x2xf32>, %b: tensor<?x?x2xf32>, %h0: tensor<?x8x2xf32>) {
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b z(%u) initial_state(%h0) : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8x2xf32>, tensor<?x?x2xf32>, tensor<?x?x2xf32>, tensor<?x?x8xf32>, tensor<?x8x2xf32>) -> (tensor<?x?x8xf32>, tensor<?x8x2xf32>)
  return
}

// -----

// Tests Mamba2 SSD: 4 heads over 2 B/C groups, every optional operand.
// CHECK-LABEL: func.func @ssd
// CHECK: seq.ssd %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} D(%{{.+}}) z(%{{.+}}) dt_bias(%{{.+}}) initial_state(%{{.+}}) {chunk_size = 64 : i64, dt_limit = array<f32: 0.000000e+00, 1.000000e+02>, dt_softplus} : (tensor<1x?x4x16xf32>, tensor<1x?x4xf32>, tensor<4xf32>, tensor<1x?x2x32xf32>, tensor<1x?x2x32xf32>, tensor<4xf32>, tensor<1x?x4x16xf32>, tensor<4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>)
func.func @ssd(%x: tensor<1x?x4x16xf32>, %dt: tensor<1x?x4xf32>, %a: tensor<4xf32>, %b: tensor<1x?x2x32xf32>, %c: tensor<1x?x2x32xf32>, %d: tensor<4xf32>, %z: tensor<1x?x4x16xf32>, %dtb: tensor<4xf32>, %s0: tensor<1x4x16x32xf32>) {
  %y, %s = seq.ssd %x, %dt, %a, %b, %c D(%d) z(%z) dt_bias(%dtb) initial_state(%s0) {dt_softplus, dt_limit = array<f32: 0.0, 100.0>, chunk_size = 64 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4xf32>, tensor<4xf32>, tensor<1x?x2x32xf32>, tensor<1x?x2x32xf32>, tensor<4xf32>, tensor<1x?x4x16xf32>, tensor<4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

// Tests the three decay forms of linear_attention and the ungated form.
// CHECK-LABEL: func.func @linear_attention
// CHECK: seq.linear_attention %{{.+}}, %{{.+}}, %{{.+}} log_decay(%{{.+}}) {scale = 2.500000e-01 : f32} : ({{.*}}, tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
// CHECK: seq.linear_attention %{{.+}}, %{{.+}}, %{{.+}} log_decay(%{{.+}}) initial_state(%{{.+}}) : ({{.*}}, tensor<1x?x4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
// CHECK: seq.linear_attention %{{.+}}, %{{.+}}, %{{.+}} log_decay(%{{.+}}) {chunk_size = 32 : i64} : ({{.*}}, tensor<1x?x4x16xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
// CHECK: seq.linear_attention %{{.+}}, %{{.+}}, %{{.+}} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
func.func @linear_attention(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g1: tensor<4xf32>, %g3: tensor<1x?x4xf32>, %g4: tensor<1x?x4x16xf32>, %s0: tensor<1x4x16x32xf32>) {
  %y1, %s1 = seq.linear_attention %q, %k, %v log_decay(%g1) {scale = 0.25 : f32} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %y2, %s2 = seq.linear_attention %q, %k, %v log_decay(%g3) initial_state(%s0) : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %y3, %s3 = seq.linear_attention %q, %k, %v log_decay(%g4) {chunk_size = 32 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4x16xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %y4, %s4 = seq.linear_attention %q, %k, %v : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

// Tests delta_rule gated with a start state, then ungated and bare.
// CHECK-LABEL: func.func @delta_rule
// CHECK: seq.delta_rule %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} log_decay(%{{.+}}) initial_state(%{{.+}}) {scale = 1.250000e-01 : f32} : ({{.*}}, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
// CHECK: seq.delta_rule %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {chunk_size = 64 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
func.func @delta_rule(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %b: tensor<1x?x4xf32>, %g: tensor<1x?x4xf32>, %s0: tensor<1x4x16x32xf32>) {
  %y1, %s1 = seq.delta_rule %q, %k, %v, %b log_decay(%g) initial_state(%s0) {scale = 0.125 : f32} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %y2, %s2 = seq.delta_rule %q, %k, %v, %b {chunk_size = 64 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

// -----

// Tests mlstm with start states and attributes, then bare.
// CHECK-LABEL: func.func @mlstm
// CHECK: seq.mlstm %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} initial_state(%{{.+}}, %{{.+}}, %{{.+}}) {epsilon = 9.99999974E-5 : f32, scale = 2.500000e-01 : f32} : ({{.*}}, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
// CHECK: seq.mlstm %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
func.func @mlstm(%q: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g: tensor<1x?x4xf32>, %c0: tensor<1x4x16x32xf32>, %n0: tensor<1x4x16xf32>, %m0: tensor<1x4xf32>) {
  %y1, %c1, %n1, %m1 = seq.mlstm %q, %q, %v, %g, %g initial_state(%c0, %n0, %m0) {scale = 0.25 : f32, epsilon = 1.0e-4 : f32} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
  %y2, %c2, %n2, %m2 = seq.mlstm %q, %q, %v, %g, %g : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
  return
}

// -----

// Tests wkv with a start state, then without.
// CHECK-LABEL: func.func @wkv
// CHECK: seq.wkv %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} initial_state(%{{.+}}) : (tensor<64xf32>, tensor<64xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<1x3x64xf32>) -> (tensor<1x?x64xf32>, tensor<1x3x64xf32>)
// CHECK: seq.wkv %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : (tensor<64xf32>, tensor<64xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>) -> (tensor<1x?x64xf32>, tensor<1x3x64xf32>)
func.func @wkv(%w: tensor<64xf32>, %u: tensor<64xf32>, %k: tensor<1x?x64xf32>, %v: tensor<1x?x64xf32>, %s0: tensor<1x3x64xf32>) {
  %y1, %s1 = seq.wkv %w, %u, %k, %v initial_state(%s0) : (tensor<64xf32>, tensor<64xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<1x3x64xf32>) -> (tensor<1x?x64xf32>, tensor<1x3x64xf32>)
  %y2, %s2 = seq.wkv %w, %u, %k, %v : (tensor<64xf32>, tensor<64xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>) -> (tensor<1x?x64xf32>, tensor<1x3x64xf32>)
  return
}

// -----

// Tests causal_conv1d with bias and fused activation, and with decode state.
// CHECK-LABEL: func.func @causal_conv1d
// CHECK: seq.causal_conv1d %{{.+}}, %{{.+}}, %{{.+}} activation silu : (tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<32xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x3xf32>)
// CHECK: seq.causal_conv1d %{{.+}}, %{{.+}} state(%{{.+}}) : (tensor<1x1x32xf32>, tensor<32x4xf32>, tensor<1x32x3xf32>) -> (tensor<1x1x32xf32>, tensor<1x32x3xf32>)
func.func @causal_conv1d(%x: tensor<1x?x32xf32>, %w: tensor<32x4xf32>, %b: tensor<32xf32>, %x1: tensor<1x1x32xf32>, %st: tensor<1x32x3xf32>) {
  %y, %s = seq.causal_conv1d %x, %w, %b activation silu : (tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<32xf32>) -> (tensor<1x?x32xf32>, tensor<1x32x3xf32>)
  %y1, %s1 = seq.causal_conv1d %x1, %w state(%st) : (tensor<1x1x32xf32>, tensor<32x4xf32>, tensor<1x32x3xf32>) -> (tensor<1x1x32xf32>, tensor<1x32x3xf32>)
  return
}
