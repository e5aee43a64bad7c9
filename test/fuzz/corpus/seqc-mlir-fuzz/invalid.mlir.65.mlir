

func.func @yield_outside_attention(%x: f32) {
  // expected-error @+1 {{expects parent op 'seq.attention'}}
  seq.yield %x : f32
}

//===----------------------------------------------------------------------===//
// seq.selective_scan
//===----------------------------------------------------------------------===//

