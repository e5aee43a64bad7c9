// REQUIRES: libdevice
// seq-opt runs what seqc --target=cuda runs, whole or phase by phase, with
// seqc's options (--target=cuda:CHIP, --gpu-matmul).
// RUN: seq-opt %s --seqc-gpu-pipeline="chip=sm_90" | FileCheck %s
// RUN: seq-opt %s --seqc-seq-passes --seqc-lower-to-linalg="target=cuda" --seqc-lower-to-gpu="chip=sm_90" | FileCheck %s
// RUN: seq-opt %s --seqc-seq-passes --seqc-lower-to-linalg="target=cuda" | FileCheck %s --check-prefix=LINALG
// RUN: seq-opt %s --seqc-gpu-pipeline="chip=sm_80 matmul=simt" | FileCheck %s --check-prefix=SIMT

// One kernel module, as PTX for the chip asked for; the host launches it.
// CHECK-DAG: gpu.binary @seq_kernels {{.*}}.target sm_90
// CHECK-DAG: llvm.func @seq_entry_run
// CHECK-DAG: wmma.mma.sync
// The norm is a GPU kernel already after phase 2 (a block per row).
// LINALG-DAG: func.func @seq_entry_run
// LINALG-DAG: gpu.launch
// SIMT: gpu.binary @seq_kernels
// SIMT-NOT: wmma.mma

func.func @run(%x: tensor<40x64xf32>, %g: tensor<64xf32>, %w: tensor<48x64xf32>) -> tensor<40x48xf32> {
  %h = seq.rmsnorm %x, %g {epsilon = 1.0e-5 : f32} : tensor<40x64xf32>, tensor<64xf32>
  %y = seq.linear %h, %w : tensor<40x64xf32>, tensor<48x64xf32> -> tensor<40x48xf32>
  return %y : tensor<40x48xf32>
}
