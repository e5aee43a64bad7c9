// The strategy each target chooses per op, at small and large shapes.
// RUN: seq-opt %s --seq-select-lowering=target=cpu | FileCheck %s --check-prefix=CPU
// RUN: seq-opt %s --seq-select-lowering=target=cuda | FileCheck %s --check-prefix=GPU
// RUN: seq-opt %s --seq-select-lowering=target=generic | FileCheck %s --check-prefix=GEN
// RUN: seq-opt %s --seq-select-lowering="target=cpu attention=reference scan=reference" | FileCheck %s --check-prefix=REF
// RUN: seq-opt %s --seq-select-lowering="target=cpu query-tile=32 key-tile=40 kv-splits=2 scan-segments=4 ssd-chunk=16" | FileCheck %s --check-prefix=SET

// Decode: one query position over a 128-key cache, 8 query heads on 2 KV
// heads. The CPU kernel takes all 4 grouped queries as one tile and splits
// the keys; the GPU's split-KV kernel applies.
// CPU-LABEL: func.func @decode
// CPU: seq.lowering = #seq.lowering<cpu_flash, query_tile = 1, key_tile = 64, kv_splits = 8>
// GPU-LABEL: func.func @decode
// GPU: seq.lowering = #seq.lowering<gpu_decode>
// GEN-LABEL: func.func @decode
// GEN: seq.lowering = #seq.lowering<flash, query_tile = 16, key_tile = 64>
// REF-LABEL: func.func @decode
// REF: seq.lowering = #seq.lowering<reference>
// SET-LABEL: func.func @decode
// Keys round up to the kernel's 16 lanes.
// SET: seq.lowering = #seq.lowering<cpu_flash, query_tile = 1, key_tile = 48, kv_splits = 2>
func.func @decode(%q: tensor<1x1x8x64xf32>, %k: tensor<1x128x2x64xf32>) -> tensor<1x1x8x64xf32> {
  %o = seq.attention %q, %k, %k {causal} : tensor<1x1x8x64xf32>, tensor<1x128x2x64xf32>, tensor<1x128x2x64xf32> -> tensor<1x1x8x64xf32>
  return %o : tensor<1x1x8x64xf32>
}

// Prefill of 2048 positions: the CPU kernel's tile holds about 64 query
// rows (16 positions of a 4-head group); the GPU's flash kernel applies.
// CPU-LABEL: func.func @prefill
// CPU: seq.lowering = #seq.lowering<cpu_flash, query_tile = 16, key_tile = 64, kv_splits = 8>
// GPU-LABEL: func.func @prefill
// GPU: seq.lowering = #seq.lowering<gpu_flash>
// SET-LABEL: func.func @prefill
// SET: seq.lowering = #seq.lowering<cpu_flash, query_tile = 32, key_tile = 48, kv_splits = 2>
func.func @prefill(%q: tensor<1x2048x8x128xf32>, %k: tensor<1x2048x2x128xf32>) -> tensor<1x2048x8x128xf32> {
  %o = seq.attention %q, %k, %k {causal} : tensor<1x2048x8x128xf32>, tensor<1x2048x2x128xf32>, tensor<1x2048x2x128xf32> -> tensor<1x2048x8x128xf32>
  return %o : tensor<1x2048x8x128xf32>
}

// Head dim 8: not the CPU kernel's 16 lanes (the linalg flash form); the
// GPU's flash kernel takes it, its decode kernel would not.
// CPU-LABEL: func.func @narrow_heads
// CPU: seq.lowering = #seq.lowering<flash, query_tile = 16, key_tile = 64>
// GPU-LABEL: func.func @narrow_heads
// GPU: seq.lowering = #seq.lowering<gpu_flash>
func.func @narrow_heads(%q: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %o = seq.attention %q, %q, %q {causal} : tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32> -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// Head dim 512: over what the GPU kernels hold.
// CPU-LABEL: func.func @wide_heads
// CPU: seq.lowering = #seq.lowering<cpu_flash, query_tile = 64, key_tile = 64, kv_splits = 8>
// GPU-LABEL: func.func @wide_heads
// GPU: seq.lowering = #seq.lowering<flash, query_tile = 16, key_tile = 64>
func.func @wide_heads(%q: tensor<1x256x1x512xf32>) -> tensor<1x256x1x512xf32> {
  %o = seq.attention %q, %q, %q {causal} : tensor<1x256x1x512xf32>, tensor<1x256x1x512xf32>, tensor<1x256x1x512xf32> -> tensor<1x256x1x512xf32>
  return %o : tensor<1x256x1x512xf32>
}

// f16: no f32 kernel applies on either target.
// CPU-LABEL: func.func @half
// CPU: seq.lowering = #seq.lowering<flash, query_tile = 16, key_tile = 64>
// GPU-LABEL: func.func @half
// GPU: seq.lowering = #seq.lowering<flash, query_tile = 16, key_tile = 64>
func.func @half(%q: tensor<1x16x2x64xf16>) -> tensor<1x16x2x64xf16> {
  %o = seq.attention %q, %q, %q {causal} : tensor<1x16x2x64xf16>, tensor<1x16x2x64xf16>, tensor<1x16x2x64xf16> -> tensor<1x16x2x64xf16>
  return %o : tensor<1x16x2x64xf16>
}

// A bf16 KV cache under an f32 query: the CPU kernel widens it as it reads;
// the GPU kernels are f32 only.
// CPU-LABEL: func.func @narrow_kv
// CPU: seq.lowering = #seq.lowering<cpu_flash
// GPU-LABEL: func.func @narrow_kv
// GPU: seq.lowering = #seq.lowering<flash, query_tile = 16, key_tile = 64>
func.func @narrow_kv(%q: tensor<1x16x2x64xf32>, %kv: tensor<1x16x2x64xbf16>) -> tensor<1x16x2x64xf32> {
  %o = seq.attention %q, %kv, %kv {causal} : tensor<1x16x2x64xf32>, tensor<1x16x2x64xbf16>, tensor<1x16x2x64xbf16> -> tensor<1x16x2x64xf32>
  return %o : tensor<1x16x2x64xf32>
}

// Mamba's scan at D = 64, N = 16: both targets' scan kernels.
// CPU-LABEL: func.func @scan
// CPU: seq.lowering = #seq.lowering<cpu_scan, segments = 1>
// GPU-LABEL: func.func @scan
// GPU: seq.lowering = #seq.lowering<gpu_scan>
// GEN-LABEL: func.func @scan
// GEN: seq.lowering = #seq.lowering<tiled, channel_tile = 64>
// REF-LABEL: func.func @scan
// REF: seq.lowering = #seq.lowering<reference>
// SET-LABEL: func.func @scan
// SET: seq.lowering = #seq.lowering<cpu_scan, segments = 4>
func.func @scan(%u: tensor<1x?x64xf32>, %a: tensor<64x16xf32>, %b: tensor<1x?x16xf32>) -> tensor<1x?x64xf32> {
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<64x16xf32>, tensor<1x?x16xf32>, tensor<1x?x16xf32>) -> (tensor<1x?x64xf32>, tensor<1x64x16xf32>)
  return %y : tensor<1x?x64xf32>
}

// D = 4, N = 12: channels not a multiple of 16 and N not a power of two:
// channel tiles, one channel per GPU thread.
// CPU-LABEL: func.func @small_scan
// CPU: seq.lowering = #seq.lowering<tiled, channel_tile = 64>
// GPU-LABEL: func.func @small_scan
// GPU: seq.lowering = #seq.lowering<tiled, channel_tile = 1>
func.func @small_scan(%u: tensor<1x8x4xf32>, %a: tensor<4x12xf32>, %b: tensor<1x8x12xf32>) -> tensor<1x8x4xf32> {
  %y, %h = seq.selective_scan %u, %u, %a, %b, %b : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<4x12xf32>, tensor<1x8x12xf32>, tensor<1x8x12xf32>) -> (tensor<1x8x4xf32>, tensor<1x4x12xf32>)
  return %y : tensor<1x8x4xf32>
}

// Mamba2's SSD: chunked on the CPU (the op's chunk_size wins), the GPU
// kernel for N = 128.
// CPU-LABEL: func.func @ssd
// CPU: seq.lowering = #seq.lowering<chunked, chunk = 64>
// CPU: seq.lowering = #seq.lowering<chunked, chunk = 8>
// GPU-LABEL: func.func @ssd
// GPU: seq.lowering = #seq.lowering<gpu_ssd>
// GPU: seq.lowering = #seq.lowering<gpu_ssd>
// SET-LABEL: func.func @ssd
// SET: seq.lowering = #seq.lowering<chunked, chunk = 16>
// SET: seq.lowering = #seq.lowering<chunked, chunk = 8>
// REF-LABEL: func.func @ssd
// REF: seq.lowering = #seq.lowering<reference>
func.func @ssd(%x: tensor<1x?x8x64xf32>, %dt: tensor<1x?x8xf32>, %a: tensor<8xf32>, %b: tensor<1x?x2x128xf32>) -> (tensor<1x?x8x64xf32>, tensor<1x?x8x64xf32>) {
  %y, %s = seq.ssd %x, %dt, %a, %b, %b : (tensor<1x?x8x64xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x128xf32>, tensor<1x?x2x128xf32>) -> (tensor<1x?x8x64xf32>, tensor<1x8x64x128xf32>)
  %y2, %s2 = seq.ssd %x, %dt, %a, %b, %b {chunk_size = 8 : i64} : (tensor<1x?x8x64xf32>, tensor<1x?x8xf32>, tensor<8xf32>, tensor<1x?x2x128xf32>, tensor<1x?x2x128xf32>) -> (tensor<1x?x8x64xf32>, tensor<1x8x64x128xf32>)
  return %y, %y2 : tensor<1x?x8x64xf32>, tensor<1x?x8x64xf32>
}

// Linear attention: scalar gates through the chunked SSD (64), per-channel
// gates (GLA) in chunks of 16, on every target.
// CPU-LABEL: func.func @linear_attention
// CPU: seq.lowering = #seq.lowering<chunked, chunk = 64>
// CPU: seq.lowering = #seq.lowering<chunked, chunk = 16>
// GPU-LABEL: func.func @linear_attention
// GPU: seq.lowering = #seq.lowering<chunked, chunk = 64>
// GPU: seq.lowering = #seq.lowering<chunked, chunk = 16>
func.func @linear_attention(%q: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g: tensor<4xf32>, %gk: tensor<1x?x4x16xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>) {
  %o, %s = seq.linear_attention %q, %q, %v log_decay(%g) : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %o2, %s2 = seq.linear_attention %q, %q, %v log_decay(%gk) : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4x16xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return %o, %o2 : tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>
}

// Norms: one linalg form on the CPU, a kernel per row block on the GPU
// where the channel count is static.
// CPU-LABEL: func.func @norms
// CPU: seq.lowering = #seq.lowering<generic>
// CPU: seq.lowering = #seq.lowering<generic>
// GPU-LABEL: func.func @norms
// GPU: seq.lowering = #seq.lowering<gpu_norm>
// GPU: seq.lowering = #seq.lowering<generic>
func.func @norms(%x: tensor<?x4096xf32>, %w: tensor<4096xf32>, %d: tensor<2x?xf32>, %dw: tensor<?xf32>) -> (tensor<?x4096xf32>, tensor<2x?xf32>) {
  %y = seq.rmsnorm %x, %w : tensor<?x4096xf32>, tensor<4096xf32>
  %z = seq.rmsnorm %d, %dw : tensor<2x?xf32>, tensor<?xf32>
  return %y, %z : tensor<?x4096xf32>, tensor<2x?xf32>
}

// A choice written by hand is kept on every target that has it.
// CPU-LABEL: func.func @override
// CPU: seq.lowering = #seq.lowering<flash, query_tile = 4, key_tile = 32>
// GEN-LABEL: func.func @override
// GEN: seq.lowering = #seq.lowering<flash, query_tile = 4, key_tile = 32>
func.func @override(%q: tensor<1x64x2x64xf32>) -> tensor<1x64x2x64xf32> {
  %o = seq.attention %q, %q, %q {causal, seq.lowering = #seq.lowering<flash, query_tile = 4, key_tile = 32>} : tensor<1x64x2x64xf32>, tensor<1x64x2x64xf32>, tensor<1x64x2x64xf32> -> tensor<1x64x2x64xf32>
  return %o : tensor<1x64x2x64xf32>
}

// The delta rule: chunkwise (WY) in chunks of 16 (the op's chunk_size wins;
// ssd-chunk does not apply) on every target, step by step with
// scan=reference.
// CPU-LABEL: func.func @delta_rule
// CPU: seq.lowering = #seq.lowering<chunked, chunk = 16>
// CPU: seq.lowering = #seq.lowering<chunked, chunk = 32>
// GPU-LABEL: func.func @delta_rule
// GPU: seq.lowering = #seq.lowering<chunked, chunk = 16>
// SET-LABEL: func.func @delta_rule
// SET: seq.lowering = #seq.lowering<chunked, chunk = 16>
// SET: seq.lowering = #seq.lowering<chunked, chunk = 32>
// REF-LABEL: func.func @delta_rule
// REF: seq.lowering = #seq.lowering<reference>
// REF: seq.lowering = #seq.lowering<reference>
func.func @delta_rule(%q: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %b: tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>) {
  %y, %s = seq.delta_rule %q, %q, %v, %b log_decay(%b) : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  %y2, %s2 = seq.delta_rule %q, %q, %v, %b {chunk_size = 32 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>)
  return %y, %y2 : tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>
}

// The mLSTM: chunkwise in chunks of 64 (the op's chunk_size wins) on every
// target, step by step with scan=reference.
// CPU-LABEL: func.func @mlstm
// CPU: seq.lowering = #seq.lowering<chunked, chunk = 64>
// CPU: seq.lowering = #seq.lowering<chunked, chunk = 8>
// GPU-LABEL: func.func @mlstm
// GPU: seq.lowering = #seq.lowering<chunked, chunk = 64>
// SET-LABEL: func.func @mlstm
// SET: seq.lowering = #seq.lowering<chunked, chunk = 64>
// SET: seq.lowering = #seq.lowering<chunked, chunk = 8>
// REF-LABEL: func.func @mlstm
// REF: seq.lowering = #seq.lowering<reference>
// REF: seq.lowering = #seq.lowering<reference>
func.func @mlstm(%q: tensor<1x?x4x16xf32>, %v: tensor<1x?x4x32xf32>, %g: tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>) {
  %y, %c, %n, %m = seq.mlstm %q, %q, %v, %g, %g : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
  %y2, %c2, %n2, %m2 = seq.mlstm %q, %q, %v, %g, %g {chunk_size = 8 : i64} : (tensor<1x?x4x16xf32>, tensor<1x?x4x16xf32>, tensor<1x?x4x32xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>) -> (tensor<1x?x4x32xf32>, tensor<1x4x16x32xf32>, tensor<1x4x16xf32>, tensor<1x4xf32>)
  return %y, %y2 : tensor<1x?x4x32xf32>, tensor<1x?x4x32xf32>
}
