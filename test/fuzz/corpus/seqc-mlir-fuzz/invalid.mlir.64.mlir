

func.func @attention_score_mod_yield(%q: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{expected score_mod to yield one value of type 'f32'}}
  %0 = seq.attention %q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32> -> tensor<1x8x4x16xf32>
  score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    seq.yield %s, %s : f32, f32
  }
  return
}

