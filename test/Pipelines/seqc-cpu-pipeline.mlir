// seq-opt runs what seqc runs for the CPU, whole, with seqc's options
// (--scan-segments, --no-parallel, the target's AVX-512), or phase by phase.
// RUN: seq-opt %s --seqc-cpu-pipeline | FileCheck %s
// RUN: seq-opt %s --seqc-seq-passes --seqc-lower-to-linalg --seqc-lower-to-llvm | FileCheck %s
// RUN: seq-opt %s --seqc-cpu-pipeline="parallel=false" | FileCheck %s --check-prefix=SEQUENTIAL
// RUN: seq-opt %s --seqc-cpu-pipeline="avx512=true" | FileCheck %s --check-prefix=AVX512
// RUN: seq-opt %s --seqc-seq-passes --seqc-lower-to-linalg="scan-segments=4" | FileCheck %s --check-prefix=SEGMENTS
// RUN: seq-opt %s --seqc-seq-passes --seqc-lower-to-linalg="target=generic" | FileCheck %s --check-prefix=GENERIC

// The model's entry point, its parallel loops on OpenMP threads.
// CHECK-DAG: llvm.func @seq_entry_run
// CHECK-DAG: omp.parallel
// SEQUENTIAL: llvm.func @seq_entry_run
// SEQUENTIAL-NOT: omp.
// exp as vscalefps on AVX-512 targets.
// AVX512: llvm.x86.avx512.mask.scalef.ps.512
// CHECK-NOT: scalef
// The scan in 4 time segments (a parallel prefix over them).
// SEGMENTS: scf.forall ({{.*}}) in (4, 4) shared_outs({{.*}}) -> (tensor<1x4x4x16x16xf32>
// GENERIC-NOT: vector.

func.func @run(%u: tensor<1x64x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x64x16xf32>) -> tensor<1x64x64xf32> {
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b {delta_softplus} : (tensor<1x64x64xf32>, tensor<1x64x64xf32>, tensor<64x16xf32>, tensor<1x64x16xf32>, tensor<1x64x16xf32>) -> (tensor<1x64x64xf32>, tensor<1x64x16xf32>)
  return %y : tensor<1x64x64xf32>
}
