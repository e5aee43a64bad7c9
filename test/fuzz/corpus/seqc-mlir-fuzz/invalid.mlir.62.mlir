

func.func @attention_mask_mod_yield(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected mask_mod to yield one value of type 'i1'}}
  %0 = seq.attention %q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    seq.yield %i : index
  }
  return
}

