

func.func @ssd_chunk_size(%x: tensor<1x8x4x16xf32>, %dt: tensor<1x8x4xf32>, %a: tensor<4xf32>, %b: tensor<1x8x1x32xf32>) {
  // expected-error @+1 {{expected chunk_size > 0, got 0}}
  %y, %s = seq.ssd %x, %dt, %a, %b, %b {chunk_size = 0 : i64} : (tensor<1x8x4x16xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x1x32xf32>, tensor<1x8x1x32xf32>) -> (tensor<1x8x4x16xf32>, tensor<1x4x16x32xf32>)
  return
}

//===----------------------------------------------------------------------===//
// seq.linear_attention
//===----------------------------------------------------------------------===//

