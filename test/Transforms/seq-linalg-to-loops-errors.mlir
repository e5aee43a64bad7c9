// seq-linalg-to-loops runs after bufferization; linalg on tensors is an
// error at the op.
// RUN: seq-opt %s --pass-pipeline="builtin.module(func.func(seq-linalg-to-loops))" --verify-diagnostics

func.func @tensors(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expected buffer semantics; bufferize first}}
  %r = linalg.add ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%b : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
