// RUN: not seq-opt %s --seq-sparsify-attention="key-tile=0" 2>&1 | FileCheck %s
// RUN: not seq-opt %s --seq-sparsify-attention="query-tile=-1" 2>&1 | FileCheck %s
// CHECK: error: seq-sparsify-attention: key-tile must be >= 1 and query-tile >= 0 (0: automatic)
func.func @f(%q: tensor<1x4x2x16xf32>) -> tensor<1x4x2x16xf32> {
  %o = seq.attention %q, %q, %q {causal} : tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32>, tensor<1x4x2x16xf32> -> tensor<1x4x2x16xf32>
  return %o : tensor<1x4x2x16xf32>
}
