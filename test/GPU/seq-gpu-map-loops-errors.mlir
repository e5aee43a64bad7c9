// RUN: seq-opt %s --split-input-file --seq-gpu-map-loops --verify-diagnostics
// RUN: not seq-opt %s --split-input-file --seq-gpu-map-loops=threads=0 2>&1 | FileCheck %s --check-prefix=THREADS
// THREADS: error: seq-gpu-map-loops: threads must be >= 1

// A parallel reduction has no GPU mapping yet: an error, not wrong code.
func.func @reduction(%m: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{seq-gpu-map-loops: parallel loops with reductions are not mapped to the GPU yet}}
  %sum = scf.parallel (%i) = (%c0) to (%c64) step (%c1) init (%zero) -> f32 {
    %x = memref.load %m[%i] : memref<64xf32>
    scf.reduce(%x : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
