

func.func @activation_unknown_kind(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [relu, gelu, gelu_tanh, silu, sigmoid, tanh, softplus]}}
  %0 = seq.activation swish %x : tensor<4xf32>
  return
}

