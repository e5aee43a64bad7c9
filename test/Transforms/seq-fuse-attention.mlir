// RUN: seq-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(seq-fuse-attention))' | FileCheck %s

// PyTorch's eager attention as linalg on [B, H, S, D]: generic contractions,
// a constant scale, a constant causal mask (0 / -inf) read as [S, S], and
// the max / exp / sum / divide softmax. One seq.attention, causal, with the
// scale; the layout transposes around it; nothing of the old graph is left.
#q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#s = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#id = affine_map<(b, h, i, j) -> (b, h, i, j)>
#ij = affine_map<(b, h, i, j) -> (i, j)>
#row = affine_map<(b, h, i, j) -> (b, h, i)>
#pp = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#po = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
// CHECK-LABEL: func.func @eager_causal
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x16xf32>, %[[K:.*]]: tensor<1x2x4x16xf32>, %[[V:.*]]: tensor<1x2x4x16xf32>)
// CHECK: %[[QT:.*]] = linalg.transpose ins(%[[Q]] : tensor<1x2x4x16xf32>) outs({{.*}} : tensor<1x4x2x16xf32>) permutation = [0, 2, 1, 3]
// CHECK: %[[KT:.*]] = linalg.transpose ins(%[[K]]
// CHECK: %[[VT:.*]] = linalg.transpose ins(%[[V]]
// CHECK: %[[O:.*]] = seq.attention %[[QT]], %[[KT]], %[[VT]] {causal, scale = 2.500000e-01 : f32}
// CHECK: %[[R:.*]] = linalg.transpose ins(%[[O]] : tensor<1x4x2x16xf32>) outs({{.*}} : tensor<1x2x4x16xf32>) permutation = [0, 2, 1, 3]
// CHECK-NOT: linalg.generic
// CHECK-NOT: math.exp
// CHECK: return %[[R]]
func.func @eager_causal(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x4x16xf32>,
                        %v: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c = arith.constant 0.25 : f32
  %mask = arith.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000],
                                [0.0, 0.0, 0xFF800000, 0xFF800000],
                                [0.0, 0.0, 0.0, 0xFF800000],
                                [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = linalg.generic {indexing_maps = [#q, #k, #s],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) outs(%s0 : tensor<1x2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x4xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #id],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x2x4x4xf32>) outs(%e : tensor<1x2x4x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<1x2x4x4xf32>
  %masked = linalg.generic {indexing_maps = [#id, #ij, #id],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%scaled, %mask : tensor<1x2x4x4xf32>, tensor<4x4xf32>) outs(%e : tensor<1x2x4x4xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<1x2x4x4xf32>
  %er = tensor.empty() : tensor<1x2x4xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  %max = linalg.generic {indexing_maps = [#id, #row],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%masked : tensor<1x2x4x4xf32>) outs(%m0 : tensor<1x2x4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.maximumf %x, %acc : f32
    linalg.yield %y : f32
  } -> tensor<1x2x4xf32>
  %ex = linalg.generic {indexing_maps = [#id, #row, #id],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%masked, %max : tensor<1x2x4x4xf32>, tensor<1x2x4xf32>) outs(%e : tensor<1x2x4x4xf32>) {
  ^bb0(%x: f32, %mx: f32, %o: f32):
    %d = arith.subf %x, %mx : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<1x2x4x4xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%er : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ex : tensor<1x2x4x4xf32>) outs(%z0 : tensor<1x2x4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  } -> tensor<1x2x4xf32>
  %p = linalg.generic {indexing_maps = [#id, #row, #id],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex, %sum : tensor<1x2x4x4xf32>, tensor<1x2x4xf32>) outs(%e : tensor<1x2x4x4xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %y = arith.divf %x, %t : f32
    linalg.yield %y : f32
  } -> tensor<1x2x4x4xf32>
  %eo = tensor.empty() : tensor<1x2x4x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  %out = linalg.generic {indexing_maps = [#pp, #pv, #po],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) outs(%o0 : tensor<1x2x4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x16xf32>
  return %out : tensor<1x2x4x16xf32>
}

// -----

// Flattened heads with named ops: K transposed by linalg.transpose, a
// division by a constant, an additive mask from data (the bias), and
// linalg.softmax over the keys.
#id3 = affine_map<(n, i, j) -> (n, i, j)>
// CHECK-LABEL: func.func @batch_matmul_bias
// CHECK-SAME: (%[[Q:.*]]: tensor<6x5x8xf32>, %[[K:.*]]: tensor<6x5x8xf32>, %[[V:.*]]: tensor<6x5x8xf32>, %[[B:.*]]: tensor<6x5x5xf32>)
// CHECK-DAG: %[[QE:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3]] output_shape [6, 5, 1, 8]
// CHECK-DAG: %[[BE:.*]] = tensor.expand_shape %[[B]] {{\[}}[0, 1], [2], [3]] output_shape [6, 1, 5, 5]
// CHECK: %[[O:.*]] = seq.attention %[[QE]], %{{.*}}, %{{.*}} bias(%[[BE]]) {scale = 1.250000e-01 : f32}
// CHECK: tensor.collapse_shape %[[O]] {{\[}}[0], [1], [2, 3]] : tensor<6x5x1x8xf32> into tensor<6x5x8xf32>
// CHECK-NOT: linalg.softmax
// CHECK-NOT: linalg.batch_matmul
func.func @batch_matmul_bias(%q: tensor<6x5x8xf32>, %k: tensor<6x5x8xf32>,
                             %v: tensor<6x5x8xf32>, %bias: tensor<6x5x5xf32>) -> tensor<6x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %c8 = arith.constant 8.0 : f32
  %ekt = tensor.empty() : tensor<6x8x5xf32>
  %kt = linalg.transpose ins(%k : tensor<6x5x8xf32>) outs(%ekt : tensor<6x8x5xf32>) permutation = [0, 2, 1]
  %e = tensor.empty() : tensor<6x5x5xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<6x5x8xf32>, tensor<6x8x5xf32>) outs(%s0 : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %d = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.divf %x, %c8 : f32
    linalg.yield %y : f32
  } -> tensor<6x5x5xf32>
  %b = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%d, %bias : tensor<6x5x5xf32>, tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<6x5x5xf32>
  %p = linalg.softmax dimension(2) ins(%b : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %eo = tensor.empty() : tensor<6x5x8xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<6x5x5xf32>, tensor<6x5x8xf32>) outs(%o0 : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  return %o : tensor<6x5x8xf32>
}

// -----

// GQA: K and V of 2 heads repeated to 4 (broadcast, collapse) are
// read with their 2 heads; seq.softmax; no scaling: scale 1.
#q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#k = affine_map<(b, h, i, j, d) -> (b, h, j, d)>
#s = affine_map<(b, h, i, j, d) -> (b, h, i, j)>
#pp = affine_map<(b, h, i, e, j) -> (b, h, i, j)>
#pv = affine_map<(b, h, i, e, j) -> (b, h, j, e)>
#po = affine_map<(b, h, i, e, j) -> (b, h, i, e)>
// CHECK-LABEL: func.func @gqa_repeat_kv
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<1x2x3x16xf32>
// CHECK: %[[KT:.*]] = linalg.transpose ins(%[[K]] : tensor<1x2x3x16xf32>)
// CHECK: seq.attention %{{.*}}, %[[KT]], %{{.*}} {scale = 1.000000e+00 : f32} : tensor<1x3x4x16xf32>, tensor<1x3x2x16xf32>, tensor<1x3x2x16xf32>
// CHECK-NOT: linalg.broadcast
func.func @gqa_repeat_kv(%q: tensor<1x4x3x16xf32>, %k: tensor<1x2x3x16xf32>,
                         %v: tensor<1x2x3x16xf32>) -> tensor<1x4x3x16xf32> {
  %zero = arith.constant 0.0 : f32
  %kb0 = tensor.empty() : tensor<1x2x2x3x16xf32>
  %kb = linalg.broadcast ins(%k : tensor<1x2x3x16xf32>) outs(%kb0 : tensor<1x2x2x3x16xf32>) dimensions = [2]
  %vb = linalg.broadcast ins(%v : tensor<1x2x3x16xf32>) outs(%kb0 : tensor<1x2x2x3x16xf32>) dimensions = [2]
  %kr = tensor.collapse_shape %kb [[0], [1, 2], [3], [4]] : tensor<1x2x2x3x16xf32> into tensor<1x4x3x16xf32>
  %vr = tensor.collapse_shape %vb [[0], [1, 2], [3], [4]] : tensor<1x2x2x3x16xf32> into tensor<1x4x3x16xf32>
  %e = tensor.empty() : tensor<1x4x3x3xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %s = linalg.generic {indexing_maps = [#q, #k, #s],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kr : tensor<1x4x3x16xf32>, tensor<1x4x3x16xf32>) outs(%s0 : tensor<1x4x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x3x3xf32>
  %p = seq.softmax %s {axis = -1 : i64} : tensor<1x4x3x3xf32>
  %eo = tensor.empty() : tensor<1x4x3x16xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x3x16xf32>) -> tensor<1x4x3x16xf32>
  %out = linalg.generic {indexing_maps = [#pp, #pv, #po],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %vr : tensor<1x4x3x3xf32>, tensor<1x4x3x16xf32>) outs(%o0 : tensor<1x4x3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x3x16xf32>
  return %out : tensor<1x4x3x16xf32>
}

// -----

// Look-alikes that must not fuse.
// CHECK-LABEL: func.func @softmax_over_queries
// CHECK-NOT: seq.attention
// CHECK: linalg.softmax dimension(1)
func.func @softmax_over_queries(%q: tensor<6x5x8xf32>, %k: tensor<6x5x8xf32>,
                                %v: tensor<6x5x8xf32>) -> tensor<6x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ekt = tensor.empty() : tensor<6x8x5xf32>
  %kt = linalg.transpose ins(%k : tensor<6x5x8xf32>) outs(%ekt : tensor<6x8x5xf32>) permutation = [0, 2, 1]
  %e = tensor.empty() : tensor<6x5x5xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<6x5x8xf32>, tensor<6x8x5xf32>) outs(%s0 : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %eo = tensor.empty() : tensor<6x5x8xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<6x5x5xf32>, tensor<6x5x8xf32>) outs(%o0 : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  return %o : tensor<6x5x8xf32>
}

// -----

// A mask selected from data (a boolean tensor) is not an index-only mask.
#id3 = affine_map<(n, i, j) -> (n, i, j)>
// CHECK-LABEL: func.func @data_dependent_mask
// CHECK-NOT: seq.attention
// CHECK: arith.select
func.func @data_dependent_mask(%q: tensor<6x5x8xf32>, %k: tensor<6x5x8xf32>,
                               %v: tensor<6x5x8xf32>, %keep: tensor<6x5x5xi1>) -> tensor<6x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %ekt = tensor.empty() : tensor<6x8x5xf32>
  %kt = linalg.transpose ins(%k : tensor<6x5x8xf32>) outs(%ekt : tensor<6x8x5xf32>) permutation = [0, 2, 1]
  %e = tensor.empty() : tensor<6x5x5xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<6x5x8xf32>, tensor<6x8x5xf32>) outs(%s0 : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %keep : tensor<6x5x5xf32>, tensor<6x5x5xi1>) outs(%e : tensor<6x5x5xf32>) {
  ^bb0(%x: f32, %c: i1, %o: f32):
    %y = arith.select %c, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<6x5x5xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %eo = tensor.empty() : tensor<6x5x8xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<6x5x5xf32>, tensor<6x5x8xf32>) outs(%o0 : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  return %o : tensor<6x5x8xf32>
}

// -----

// P·Vᵀ: V read as [N, Dv, S] through the contraction's map.
#pp = affine_map<(n, i, e, j) -> (n, i, j)>
#pvt = affine_map<(n, i, e, j) -> (n, e, j)>
#po = affine_map<(n, i, e, j) -> (n, i, e)>
// CHECK-LABEL: func.func @transposed_value
// CHECK-NOT: seq.attention
// CHECK: linalg.softmax
func.func @transposed_value(%q: tensor<6x5x8xf32>, %k: tensor<6x5x8xf32>,
                            %vt: tensor<6x8x5xf32>) -> tensor<6x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ekt = tensor.empty() : tensor<6x8x5xf32>
  %kt = linalg.transpose ins(%k : tensor<6x5x8xf32>) outs(%ekt : tensor<6x8x5xf32>) permutation = [0, 2, 1]
  %e = tensor.empty() : tensor<6x5x5xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<6x5x8xf32>, tensor<6x8x5xf32>) outs(%s0 : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %eo = tensor.empty() : tensor<6x5x8xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  %o = linalg.generic {indexing_maps = [#pp, #pvt, #po],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %vt : tensor<6x5x5xf32>, tensor<6x8x5xf32>) outs(%o0 : tensor<6x5x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<6x5x8xf32>
  return %o : tensor<6x5x8xf32>
}

// -----

// (Q·Kᵀ + bias) · c scales the bias too, which seq.attention does not.
#id3 = affine_map<(n, i, j) -> (n, i, j)>
// CHECK-LABEL: func.func @bias_before_scale
// CHECK-NOT: seq.attention
// CHECK: linalg.softmax
func.func @bias_before_scale(%q: tensor<6x5x8xf32>, %k: tensor<6x5x8xf32>,
                             %v: tensor<6x5x8xf32>, %bias: tensor<6x5x5xf32>) -> tensor<6x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %c = arith.constant 0.125 : f32
  %ekt = tensor.empty() : tensor<6x8x5xf32>
  %kt = linalg.transpose ins(%k : tensor<6x5x8xf32>) outs(%ekt : tensor<6x8x5xf32>) permutation = [0, 2, 1]
  %e = tensor.empty() : tensor<6x5x5xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<6x5x8xf32>, tensor<6x8x5xf32>) outs(%s0 : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %b = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %bias : tensor<6x5x5xf32>, tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<6x5x5xf32>
  %d = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<6x5x5xf32>
  %p = linalg.softmax dimension(2) ins(%d : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %eo = tensor.empty() : tensor<6x5x8xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<6x5x5xf32>, tensor<6x5x8xf32>) outs(%o0 : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  return %o : tensor<6x5x8xf32>
}

// -----

// A select mask from loop indices: j <= i is causal; anything else
// index-only becomes a mask_mod region with the same arithmetic.
#id3 = affine_map<(n, i, j) -> (n, i, j)>
// CHECK-LABEL: func.func @select_causal
// CHECK: seq.attention {{.*}} {causal, scale = 1.000000e+00 : f32}
// CHECK-NOT: mask_mod
// CHECK-NOT: arith.select
func.func @select_causal(%q: tensor<6x5x8xf32>, %k: tensor<6x5x8xf32>,
                         %v: tensor<6x5x8xf32>) -> tensor<6x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %ekt = tensor.empty() : tensor<6x8x5xf32>
  %kt = linalg.transpose ins(%k : tensor<6x5x8xf32>) outs(%ekt : tensor<6x8x5xf32>) permutation = [0, 2, 1]
  %e = tensor.empty() : tensor<6x5x5xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<6x5x8xf32>, tensor<6x8x5xf32>) outs(%s0 : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %future = arith.cmpi sgt, %j, %i : index
    %y = arith.select %future, %ninf, %x : f32
    linalg.yield %y : f32
  } -> tensor<6x5x5xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %eo = tensor.empty() : tensor<6x5x8xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<6x5x5xf32>, tensor<6x5x8xf32>) outs(%o0 : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  return %o : tensor<6x5x8xf32>
}

// -----

// Documents of 2 positions: visible iff i / 2 == j / 2.
#id3 = affine_map<(n, i, j) -> (n, i, j)>
// CHECK-LABEL: func.func @select_document_mask
// CHECK: seq.attention
// CHECK-SAME: mask_mod {
// CHECK-NEXT: ^bb0(%[[B:.*]]: index, %[[H:.*]]: index, %[[I:.*]]: index, %[[J:.*]]: index):
// CHECK-DAG: %[[DI:.*]] = arith.divui %[[I]], %{{.*}} : index
// CHECK-DAG: %[[DJ:.*]] = arith.divui %[[J]], %{{.*}} : index
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[DI]], %[[DJ]] : index
// CHECK: seq.yield %[[EQ]] : i1
func.func @select_document_mask(%q: tensor<6x5x8xf32>, %k: tensor<6x5x8xf32>,
                                %v: tensor<6x5x8xf32>) -> tensor<6x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %two = arith.constant 2 : index
  %ekt = tensor.empty() : tensor<6x8x5xf32>
  %kt = linalg.transpose ins(%k : tensor<6x5x8xf32>) outs(%ekt : tensor<6x8x5xf32>) permutation = [0, 2, 1]
  %e = tensor.empty() : tensor<6x5x5xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<6x5x8xf32>, tensor<6x8x5xf32>) outs(%s0 : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %m = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %di = arith.divui %i, %two : index
    %dj = arith.divui %j, %two : index
    %same = arith.cmpi eq, %di, %dj : index
    %y = arith.select %same, %x, %ninf : f32
    linalg.yield %y : f32
  } -> tensor<6x5x5xf32>
  %p = linalg.softmax dimension(2) ins(%m : tensor<6x5x5xf32>) outs(%e : tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %eo = tensor.empty() : tensor<6x5x8xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<6x5x5xf32>, tensor<6x5x8xf32>) outs(%o0 : tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  return %o : tensor<6x5x8xf32>
}
