

func.func @attention_ring_dynamic(%q: tensor<1x1x8x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x2x64xf32>, %n: index) {
  // expected-error @+1 {{expected a static key dim 1 (the ring's slots) with ring}}
  %0 = seq.attention %q, %k, %v kv_length(%n) {causal, ring} : tensor<1x1x8x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32> -> tensor<1x1x8x64xf32>
  return
}

