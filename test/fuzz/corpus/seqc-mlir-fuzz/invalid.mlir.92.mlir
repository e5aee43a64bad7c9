

func.func @linear_attention_decay_rank(%q: tensor<1x8x4x16xf32>, %g: tensor<8x4xf32>) {
  // expected-error @+1 {{operand #3 must be 1D/3D/4D tensor of floating-point values, but got 'tensor<8x4xf32>'}}
  %y, %s = seq.linear_attention %q, %q, %q log_decay(%g) : (tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<8x4xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x16xf32>)
  return
}

