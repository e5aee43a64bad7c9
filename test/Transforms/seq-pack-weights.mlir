// RUN: seq-opt %s --split-input-file --seq-pack-weights | FileCheck %s

// Weights only seq.linear reads go into panels of 64 columns (N a multiple
// of 64) or 32; seq.linear takes them as they are (same result type).
// CHECK-LABEL: func.func @projections
// CHECK-DAG: %[[Q:.+]] = seq.weight "q" panels : tensor<2x32x64xf32>
// CHECK-DAG: %[[K:.+]] = seq.weight "k" panels : tensor<3x32x32xf32>
// CHECK: seq.linear %{{.+}}, %[[Q]] : tensor<1x?x32xf32>, tensor<2x32x64xf32> -> tensor<1x?x128xf32>
// CHECK: seq.linear %{{.+}}, %[[K]], %{{.+}} : tensor<1x?x32xf32>, tensor<3x32x32xf32>, tensor<96xf32> -> tensor<1x?x96xf32>
func.func @projections(%x: tensor<1x?x32xf32>, %b: tensor<96xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x96xf32>) {
  %wq = seq.weight "q" : tensor<128x32xf32>
  %wk = seq.weight "k" : tensor<96x32xf32>
  %q = seq.linear %x, %wq : tensor<1x?x32xf32>, tensor<128x32xf32> -> tensor<1x?x128xf32>
  %k = seq.linear %x, %wk, %b : tensor<1x?x32xf32>, tensor<96x32xf32>, tensor<96xf32> -> tensor<1x?x96xf32>
  return %q, %k : tensor<1x?x128xf32>, tensor<1x?x96xf32>
}

// -----

// Weights stored narrow (bf16, f16) under an f32 projection go into panels
// too, keeping their element type.
// CHECK-LABEL: func.func @narrow
// CHECK-DAG: %[[B:.+]] = seq.weight "b" panels : tensor<2x32x64xbf16>
// CHECK-DAG: %[[H:.+]] = seq.weight "h" panels : tensor<1x32x32xf16>
// CHECK: seq.linear %{{.+}}, %[[B]] : tensor<1x?x32xf32>, tensor<2x32x64xbf16> -> tensor<1x?x128xf32>
// CHECK: seq.linear %{{.+}}, %[[H]] : tensor<1x?x32xf32>, tensor<1x32x32xf16> -> tensor<1x?x32xf32>
func.func @narrow(%x: tensor<1x?x32xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x32xf32>) {
  %wb = seq.weight "b" : tensor<128x32xbf16>
  %wh = seq.weight "h" : tensor<32x32xf16>
  %b = seq.linear %x, %wb : tensor<1x?x32xf32>, tensor<128x32xbf16> -> tensor<1x?x128xf32>
  %h = seq.linear %x, %wh : tensor<1x?x32xf32>, tensor<32x32xf16> -> tensor<1x?x32xf32>
  return %b, %h : tensor<1x?x128xf32>, tensor<1x?x32xf32>
}

// -----

// A block-quantized weight's values and scales go into panels together,
// also for a table the embedding reads as well (a tied head): the lookup
// reads panels too.
// CHECK-LABEL: func.func @quantized
// CHECK-DAG: %[[Q:.+]] = seq.weight "q" panels : tensor<2x64x64xi8>
// CHECK-DAG: %[[S:.+]] = seq.weight "q_scale" panels : tensor<2x2x64xf16>
// CHECK-DAG: %[[T:.+]] = seq.weight "table" panels : tensor<1x64x64xi8>
// CHECK-DAG: %[[TS:.+]] = seq.weight "table_scale" panels : tensor<1x2x64xf16>
// CHECK: seq.linear %{{.+}}, %[[Q]] scales %[[S]] : tensor<1x?x64xf32>, tensor<2x64x64xi8> scales tensor<2x2x64xf16> -> tensor<1x?x128xf32>
// CHECK: seq.embedding %[[T]][%{{.+}}] scales %[[TS]] : tensor<1x64x64xi8>, tensor<1x?xi64> scales tensor<1x2x64xf16> -> tensor<1x?x64xf32>
// CHECK: seq.linear %{{.+}}, %[[T]] scales %[[TS]] : tensor<1x?x64xf32>, tensor<1x64x64xi8> scales tensor<1x2x64xf16> -> tensor<1x?x64xf32>
func.func @quantized(%x: tensor<1x?x64xf32>, %ids: tensor<1x?xi64>) -> (tensor<1x?x128xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>) {
  %q = seq.weight "q" : tensor<128x64xi8>
  %s = seq.weight "q_scale" : tensor<128x2xf16>
  %t = seq.weight "table" : tensor<64x64xi8>
  %ts = seq.weight "table_scale" : tensor<64x2xf16>
  %y = seq.linear %x, %q scales %s : tensor<1x?x64xf32>, tensor<128x64xi8> scales tensor<128x2xf16> -> tensor<1x?x128xf32>
  %e = seq.embedding %t[%ids] scales %ts : tensor<64x64xi8>, tensor<1x?xi64> scales tensor<64x2xf16> -> tensor<1x?x64xf32>
  %h = seq.linear %x, %t scales %ts : tensor<1x?x64xf32>, tensor<64x64xi8> scales tensor<64x2xf16> -> tensor<1x?x64xf32>
  return %y, %e, %h : tensor<1x?x128xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>
}

// -----

// Layouts that stay: K not a multiple of 16, a transposed weight (the
// runtime already copies it), a projection computed in f16 (the CPU kernel
// computes in f32).
// CHECK-LABEL: func.func @kept
// CHECK: seq.weight "odd_cols" : tensor<64x24xf32>
// CHECK: seq.weight "conv1d" transposed : tensor<64x32xf32>
// CHECK: seq.weight "half" : tensor<64x32xf16>
// CHECK-NOT: panels
func.func @kept(%x: tensor<2x32xf32>, %y: tensor<2x24xf32>, %h: tensor<2x32xf16>)
    -> (tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x64xf16>) {
  %b = seq.weight "odd_cols" : tensor<64x24xf32>
  %c = seq.weight "conv1d" transposed : tensor<64x32xf32>
  %d = seq.weight "half" : tensor<64x32xf16>
  %1 = seq.linear %y, %b : tensor<2x24xf32>, tensor<64x24xf32> -> tensor<2x64xf32>
  %2 = seq.linear %x, %c : tensor<2x32xf32>, tensor<64x32xf32> -> tensor<2x64xf32>
  %3 = seq.linear %h, %d : tensor<2x32xf16>, tensor<64x32xf16> -> tensor<2x64xf16>
  return %1, %2, %3 : tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x64xf16>
}

// -----

// A tied embedding: the table is read by seq.embedding in one function and
// by the LM head's seq.linear in another; every seq.weight of a name takes
// the same layout, panels (the lookup reads them too). A weight another op
// reads as data (here as the linear's input) stays, and so does a table
// only looked up.
// CHECK-LABEL: func.func @embed
// CHECK: seq.weight "tied" panels : tensor<1x32x64xf32>
// CHECK: seq.weight "lookup_only" : tensor<64x32xf32>
// CHECK-LABEL: func.func @head
// CHECK: seq.weight "tied" panels : tensor<1x32x64xf32>
// CHECK: seq.weight "square" : tensor<32x32xf32>
func.func @embed(%ids: tensor<1x4xi64>) -> (tensor<1x4x32xf32>, tensor<1x4x32xf32>) {
  %t = seq.weight "tied" : tensor<64x32xf32>
  %e = seq.embedding %t[%ids] : tensor<64x32xf32>, tensor<1x4xi64> -> tensor<1x4x32xf32>
  %l = seq.weight "lookup_only" : tensor<64x32xf32>
  %f = seq.embedding %l[%ids] : tensor<64x32xf32>, tensor<1x4xi64> -> tensor<1x4x32xf32>
  return %e, %f : tensor<1x4x32xf32>, tensor<1x4x32xf32>
}
func.func @head(%x: tensor<1x4x32xf32>) -> (tensor<1x4x64xf32>, tensor<32x32xf32>) {
  %t = seq.weight "tied" : tensor<64x32xf32>
  %y = seq.linear %x, %t : tensor<1x4x32xf32>, tensor<64x32xf32> -> tensor<1x4x64xf32>
  %s = seq.weight "square" : tensor<32x32xf32>
  %z = seq.linear %s, %s : tensor<32x32xf32>, tensor<32x32xf32> -> tensor<32x32xf32>
  return %y, %z : tensor<1x4x64xf32>, tensor<32x32xf32>
}

// -----

// N not a multiple of 32 (a vocabulary): a partial last panel, rows(N);
// the projection computes all panels' columns, its bias padded with
// zeros, and cuts the result back to N. The tied table's lookup reads the
// panels as they are.
// CHECK-LABEL: func.func @partial
// CHECK: %[[W:.+]] = seq.weight "head" panels rows(100) : tensor<4x32x32xf32>
// CHECK: %[[E:.+]] = seq.embedding %[[W]][%{{.+}}] : tensor<4x32x32xf32>, tensor<1x?xi64> -> tensor<1x?x32xf32>
// CHECK: %[[Z:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<128xf32>)
// CHECK: %[[B:.+]] = tensor.insert_slice %{{.+}} into %[[Z]][0] [100] [1] : tensor<100xf32> into tensor<128xf32>
// CHECK: %[[Y:.+]] = seq.linear %[[E]], %[[W]], %[[B]] : tensor<1x?x32xf32>, tensor<4x32x32xf32>, tensor<128xf32> -> tensor<1x?x128xf32>
// CHECK: tensor.extract_slice %[[Y]][0, 0, 0] [1, %{{.+}}, 100] [1, 1, 1] : tensor<1x?x128xf32> to tensor<1x?x100xf32>
func.func @partial(%ids: tensor<1x?xi64>, %bias: tensor<100xf32>) -> tensor<1x?x100xf32> {
  %w = seq.weight "head" : tensor<100x32xf32>
  %e = seq.embedding %w[%ids] : tensor<100x32xf32>, tensor<1x?xi64> -> tensor<1x?x32xf32>
  %y = seq.linear %e, %w, %bias : tensor<1x?x32xf32>, tensor<100x32xf32>, tensor<100xf32> -> tensor<1x?x100xf32>
  return %y : tensor<1x?x100xf32>
}

// -----

// A partial panel only for float weights read as projection weights: block
// scales (and their values) keep their layout.
// CHECK-LABEL: func.func @partial_kept
// CHECK: seq.weight "q8" : tensor<100x32xi8>
// CHECK: seq.weight "q8_scale" : tensor<100x1xf16>
// CHECK-NOT: panels
func.func @partial_kept(%x: tensor<2x32xf32>) -> tensor<2x100xf32> {
  %q = seq.weight "q8" : tensor<100x32xi8>
  %s = seq.weight "q8_scale" : tensor<100x1xf16>
  %y = seq.linear %x, %q scales %s : tensor<2x32xf32>, tensor<100x32xi8> scales tensor<100x1xf16> -> tensor<2x100xf32>
  return %y : tensor<2x100xf32>
}
