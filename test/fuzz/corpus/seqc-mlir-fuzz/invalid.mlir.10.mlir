

func.func @weight_dynamic_shape() {
  // expected-error @+1 {{result #0 must be statically shaped tensor of floating-point values, but got 'tensor<?x4xf32>'}}
  %0 = seq.weight "w" : tensor<?x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// seq.linear
//===----------------------------------------------------------------------===//

