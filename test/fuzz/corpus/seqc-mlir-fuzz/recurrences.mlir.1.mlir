

// Tests only some optional operands, so the operand segments must be right.
// CHECK-LABEL: func.func @selective_scan_partial
// CHECK: seq.selective_scan %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} z(%{{.+}}) initial_state(%{{.+}}) :
func.func @selective_scan_partial(%u: tensor<?x?x8xf32>, %a: tensor<8x2xf32>, %b: tensor<?x?x2xf32>, %h0: tensor<?x8x2xf32>) {
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b z(%u) initial_state(%h0) : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8x2xf32>, tensor<?x?x2xf32>, tensor<?x?x2xf32>, tensor<?x?x8xf32>, tensor<?x8x2xf32>) -> (tensor<?x?x8xf32>, tensor<?x8x2xf32>)
  return
}

