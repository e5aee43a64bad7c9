// #seq.lowering round-trips, and every message of its verifiers.
// RUN: seq-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @round_trip
// CHECK: seq.lowering = #seq.lowering<cpu_flash, query_tile = 16, key_tile = 64, kv_splits = 8>
// CHECK: seq.lowering = #seq.lowering<gpu_scan>
func.func @round_trip(%q: tensor<1x4x2x16xf32>, %u: tensor<1x8x4xf32>, %a: tensor<4x12xf32>, %b: tensor<1x8x12xf32>) -> (tensor<1x4x2x16xf32>, tensor<1x8x4xf32>) {
  %o = seq.attention %q, %q, %q {seq.lowering = #seq.lowering<cpu_flash, kv_splits = 8, query_tile = 16, key_tile = 64>} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b {seq.lowering = #seq.lowering<gpu_scan>} : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<4x12xf32>, tensor<1x8x12xf32>, tensor<1x8x12xf32>) -> (tensor<1x8x4xf32>, tensor<1x4x12xf32>)
  return %o, %y : tensor<1x4x2x16xf32>, tensor<1x8x4xf32>
}

// -----

func.func @kernel_of_another_op(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{'seq.attention' has no lowering 'chunked'}}
  %o = seq.attention %q, %q, %q {seq.lowering = #seq.lowering<chunked, chunk = 8>} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

func.func @not_a_lowering(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{'seq.lowering' must be a #seq.lowering}}
  %o = seq.attention %q, %q, %q {seq.lowering = "flash"} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

func.func @missing_size(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{#seq.lowering<flash> needs key_tile >= 1}}
  %o = seq.attention %q, %q, %q {seq.lowering = #seq.lowering<flash, query_tile = 16>} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

func.func @unused_size(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{#seq.lowering<reference> takes no chunk}}
  %o = seq.attention %q, %q, %q {seq.lowering = #seq.lowering<reference, chunk = 4>} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

func.func @key_tile_lanes(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{#seq.lowering<cpu_flash> needs key_tile a multiple of 16 up to 256, got 24}}
  %o = seq.attention %q, %q, %q {seq.lowering = #seq.lowering<cpu_flash, query_tile = 4, key_tile = 24, kv_splits = 1>} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}
