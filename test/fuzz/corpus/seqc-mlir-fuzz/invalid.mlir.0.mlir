// Every verifier message of the seq dialect, one case each.
// RUN: seq-opt %s --split-input-file --verify-diagnostics

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

// Tests that all float tensors of one op must share an element type.
func.func @mixed_element_types(%x: tensor<2x16xf32>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{expected all floating-point tensors to have element type 'f32', but operand #1 has 'f16'}}
  %0 = seq.linear %x, %w : tensor<2x16xf32>, tensor<8x16xf16> -> tensor<2x8xf32>
  return
}

