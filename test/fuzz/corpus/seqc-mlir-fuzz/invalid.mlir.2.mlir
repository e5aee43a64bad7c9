

// Tests that ranks are enforced by the operand constraints.
func.func @wrong_rank(%t: tensor<32xf32>, %ids: tensor<4xi64>) {
  // expected-error @+1 {{operand #0 must be 2D tensor of floating-point values, but got 'tensor<32xf32>'}}
  %0 = seq.embedding %t[%ids] : tensor<32xf32>, tensor<4xi64> -> tensor<4x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.weight
//===----------------------------------------------------------------------===//

