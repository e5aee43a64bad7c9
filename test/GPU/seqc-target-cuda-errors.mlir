// RUN: not seqc %s --target=cuda:sm_5 -o %t.so 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not seqc %s --emit=ptx -o %t.ptx 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not seqc %s --target=gpu -o %t.so 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not seqc %s --gpu-matmul=simt -o %t.so 2>&1 | FileCheck %s --check-prefix=MATMUL
// RUN: not test -e %t.so
// RUN: not test -e %t.ptx

// CHIP: error: unknown target 'cuda:sm_5' (supported: cpu, cuda, cuda:sm_NN[a] with NN >= 70)
// CPU: error: --emit=ptx needs --target=cuda
// TARGET: error: unknown target 'gpu'
// MATMUL: error: --gpu-matmul=simt needs --target=cuda

func.func @run(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %y = seq.activation relu %x : tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
