

func.func @softmax_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected axis in [-2, 2), got 2}}
  %0 = seq.softmax %x {axis = 2 : i64} : tensor<4x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.moe
//===----------------------------------------------------------------------===//

