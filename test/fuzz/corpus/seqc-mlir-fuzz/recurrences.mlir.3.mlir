

// Tests the three decay forms of linear_attention and the ungated form.
// CHECK-LABEL: func.func @linear_attention
// CHECK: seq.linear_attention %{{.+}}, %{{.+}}, %{{.+}} log_decay(%{{.+}}) {scale = 2.500000e-01 : f32} : ({{.*}}, tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
// CHECK: seq.linear_attention %{{.+}}, %{{.+}}, %{{.+}} log_decay(%{{.+}}) initial_state(%{{.+}}) : ({{.*}}, tensor<1x?x4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
// CHECK: seq.linear_attention %{{.+}}, %{{.+}}, %{{.+}} log_decay(%{{.+}}) {chunk_size = 32 : i64} : ({{.*}}, tensor<1x?x4x16xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
// CHECK: seq.linear_attention %{{.+}}, %{{.+}}, %{{.+}} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
func.func @linear_attention(%q: tensor<1x?x4x16xf32>, %k: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g1: tensor<4xf32>, %g3: tensor<1x?x4xf32>, %g4: tensor<1x?x4x16xf32>, %s0: tensor<1x4x16x32xf32>) {
  %y1, %s1 = seq.linear_attention %q, %k, %v log_decay(%g1) {scale = 0.25 : f32} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %y2, %s2 = seq.linear_attention %q, %k, %v log_decay(%g3) initial_state(%s0) : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x4x16x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %y3, %s3 = seq.linear_attention %q, %k, %v log_decay(%g4) {chunk_size = 32 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4x16xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %y4, %s4 = seq.linear_attention %q, %k, %v : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return
}

