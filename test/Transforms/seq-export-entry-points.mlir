// RUN: seq-opt %s --split-input-file --seq-export-entry-points --verify-diagnostics | FileCheck %s

// Tests the ABI of an entry point with a token input, a position, one state
// and a weight: destination-passing impl, C wrapper, descriptor.
// CHECK-LABEL: func.func private @seq_impl_step
// CHECK-SAME: (%[[IDS:.+]]: memref<1x?xi64>, %[[POS:.+]]: index, %[[STATE:.+]]: memref<1x4xf32>, %[[OUT:.+]]: memref<1x?x4xf32>, %[[W:.+]]: memref<8x4xf32>)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK-DAG: bufferization.to_tensor %[[IDS]] restrict : memref<1x?xi64>
// CHECK-DAG: bufferization.to_tensor %[[STATE]] restrict writable : memref<1x4xf32>
// CHECK-DAG: bufferization.to_tensor %[[W]] restrict : memref<8x4xf32>
// CHECK-NOT: seq.weight
// CHECK-DAG: bufferization.materialize_in_destination %{{.+}} in restrict writable %[[OUT]]
// CHECK-DAG: bufferization.materialize_in_destination %{{.+}} in restrict writable %[[STATE]]
// CHECK: return
// CHECK-NOT: return %
// CHECK-LABEL: func.func @seq_entry_step(%{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr, %{{.+}}: !llvm.ptr)
// CHECK: builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<1x?xi64>
// CHECK: call @seq_impl_step
// CHECK: llvm.mlir.global external constant @seq_model_descriptor("{\22format\22:\22seqc-model\22,\22abi\22:1,\22max_positions\22:16,\22entries\22:[{\22name\22:\22step\22,\22symbol\22:\22seq_entry_step\22,\22args\22:[{\22kind\22:\22input\22,\22dtype\22:\22i64\22,\22shape\22:[1,-1]},{\22kind\22:\22index\22},{\22kind\22:\22state\22,\22name\22:\22h\22,\22dtype\22:\22f32\22,\22shape\22:[1,4]},{\22kind\22:\22output\22,\22dtype\22:\22f32\22,\22shape\22:[1,-1,4]}],\22weights\22:[0]}],\22weights\22:[{\22name\22:\22embed\22,\22dtype\22:\22f32\22,\22shape\22:[8,4]}]}\00")
module attributes {seq.max_positions = 16 : i64} {
  func.func @step(%ids: tensor<1x?xi64>, %pos: index, %h: tensor<1x4xf32> {seq.state = "h"})
      -> (tensor<1x?x4xf32>, tensor<1x4xf32> {seq.state = "h"}) {
    %t = seq.weight "embed" : tensor<8x4xf32>
    %x = seq.embedding %t[%ids] : tensor<8x4xf32>, tensor<1x?xi64> -> tensor<1x?x4xf32>
    %h2 = arith.addf %h, %h : tensor<1x4xf32>
    return %x, %h2 : tensor<1x?x4xf32>, tensor<1x4xf32>
  }
}

// -----

// Tests that one weight used twice becomes one argument and one table entry.
// CHECK-LABEL: func.func private @seq_impl_twice
// CHECK-SAME: (%{{.+}}: memref<4xf32>, %{{.+}}: memref<4xf32>, %{{.+}}: memref<4xf32>)
// CHECK: \22weights\22:[{\22name\22:\22w\22,
func.func @twice(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = seq.weight "w" : tensor<4xf32>
  %b = seq.weight "w" : tensor<4xf32>
  %s = arith.addf %a, %b : tensor<4xf32>
  %r = arith.addf %s, %x : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// expected-error @+1 {{state 'h' is an argument but no result returns it}}
func.func @state_not_returned(%h: tensor<4xf32> {seq.state = "h"}) -> tensor<4xf32> {
  return %h : tensor<4xf32>
}

// -----

// expected-error @+1 {{result #0 has seq.state = "h" but no argument carries that state}}
func.func @state_without_argument(%x: tensor<4xf32>) -> (tensor<4xf32> {seq.state = "h"}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{entry point argument #0 must be a ranked tensor or index, got 'f32'}}
func.func @scalar_argument(%x: f32) -> tensor<4xf32> {
  %w = seq.weight "w" : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @conflicting_weights() -> (tensor<4xf32>, tensor<2x2xf32>) {
  %a = seq.weight "w" : tensor<4xf32>
  // expected-error @+1 {{weight 'w' is used with type 'tensor<2x2xf32>' but elsewhere with 'tensor<4xf32>'}}
  %b = seq.weight "w" : tensor<2x2xf32>
  return %a, %b : tensor<4xf32>, tensor<2x2xf32>
}

// -----

func.func private @helper() -> tensor<4xf32> {
  // expected-error @+1 {{is outside an entry point; inline its function first}}
  %w = seq.weight "w" : tensor<4xf32>
  return %w : tensor<4xf32>
}
func.func @uses_helper() -> tensor<4xf32> {
  %r = func.call @helper() : () -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// expected-error @+1 {{no entry point: the module has no public function}}
module {
  func.func private @only_private() {
    return
  }
}

// -----

// expected-error @+1 {{entry point must have a single block}}
func.func @branches(%x: tensor<4xf32>) -> tensor<4xf32> {
  cf.br ^next
^next:
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{two arguments carry seq.state = "h"}}
func.func @state_twice(%a: tensor<4xf32> {seq.state = "h"}, %b: tensor<4xf32> {seq.state = "h"}) -> (tensor<4xf32> {seq.state = "h"}) {
  return %a : tensor<4xf32>
}

// -----

// expected-error @+1 {{entry point result #0 must be a ranked tensor, got 'f32'}}
func.func @scalar_result(%x: tensor<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %e = tensor.extract %x[%c0] : tensor<4xf32>
  return %e : f32
}

// -----

func.func @dynamic_cache(%q: tensor<1x1x2x16xf32>, %k: tensor<1x?x2x16xf32> {seq.state = "k"}, %n: index) -> tensor<1x1x2x16xf32> {
  // expected-error @+1 {{reads a KV cache (kv_length) of dynamic capacity; state must have a static shape}}
  %o = seq.attention %q, %k, %k kv_length(%n) {causal} : tensor<1x1x2x16xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32> -> tensor<1x1x2x16xf32>
  return %o : tensor<1x1x2x16xf32>
}

// -----

// A model the runtime's descriptor parser would refuse (a 4 TiB weight)
// does not compile.
// expected-error @+1 {{the runtime would refuse this model: the model: invalid model descriptor: weights[0]: tensor f32[1048576,1048576] exceeds 1 TiB}}
module {
  func.func @huge(%x: tensor<1x1048576xf32>) -> tensor<1x1048576xf32> {
    %w = seq.weight "w" : tensor<1048576x1048576xf32>
    %y = seq.linear %x, %w : tensor<1x1048576xf32>, tensor<1048576x1048576xf32> -> tensor<1x1048576xf32>
    return %y : tensor<1x1048576xf32>
  }
}
