

func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of rank >= 1 of floating-point values, but got 'tensor<f32>'}}
  %0 = seq.linear %x, %w : tensor<f32>, tensor<128x64xf32> -> tensor<128xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.rmsnorm / seq.layernorm
//===----------------------------------------------------------------------===//

