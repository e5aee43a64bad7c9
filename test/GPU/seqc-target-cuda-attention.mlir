// REQUIRES: libdevice
// RUN: seqc %s --target=cuda:sm_90 --emit=ptx -o - | FileCheck %s

// Attention is one kernel: key and value tiles and the scores in shared
// memory, block barriers around each key tile, and (head dim 128, two
// threads per query row) a butterfly shuffle joining the halves of each
// dot product.
// CHECK: .version
// CHECK-NOT: .version
// CHECK: .visible .entry seq_impl_run_kernel(
// CHECK: .shared .align 128 .b8 __seq_attention_k_0[8192];
// CHECK: .shared .align 128 .b8 __seq_attention_v_0[8192];
// CHECK: .shared .align 128 .b8 __seq_attention_scores_0[8192];
// CHECK-DAG: bar.sync
// CHECK-DAG: shfl.sync.bfly.b32
// CHECK-DAG: ld.shared.v4
// CHECK-NOT: .version
func.func @run(%q: tensor<1x?x4x128xf32>, %k: tensor<1x?x2x128xf32>, %v: tensor<1x?x2x128xf32>) -> tensor<1x?x4x128xf32> {
  %o = seq.attention %q, %k, %v {causal} : tensor<1x?x4x128xf32>, tensor<1x?x2x128xf32>, tensor<1x?x2x128xf32> -> tensor<1x?x4x128xf32>
  return %o : tensor<1x?x4x128xf32>
}
