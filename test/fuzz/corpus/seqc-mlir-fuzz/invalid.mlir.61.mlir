

func.func @attention_mask_mod_args(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected mask_mod arguments ('index', 'index', 'index', 'index') for (batch, head, query, key)}}
  %0 = seq.attention %q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  mask_mod {
  ^bb0(%i: index, %j: index):
    %t = arith.constant true
    seq.yield %t : i1
  }
  return
}

