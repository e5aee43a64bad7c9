//===- Passes.td - seqc transform passes -------------------*- tablegen -*-===//

#ifndef SEQC_PASSES_TRANSFORMS_PASSES_TD
#define SEQC_PASSES_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExportEntryPoints : Pass<"seq-export-entry-points", "mlir::ModuleOp"> {
  let summary = "Give public functions the runtime's calling convention and "
                "emit the model descriptor";
  let description = [{
    Turns every public `func.func` (after inlining) into the model ABI the
    runtime calls (docs/abi.md):

    * the function becomes `seq_impl_<name>`, private, destination-passing:
      tensor arguments become memrefs read through
      `bufferization.to_tensor restrict`; each result is written with
      `bufferization.materialize_in_destination` into an output memref, or,
      for a result carrying `seq.state = "name"`, back into the argument with
      the same `seq.state` name (state is updated in place);
    * each `seq.weight` becomes a read-only memref argument;
    * `seq_entry_<name>(void *const *buffers, const int64_t *ints,
      void *const *weights)` is added, exported, and builds the memrefs from
      raw pointers and sizes;
    * the global `seq_model_descriptor` holds a JSON description of weights,
      states and entry points that the runtime reads after `dlopen`.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::bufferization::BufferizationDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::memref::MemRefDialect",
  ];
}

def FuseAttention : Pass<"seq-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Rewrite unfused attention graphs into seq.attention";
  let description = [{
    Matches attention spelled out in linalg on `[B, H, S, D]` or
    `[B·H, S, D]` tensors — `Q·Kᵀ` (a contraction; Kᵀ through the map or a
    transpose of K's last two dims), an optional scaling by a constant, an
    optional additive mask or `select` mask computed from loop indices
    only (`j <= i` becomes `causal`, anything else a `mask_mod` region),
    softmax over the keys (`linalg.softmax`,
    `seq.softmax`, or the max / exp(x - max) / sum / divide expansion), then
    `·V` — and GQA's repeat_kv (broadcast, collapse of K and V). The
    match becomes one `seq.attention` (explicit `scale`; a constant causal
    0/-inf mask becomes `causal`, any other additive mask the `bias`) between
    layout transposes. Look-alikes that differ in any step (softmax over the
    queries, a mask computed from data, a transposed V, a bias added before
    the scale) are left alone.
  }];
  let dependentDialects = [
    "seqc::seq::SeqDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def SparsifyAttention : Pass<"seq-sparsify-attention"> {
  let summary = "Attach (query tile, key tile) block maps to seq.attention";
  let description = [{
    For every `seq.attention` with static query and key lengths and no
    `kv_length` operand, evaluates the mask attributes over the flash
    kernel's tile grid and attaches `seq.tile_sizes = array<i64: tq, tk>` and
    `seq.tile_map = dense<...> : tensor<QTxKTxi8>` (0: no visible key, the
    tile is skipped; 1: partly visible, masked per element; 2: fully
    visible, no per-element mask). The flash lowering follows the map, so
    work scales with the visible tiles; block-sparse layouts are read
    exactly. `mask_mod` makes every tile it cannot exclude partial; `bias`
    and `score_mod` keep visible tiles partial (applied per element).
    Operations with run-time positions keep the lowering's run-time bounds.
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t", /*default=*/"0",
           "Query positions per tile (0: about 64 query rows per KV group, "
           "as the flash lowering)">,
    Option<"keyTile", "key-tile", "int64_t", /*default=*/"64",
           "Keys per tile (rounded up to a multiple of 16, at most 256)">,
  ];
}

def LowerLinalgToLoops : Pass<"seq-linalg-to-loops", "mlir::func::FuncOp"> {
  let summary = "Lower linalg ops on buffers to loops, parallel where worth it";
  let description = [{
    Like upstream `convert-linalg-to-loops`, but an op whose iteration space
    has at least `parallel-threshold` points (or a dynamic extent) gets its
    parallel dims as `scf.parallel`, which `convert-scf-to-openmp` then runs
    on threads; smaller ops stay sequential, because a parallel region costs
    microseconds to fork and join — more than a decode step's small ops. Ops
    inside a loop that is already parallel (a tile loop) stay sequential.
  }];
  let options = [
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Emit scf.parallel for large ops">,
    Option<"parallelThreshold", "parallel-threshold", "int64_t",
           /*default=*/"32768",
           "Iteration-space size from which an op runs in parallel">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def LowerAllocaScopes : Pass<"seq-lower-alloca-scopes"> {
  let summary = "Lower memref.alloca_scope to a stack save and restore";
  let description = [{
    `convert-scf-to-openmp` wraps each parallel loop body in a
    `memref.alloca_scope`, whose region must stay one block. Canonicalization
    inlines scopes that hold no stack allocation, but not those holding an
    op of unknown effects (the `dealloc_helper` call that ownership-based
    deallocation inserts), and `convert-scf-to-cf` would then split the
    scope's body into several blocks, which its verifier rejects. This pass
    does early what `finalize-memref-to-llvm` does for a scope: the body is
    inlined between `llvm.intr.stacksave` and `llvm.intr.stackrestore`, so
    stack memory is still released at the end of each iteration.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def FoldSplatConstants : Pass<"seq-fold-splat-constants"> {
  let summary = "Keep splat tensor constants as scalars, never as data";
  let description = [{
    Bufferization turns a tensor constant into a global holding every
    element, so `dense<1.0> : tensor<4096x4096xf32>` (a few bytes of IR)
    becomes 64 MiB of model. This pass keeps splats as splats: a splat that
    feeds a `linalg.generic` becomes a scalar constant in its body (the
    operand is dropped), and any other splat of at least 1024 elements
    becomes `linalg.fill` of a `tensor.empty`.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def ApproximateMath : Pass<"seq-approximate-math"> {
  let summary = "Replace exp, log1p and tanh on vectors with inline polynomials";
  let description = [{
    LLVM lowers `math.exp` on a vector to one libm call per lane. MLIR's f32
    polynomial approximations keep vector code vector; scalar ops keep libm
    (measured: no gain for them, docs/performance.md).

    With `scalef` (the target has AVX-512), exp on 16 f32 lanes instead
    reduces by ln 2, evaluates a degree-6 polynomial and scales by 2^n in
    one `vscalefps`: 13 instructions where the generic form takes about 19.
  }];
  let options = [
    Option<"scalef", "scalef", "bool", /*default=*/"false",
           "Target has AVX-512: build exp on vector<16xf32> with vscalefps">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::x86vector::X86VectorDialect"];
}

def FuseElementwise : Pass<"seq-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg ops into one op";
  let description = [{
    Fuses an all-parallel `linalg.generic` producer with a single use into
    an all-parallel consumer, on tensors. Used for GPU targets, where every
    op is a kernel launch; reductions and contractions keep their bodies
    (the tensor-core matmul pass matches plain multiply-add bodies).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def OutlineLayers : Pass<"seq-outline-layers", "mlir::ModuleOp"> {
  let summary = "Each seq.layer as a call of a private function; equal "
                "layers share one";
  let description = [{
    Every `seq.layer` becomes a `func.call` of a private function (internal
    linkage) whose arguments are the values the layer reads from its
    function (weights, the residual stream, positions, states) and whose
    results are the layer's; constants are cloned into the function rather
    than passed. Functions whose bodies are equal (the same ops, types and
    attributes: the layers of one kind in one entry point, or in entry
    points with the same shapes) are one function, named after the first
    entry point and layer that needs it (`prefill_layer_0`). `seq.weight`
    ops in a layer move before its call and are passed in; the sizes of
    values from outside are resolved to one value wherever they are equal by
    construction, so the first layer (reading the embedding) matches the
    rest. The later phases then grow with the number of distinct layers,
    not with the depth. seqc runs it at the end of phase 1, after
    `seq-refine-shapes` has given each entry point's layers their static
    shapes (decode's one token), and again at the end of phase 2 for
    layers that reach it.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::tensor::TensorDialect"];
}

def RefineShapes : Pass<"seq-refine-shapes"> {
  let summary = "Static shapes from tensor.cast sources through seq ops, "
                "elementwise ops and seq.layer results";
  let description = [{
    A seq op (its result types inferred from its operands) that reads a
    `tensor.cast` to a less static type reads the cast's source instead and
    takes the result types inferred from it; elementwise ops on tensors
    whose operands all have (or are cast from) one more static type compute
    in it; a cast after each changed result keeps the users' types, and
    canonicalization (run with these patterns) moves the casts on through
    tensor ops and seq.layer results. After inlining, `decode`'s one-token
    shapes then reach every op, and each layer body has them before
    `seq-outline-layers` builds one function per distinct body.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def SplitEmptyTensors : Pass<"seq-split-empty-tensors"> {
  let summary = "One tensor.empty per use";
  let description = [{
    Gives each use of a `tensor.empty` its own copy, placed before the user.
    CSE merges equal empties, and `eliminate-empty-tensors` would then
    replace a shared one by a destination for only one of its users, chosen
    by the order of the empty's uses, which differs between runs: with one
    empty per use the compiled code is the same on every run, and every
    user can write its destination in place.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def InlineLayers : Pass<"seq-inline-layers"> {
  let summary = "Splice every seq.layer's body in place";
  let description = [{
    Replaces each `seq.layer` by the ops of its body and its results by the
    values its `seq.yield` yields: the model as one straight-line function
    per entry point (the GPU pipeline, `seqc --outline-layers=false`).
  }];
}

#endif // SEQC_PASSES_TRANSFORMS_PASSES_TD
