// The seq dialect's discardable attributes (SeqBase.td): where each may sit,
// its type and range; any other seq.* name is an error.
// RUN: seq-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{unknown seq dialect attribute 'seq.max_position'}}
module attributes {seq.max_position = 64 : i64} {}

// -----

// expected-error @+1 {{'seq.target' must be "cpu" or "cuda:sm_NN"}}
module attributes {seq.target = "tpu"} {}

// -----

// expected-error @+1 {{'seq.num_threads_default' must be in [1, 4096], got 0}}
module attributes {seq.num_threads_default = 0 : i64} {}

// -----

// expected-error @+1 {{'seq.max_tokens_per_call' belongs on the module}}
func.func @f() attributes {seq.max_tokens_per_call = 8 : i64} {
  return
}

// -----

func.func @tiles_elsewhere(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'seq.tile_sizes' belongs on seq.attention}}
  %y = seq.activation relu %x {seq.tile_sizes = array<i64: 16, 64>} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @tile_sizes(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{'seq.tile_sizes' must be array<i64: query tile, key tile> of sizes >= 1}}
  %o = seq.attention %q, %q, %q {seq.tile_sizes = array<i64: 16>} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

func.func @tile_map(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  // expected-error @+1 {{'seq.tile_map' must be a 2-D i8 tensor (query tiles x key tiles)}}
  %o = seq.attention %q, %q, %q {seq.tile_map = dense<1> : tensor<4xi32>} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}

// -----

// expected-error @+1 {{'seq.state' belongs on entry point arguments and results}}
func.func @state_on_op() attributes {seq.state = "h"} {
  return
}

// -----

// expected-error @+1 {{'seq.state' must be a non-empty string}}
func.func @empty_state(%h: tensor<4xf32> {seq.state = ""}) -> tensor<4xf32> {
  return %h : tensor<4xf32>
}

// -----

// expected-error @+1 {{unknown seq dialect attribute 'seq.stat' on an argument or result}}
func.func @typo(%h: tensor<4xf32>) -> (tensor<4xf32> {seq.stat = "h"}) {
  return %h : tensor<4xf32>
}
