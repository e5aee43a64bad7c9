// Round trip of seq.attention (every mask attribute, bias, KV-cache form,
// modifier regions) and seq.yield, in custom and in generic form.
// RUN: seq-opt %s --split-input-file | seq-opt --split-input-file | FileCheck %s
// RUN: seq-opt %s --split-input-file --mlir-print-op-generic | seq-opt --split-input-file | FileCheck %s

// Tests causal GQA prefill (8 query heads over 2 KV heads) with dynamic dims.
// CHECK-LABEL: func.func @causal_gqa
// CHECK-SAME: (%[[Q:.+]]: tensor<?x?x8x64xf32>, %[[K:.+]]: tensor<?x?x2x64xf32>, %[[V:.+]]: tensor<?x?x2x64xf32>)
// CHECK: seq.attention %[[Q]], %[[K]], %[[V]] {causal} : tensor<?x?x8x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32> -> tensor<?x?x8x64xf32>
func.func @causal_gqa(%q: tensor<?x?x8x64xf32>, %k: tensor<?x?x2x64xf32>, %v: tensor<?x?x2x64xf32>) -> tensor<?x?x8x64xf32> {
  %0 = seq.attention %q, %k, %v {causal} : tensor<?x?x8x64xf32>, tensor<?x?x2x64xf32>, tensor<?x?x2x64xf32> -> tensor<?x?x8x64xf32>
  return %0 : tensor<?x?x8x64xf32>
}

