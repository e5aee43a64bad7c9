//===- GpuPipeline.cpp - phase 3 for NVIDIA GPUs (NVVM -> PTX)
//-------------===//
//
// The GPU form of phase 3: the same bufferization as the CPU, then every
// parallel loop becomes a kernel (grid over the tile loop, threads over the
// innermost dim), host-side buffers become device buffers, kernels are
// outlined, lowered to NVVM and serialised to PTX, and the host code to the
// LLVM dialect with gpu.launch_func as calls into the mgpu* launch API.
// Mirrors upstream's gpu-lower-to-nvvm-pipeline, with libdevice passed
// explicitly: without it, math ops stay unresolved __nv_* calls and fail
// only later, in ptxas.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines.h"

#include "passes/Codegen/GPU/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/OptimizeForNVVM.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

using namespace mlir;

namespace seqc {

std::string findLibdevice() {
  llvm::SmallVector<std::string> roots;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (std::optional<std::string> value = llvm::sys::Process::GetEnv(var))
      roots.push_back(*value);
  roots.push_back("/usr/local/cuda");
  for (const std::string &root : roots) {
    llvm::SmallString<256> path(root);
    llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
    if (llvm::sys::fs::exists(path))
      return std::string(path);
  }
  // Debian's nvidia-cuda-toolkit.
  if (llvm::sys::fs::exists("/usr/lib/nvidia-cuda-toolkit/libdevice/"
                            "libdevice.10.bc"))
    return "/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc";
  return "";
}

bool tensorCoresSupported(llvm::StringRef chip) {
  unsigned version = 0;
  return chip.consume_front("sm_") &&
         !chip.take_while(llvm::isDigit).getAsInteger(10, version) &&
         version >= 80;
}

void buildLinalgToGpuPipeline(OpPassManager &pm,
                              const GpuLoweringOptions &options) {
  buildBufferizationPipeline(pm); // exactly as on the CPU

  // Contractions first: each becomes its own tensor-core kernel before the
  // rest turns into loops (tf32 needs sm_80).
  if (options.matmul != "simt" && tensorCoresSupported(options.chip)) {
    seqc::GpuTensorCoreMatmulOptions matmul;
    matmul.precision = options.matmul;
    pm.addNestedPass<func::FuncOp>(seqc::createGpuTensorCoreMatmul(matmul));
  }

  // Every parallel dim becomes an scf.parallel; the outermost ones split
  // into (blocks, threads) and map onto gpu.launch.
  pm.addPass(createForallToParallelLoopPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  seqc::GpuMapLoopsOptions map;
  map.threads = options.threadsPerBlock;
  pm.addNestedPass<func::FuncOp>(seqc::createGpuMapLoops(map));
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(seqc::createGpuDeviceMemory());

  // Kernels out, host and device to LLVM (upstream's NVVM pipeline).
  pm.addPass(createGpuKernelOutliningPass());
  // Outlining copied the kernels' shared-memory globals into their modules;
  // the host's copies are unused.
  pm.addPass(createSymbolDCEPass());
  // One kernel module: one PTX file for --emit=ptx, libdevice linked once.
  pm.addPass(seqc::createGpuMergeKernelModules());
  pm.addNestedPass<gpu::GPUModuleOp>(seqc::createGpuAlignSharedMemory());
  // One stream per entry call: launches, allocations and frees become
  // async ops chained on it (gpu-to-llvm lowers only the async alloc).
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = 3;
  if (!options.libdevice.empty())
    target.linkLibs.push_back(options.libdevice);
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  pm.addNestedPass<gpu::GPUModuleOp>(createStripDebugInfoPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(LLVM::createNVVMOptimizeForTargetPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa"; // PTX, JIT-compiled by the driver
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

} // namespace seqc
