

// Tests every activation kind, glu, and softmax with its default axis elided.
// CHECK-LABEL: func.func @pointwise
// CHECK-SAME: (%[[X:.+]]: tensor<?x8xbf16>, %[[Y:.+]]: tensor<?x8xbf16>)
// CHECK: seq.activation relu %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation gelu %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation gelu_tanh %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation silu %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation sigmoid %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation tanh %[[X]] : tensor<?x8xbf16>
// CHECK: seq.activation softplus %[[X]] : tensor<?x8xbf16>
// CHECK: seq.glu silu %[[X]], %[[Y]] : tensor<?x8xbf16>
// CHECK: seq.glu gelu %[[X]], %[[Y]] : tensor<?x8xbf16>
// CHECK: seq.softmax %[[X]] : tensor<?x8xbf16>
// CHECK: seq.softmax %[[X]] {axis = 0 : i64} : tensor<?x8xbf16>
func.func @pointwise(%x: tensor<?x8xbf16>, %y: tensor<?x8xbf16>) {
  %0 = seq.activation relu %x : tensor<?x8xbf16>
  %1 = seq.activation gelu %x : tensor<?x8xbf16>
  %2 = seq.activation gelu_tanh %x : tensor<?x8xbf16>
  %3 = seq.activation silu %x : tensor<?x8xbf16>
  %4 = seq.activation sigmoid %x : tensor<?x8xbf16>
  %5 = seq.activation tanh %x : tensor<?x8xbf16>
  %6 = seq.activation softplus %x : tensor<?x8xbf16>
  %7 = seq.glu silu %x, %y : tensor<?x8xbf16>
  %8 = seq.glu gelu %x, %y : tensor<?x8xbf16>
  %9 = seq.softmax %x {axis = -1 : i64} : tensor<?x8xbf16>
  %10 = seq.softmax %x {axis = 0 : i64} : tensor<?x8xbf16>
  return
}

