// RUN: seq-opt %s --split-input-file --seq-sparsify-attention="query-tile=64 key-tile=64" | FileCheck %s

// Causal, 256 positions, 4 × 4 tiles: diagonal tiles masked, below full,
// above skipped.
// CHECK-LABEL: func.func @causal
// CHECK: seq.tile_map = dense<{{\[}}[1, 0, 0, 0], [2, 1, 0, 0], [2, 2, 1, 0], [2, 2, 2, 1]]> : tensor<4x4xi8>
// CHECK-SAME: seq.tile_sizes = array<i64: 64, 64>
func.func @causal(%q: tensor<1x256x2x16xf32>, %k: tensor<1x256x2x16xf32>,
                  %v: tensor<1x256x2x16xf32>) -> tensor<1x256x2x16xf32> {
  %o = seq.attention %q, %k, %v {causal}
      : tensor<1x256x2x16xf32>, tensor<1x256x2x16xf32>, tensor<1x256x2x16xf32>
      -> tensor<1x256x2x16xf32>
  return %o : tensor<1x256x2x16xf32>
}

// -----

// Sliding window of 64 (causal): each query tile sees its own tile (masked)
// and the one before (masked: i - j reaches 127 >= 64); all others skipped.
// CHECK-LABEL: func.func @sliding_window
// CHECK: seq.tile_map = dense<{{\[}}[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]> : tensor<4x4xi8>
func.func @sliding_window(%q: tensor<1x256x2x16xf32>, %k: tensor<1x256x2x16xf32>,
                          %v: tensor<1x256x2x16xf32>) -> tensor<1x256x2x16xf32> {
  %o = seq.attention %q, %k, %v {causal, sliding_window = 64 : i64}
      : tensor<1x256x2x16xf32>, tensor<1x256x2x16xf32>, tensor<1x256x2x16xf32>
      -> tensor<1x256x2x16xf32>
  return %o : tensor<1x256x2x16xf32>
}

// -----

// Block-sparse layout with blocks of the tile size: the map is the layout
// (1 → full, 0 → skipped), read exactly.
// CHECK-LABEL: func.func @block_sparse
// CHECK: seq.tile_map = dense<{{\[}}[2, 0, 0], [0, 2, 2], [2, 0, 0]]> : tensor<3x3xi8>
func.func @block_sparse(%q: tensor<1x192x1x16xf32>, %k: tensor<1x192x1x16xf32>,
                        %v: tensor<1x192x1x16xf32>) -> tensor<1x192x1x16xf32> {
  %o = seq.attention %q, %k, %v {block_size = 64 : i64,
        block_layout = dense<[[true, false, false], [false, true, true], [true, false, false]]> : tensor<3x3xi1>}
      : tensor<1x192x1x16xf32>, tensor<1x192x1x16xf32>, tensor<1x192x1x16xf32>
      -> tensor<1x192x1x16xf32>
  return %o : tensor<1x192x1x16xf32>
}

// -----

// Global tokens bypass the window: key tile 0 (holding the global keys) and
// query tile 0 (holding the global queries) stay visible everywhere; tiles
// more than a window apart otherwise are skipped.
// CHECK-LABEL: func.func @longformer
// CHECK: seq.tile_map = dense<{{\[}}[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 1, 1]]> : tensor<4x4xi8>
func.func @longformer(%q: tensor<1x256x1x16xf32>, %k: tensor<1x256x1x16xf32>,
                      %v: tensor<1x256x1x16xf32>) -> tensor<1x256x1x16xf32> {
  %o = seq.attention %q, %k, %v {sliding_window = 16 : i64, global_tokens = 2 : i64}
      : tensor<1x256x1x16xf32>, tensor<1x256x1x16xf32>, tensor<1x256x1x16xf32>
      -> tensor<1x256x1x16xf32>
  return %o : tensor<1x256x1x16xf32>
}

// -----

// Dilated (LongNet) segments of 64: only tiles within one segment are
// visible, and never fully (rate 2 skips every other key).
// CHECK-LABEL: func.func @dilated
// CHECK: seq.tile_map = dense<{{\[}}[1, 0], [0, 1]]> : tensor<2x2xi8>
func.func @dilated(%q: tensor<1x128x1x16xf32>, %k: tensor<1x128x1x16xf32>,
                   %v: tensor<1x128x1x16xf32>) -> tensor<1x128x1x16xf32> {
  %o = seq.attention %q, %k, %v {dilation_rate = 2 : i64, dilation_segment = 64 : i64}
      : tensor<1x128x1x16xf32>, tensor<1x128x1x16xf32>, tensor<1x128x1x16xf32>
      -> tensor<1x128x1x16xf32>
  return %o : tensor<1x128x1x16xf32>
}

// -----

// A bias applies per element: causal tiles below the diagonal stay masked
// (1), those above are still skipped. Grouped queries (8 over 2 KV heads):
// 16 positions per tile by default would be 64 rows; here tiles are fixed.
// CHECK-LABEL: func.func @bias_keeps_tiles_partial
// CHECK: seq.tile_map = dense<{{\[}}[1, 0], [1, 1]]> : tensor<2x2xi8>
func.func @bias_keeps_tiles_partial(%q: tensor<1x128x8x16xf32>, %k: tensor<1x128x2x16xf32>,
                                    %v: tensor<1x128x2x16xf32>, %bias: tensor<1x1x128x128xf32>)
    -> tensor<1x128x8x16xf32> {
  %o = seq.attention %q, %k, %v bias(%bias) {causal}
      : tensor<1x128x8x16xf32>, tensor<1x128x2x16xf32>, tensor<1x128x2x16xf32>, tensor<1x1x128x128xf32>
      -> tensor<1x128x8x16xf32>
  return %o : tensor<1x128x8x16xf32>
}

// -----

// Decode against a cache: positions depend on kv_length at run time, so no
// map (the lowering's run-time bounds apply). Dynamic lengths likewise.
// CHECK-LABEL: func.func @run_time_positions
// CHECK-NOT: seq.tile_map
// CHECK: return
func.func @run_time_positions(%q: tensor<1x1x2x16xf32>, %k: tensor<1x256x2x16xf32>,
                              %v: tensor<1x256x2x16xf32>, %n: index,
                              %qd: tensor<1x?x2x16xf32>, %kd: tensor<1x?x2x16xf32>)
    -> (tensor<1x1x2x16xf32>, tensor<1x?x2x16xf32>) {
  %o = seq.attention %q, %k, %v kv_length(%n) {causal}
      : tensor<1x1x2x16xf32>, tensor<1x256x2x16xf32>, tensor<1x256x2x16xf32>
      -> tensor<1x1x2x16xf32>
  %d = seq.attention %qd, %kd, %kd {causal}
      : tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>
      -> tensor<1x?x2x16xf32>
  return %o, %d : tensor<1x1x2x16xf32>, tensor<1x?x2x16xf32>
}
