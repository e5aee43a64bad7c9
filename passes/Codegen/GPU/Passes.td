//===- Passes.td - seqc GPU codegen passes ------------------*- tablegen -*-===//
//
// The NVIDIA GPU backend: lowering seq ops to GPU kernels, then mapping,
// memory, tensor cores and kernel modules on the way to NVVM.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_GPU_PASSES_TD
#define SEQC_PASSES_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerForGpu : Pass<"seq-lower-for-gpu", "mlir::ModuleOp"> {
  let summary = "Lower seq ops for NVIDIA GPUs: GPU kernels where they apply";
  let description = [{
    Lowers each seq op in the form its `#seq.lowering` names
    (`seq-select-lowering{target=cuda}`; ops without one get that
    strategy's default): attention (`gpu_flash`, and `gpu_decode` split-KV
    for one query position), selective scans (`gpu_scan`), ssd (`gpu_ssd`)
    and the norms (`gpu_norm`) as one `gpu.launch` kernel each, or the
    target-neutral forms of `convert-seq-to-linalg` (scans with one channel
    per tile so each channel is a thread), whose loops the GPU pipeline
    then maps onto blocks and threads.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::bufferization::BufferizationDialect",
    "mlir::gpu::GPUDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect",
  ];
}

def GpuMapLoops : Pass<"seq-gpu-map-loops", "mlir::func::FuncOp"> {
  let summary = "Map bufferized loops onto GPU blocks and threads";
  let description = [{
    Decides what each kernel is: host code that touches buffer contents
    goes into a one-thread kernel; every outermost `scf.parallel` is tiled
    by [1, ..., 1, `threads`], its tile loop mapped to the grid (x, y, z)
    and the innermost dim's tile to the threads (coalesced); loops nested
    deeper run sequentially inside a thread. Run before
    `convert-parallel-loops-to-gpu`.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"128",
           "Threads per block along the innermost dim">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::gpu::GPUDialect"];
}


def GpuDeviceMemory : Pass<"seq-gpu-device-memory", "mlir::func::FuncOp"> {
  let summary = "Host-side buffers become device buffers";
  let description = [{
    After the loops are mapped to `gpu.launch`, what runs on the host only
    manages memory: `memref.alloc`/`dealloc` become `gpu.alloc`/`gpu.dealloc`
    and `memref.copy` becomes `gpu.memcpy`, so every buffer a kernel sees
    lives on the device (the runtime passes device pointers for arguments,
    weights and state). A host-side load or store of buffer contents would
    read device memory on the CPU: it is reported as an error naming the op.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}


def GpuTensorCoreMatmul : Pass<"seq-gpu-tensor-core-matmul",
                               "mlir::func::FuncOp"> {
  let summary = "f32 contractions as tensor-core kernels (WMMA tf32)";
  let description = [{
    Each host-level f32 contraction on buffers (one m, n and k dim, at most
    one batch dim, any operand layout) becomes a `gpu.launch`: 4 warps per
    64x64 output tile, K in steps of 16 staged through shared memory
    (zero-filled at the edges), warp-level `gpu.subgroup_mma_*` products in
    tf32 (m16n16k8), and an epilogue that adds the tile to the output.
    `precision=tf32x3` splits each operand into tf32 high and low parts and
    accumulates three products for near-f32 accuracy; `tf32` uses one.
    Needs sm_80 or later. Run after bufferization, before the loops are
    mapped.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"tf32x3\"",
           "tf32x3 (near-f32 accuracy, 3 products) or tf32 (1 product)">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::gpu::GPUDialect"];
}


def GpuAlignSharedMemory : Pass<"seq-gpu-align-shared-memory",
                                "mlir::gpu::GPUModuleOp"> {
  let summary = "Align shared-memory buffers for warp-level matrix loads";
  let description = [{
    Gives every `gpu.func` workgroup attribution without one an `llvm.align`
    of 128 bytes: WMMA and ldmatrix need 32-byte aligned shared addresses,
    and the LLVM globals would otherwise be aligned to their element type.
    Run after kernel outlining.
  }];
}


def GpuMergeKernelModules : Pass<"seq-gpu-merge-kernel-modules",
                                 "mlir::ModuleOp"> {
  let summary = "Move all kernel modules into one gpu.module";
  let description = [{
    Kernel outlining gives every launch its own `gpu.module`. This pass moves
    every kernel and module-level symbol into one module (named by the
    `module-name` option, renamed if taken), renaming kernels and symbols
    whose names collide and rewriting `gpu.launch_func` to match; identical
    symbol definitions (constants copied into several modules) are kept
    once. The model then has one PTX module: what `--emit=ptx` writes and
    ptxas assembles as it is, with libdevice linked and the module
    loaded once. Run after outlining, before targets are attached.
  }];
  let options = [
    Option<"mergedName", "module-name", "std::string",
           /*default=*/"\"seq_kernels\"",
           "Name of the merged kernel module">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}


#endif // SEQC_PASSES_CODEGEN_GPU_PASSES_TD
