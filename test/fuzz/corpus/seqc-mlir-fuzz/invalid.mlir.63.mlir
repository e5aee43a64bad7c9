

func.func @attention_score_mod_args(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected score_mod arguments ('f32', 'index', 'index', 'index', 'index') for (score, batch, head, query, key)}}
  %0 = seq.attention %q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  score_mod {
  ^bb0(%s: f16, %b: index, %h: index, %i: index, %j: index):
    seq.yield %s : f16
  }
  return
}

