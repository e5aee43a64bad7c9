// Choices the strategy refuses, each reported at the op or the module.
// RUN: seq-opt %s --split-input-file --verify-diagnostics --seq-select-lowering=target=cpu
// RUN: not seq-opt %s --seq-select-lowering=target=tpu 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: error: seq-select-lowering: unknown target 'tpu' (cpu, cuda, generic)
// RUN: not seq-opt %s --seq-select-lowering=attention=dense 2>&1 | FileCheck %s --check-prefix=ATTENTION
// ATTENTION: error: seq-select-lowering: unknown attention lowering 'dense' (flash, flash-generic, reference)
// RUN: not seq-opt %s --seq-select-lowering=scan=parallel 2>&1 | FileCheck %s --check-prefix=SCAN
// SCAN: error: seq-select-lowering: unknown scan lowering 'parallel' (tiled, reference)
// RUN: not seq-opt %s --seq-select-lowering=ssd-chunk=0 2>&1 | FileCheck %s --check-prefix=SIZE
// SIZE: error: seq-select-lowering: tiles, chunks, splits and segments must be >= 1 (query-tile and channel-tile 0: the target's choice)

func.func @kernel_that_does_not_fit(%q: tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xf32> {
  // expected-error @+1 {{#seq.lowering<cpu_flash> does not apply: value dim not a multiple of 16}}
  %o = seq.attention %q, %q, %q {seq.lowering = #seq.lowering<cpu_flash, query_tile = 4, key_tile = 16, kv_splits = 1>} : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32> -> tensor<1x4x2x8xf32>
  return %o : tensor<1x4x2x8xf32>
}

// -----

func.func @kernel_of_another_target(%u: tensor<1x8x4xf32>, %a: tensor<4x16xf32>, %b: tensor<1x8x16xf32>) -> tensor<1x8x4xf32> {
  // expected-error @+1 {{#seq.lowering<gpu_scan> is not a kernel of target 'cpu'}}
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b {seq.lowering = #seq.lowering<gpu_scan>} : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<4x16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> (tensor<1x8x4xf32>, tensor<1x4x16xf32>)
  return %y : tensor<1x8x4xf32>
}

// -----

func.func @dynamic_heads(%q: tensor<1x?x?x16xf32>) -> tensor<1x?x?x16xf32> {
  // expected-error @+1 {{attention needs static head counts and dims to be lowered}}
  %o = seq.attention %q, %q, %q {causal} : tensor<1x?x?x16xf32>, tensor<1x?x?x16xf32>, tensor<1x?x?x16xf32> -> tensor<1x?x?x16xf32>
  return %o : tensor<1x?x?x16xf32>
}

// -----

func.func @chunked_dynamic_heads(%x: tensor<1x?x?x64xf32>, %dt: tensor<1x?x?xf32>, %a: tensor<?xf32>, %b: tensor<1x?x2x16xf32>) -> tensor<1x?x?x64xf32> {
  // expected-error @+1 {{#seq.lowering<chunked> needs static head counts and dims}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b {seq.lowering = #seq.lowering<chunked, chunk = 8>} : (tensor<1x?x?x64xf32>, tensor<1x?x?xf32>, tensor<?xf32>, tensor<1x?x2x16xf32>, tensor<1x?x2x16xf32>) -> (tensor<1x?x?x64xf32>, tensor<1x?x64x16xf32>)
  return %y : tensor<1x?x?x64xf32>
}
