

func.func @layernorm_epsilon(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expected epsilon >= 0, got -0.5}}
  %0 = seq.layernorm %x, %w {epsilon = -0.5 : f32} : tensor<1x?x64xf32>, tensor<64xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.rope
//===----------------------------------------------------------------------===//

