

// Tests mask_mod (a document mask) and score_mod (tanh soft-capping) regions.
// CHECK-LABEL: func.func @modifiers
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} {causal} : {{.*}} mask_mod {
// CHECK-NEXT: ^bb0(%[[B:.+]]: index, %[[H:.+]]: index, %[[I:.+]]: index, %[[J:.+]]: index):
// CHECK: %[[SAME:.+]] = arith.cmpi eq
// CHECK: seq.yield %[[SAME]] : i1
// CHECK-NEXT: } score_mod {
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index):
// CHECK: %[[T:.+]] = math.tanh
// CHECK: seq.yield %{{.+}} : f32
func.func @modifiers(%q: tensor<1x?x2x8xf32>, %k: tensor<1x?x2x8xf32>, %v: tensor<1x?x2x8xf32>) -> tensor<1x?x2x8xf32> {
  %0 = seq.attention %q, %k, %v {causal} : tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32> -> tensor<1x?x2x8xf32>
  mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %c64 = arith.constant 64 : index
    %di = arith.divui %i, %c64 : index
    %dj = arith.divui %j, %c64 : index
    %same = arith.cmpi eq, %di, %dj : index
    seq.yield %same : i1
  } score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %cap = arith.constant 30.0 : f32
    %x = arith.divf %s, %cap : f32
    %t = math.tanh %x : f32
    %r = arith.mulf %t, %cap : f32
    seq.yield %r : f32
  }
  return %0 : tensor<1x?x2x8xf32>
}
