

func.func @glu_mismatch(%g: tensor<4x8xf32>, %u: tensor<4x9xf32>) {
  // expected-error @+1 {{all of {gate, up, result} have same type}}
  %0 = "seq.glu"(%g, %u) {kind = 3 : i32} : (tensor<4x8xf32>, tensor<4x9xf32>) -> tensor<4x8xf32>
  return
}

