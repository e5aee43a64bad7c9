

// Tests an additive padding bias broadcast over heads and queries (BERT).
// CHECK-LABEL: func.func @bias
// CHECK-SAME: %[[B:[^:]+]]: tensor<?x1x1x?xf32>
// CHECK: seq.attention %{{.+}}, %{{.+}}, %{{.+}} bias(%[[B]]) : tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x1x1x?xf32> -> tensor<?x?x4x8xf32>
func.func @bias(%q: tensor<?x?x4x8xf32>, %k: tensor<?x?x4x8xf32>, %v: tensor<?x?x4x8xf32>, %b: tensor<?x1x1x?xf32>) -> tensor<?x?x4x8xf32> {
  %0 = seq.attention %q, %k, %v bias(%b) : tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x1x1x?xf32> -> tensor<?x?x4x8xf32>
  return %0 : tensor<?x?x4x8xf32>
}

