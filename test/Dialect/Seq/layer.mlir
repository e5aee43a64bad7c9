// seq.layer: parsing, printing, the verifier, and the canonicalization that
// moves a yielded tensor.cast after the layer.
// RUN: seq-opt %s --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=ROUND
// RUN: seq-opt %s --split-input-file --verify-diagnostics --canonicalize | FileCheck %s --check-prefix=CANON

// ROUND-LABEL: func.func @round_trip
// ROUND: %[[R:.+]]:2 = seq.layer -> (tensor<1x?x4xf32>, tensor<1x8x4xf32>) {
// ROUND: seq.yield %{{.+}}, %{{.+}} : tensor<1x?x4xf32>, tensor<1x8x4xf32>
// ROUND-NEXT: }
func.func @round_trip(%x: tensor<1x?x4xf32>, %cache: tensor<1x8x4xf32>)
    -> (tensor<1x?x4xf32>, tensor<1x8x4xf32>) {
  %r:2 = seq.layer -> (tensor<1x?x4xf32>, tensor<1x8x4xf32>) {
    %y = arith.addf %x, %x : tensor<1x?x4xf32>
    %c = arith.mulf %cache, %cache : tensor<1x8x4xf32>
    seq.yield %y, %c : tensor<1x?x4xf32>, tensor<1x8x4xf32>
  }
  return %r#0, %r#1 : tensor<1x?x4xf32>, tensor<1x8x4xf32>
}

// -----

// A static shape from outside (decode's one token) reaches the next layer:
// each result takes its yielded value's static type, and one cast is left
// after the last layer.
// CANON-LABEL: func.func @refine
// CANON: %[[A:.+]] = seq.layer -> (tensor<1x1x4xf32>) {
// CANON: %[[B:.+]] = seq.layer -> (tensor<1x1x4xf32>) {
// CANON-NEXT: seq.yield %[[A]] : tensor<1x1x4xf32>
// CANON: %[[C:.+]] = tensor.cast %[[B]] : tensor<1x1x4xf32> to tensor<1x?x4xf32>
// CANON: return %[[C]]
func.func @refine(%x: tensor<1x1x4xf32>) -> tensor<1x?x4xf32> {
  %d = tensor.cast %x : tensor<1x1x4xf32> to tensor<1x?x4xf32>
  %a = seq.layer -> (tensor<1x?x4xf32>) {
    %m = arith.mulf %d, %d : tensor<1x?x4xf32>
    seq.yield %d : tensor<1x?x4xf32>
  }
  %b = seq.layer -> (tensor<1x?x4xf32>) {
    seq.yield %a : tensor<1x?x4xf32>
  }
  return %b : tensor<1x?x4xf32>
}

// -----

func.func @wrong_types(%x: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'seq.layer' op yields (tensor<4xf32>) but its results are (tensor<8xf32>)}}
  %r = seq.layer -> (tensor<8xf32>) {
    seq.yield %x : tensor<4xf32>
  }
  return %r : tensor<8xf32>
}

// -----

func.func @no_yield(%x: tensor<4xf32>) {
  // expected-error @+1 {{'seq.layer' op body must end in seq.yield}}
  seq.layer {
    %c = arith.constant 0 : index
  }
  return
}
