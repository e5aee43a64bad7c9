//===- Pipelines.cpp - seqc's compilation phases --------------------------===//

#include "compiler/Pipelines.h"

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/Transforms/BufferizableOpInterfaceImpl.h"
#include "passes/Codegen/CPU/Passes.h"
#include "passes/Codegen/GPU/Passes.h"
#include "passes/Codegen/Strategy/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include "mlir/Conversion/GPUToNVVM/GPUToNVVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace seqc {

std::optional<Phase> parsePhase(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Phase>>(name)
      .Case("seq", Phase::Seq)
      .Case("linalg", Phase::Linalg)
      .Case("llvm-dialect", Phase::LLVMDialect)
      .Case("ptx", Phase::PTX)
      .Case("llvm-ir", Phase::LLVMIR)
      .Case("obj", Phase::Object)
      .Case("so", Phase::SharedLib)
      .Default(std::nullopt);
}

llvm::StringRef phaseName(Phase phase) {
  switch (phase) {
  case Phase::Seq:
    return "seq";
  case Phase::Linalg:
    return "linalg";
  case Phase::LLVMDialect:
    return "llvm-dialect";
  case Phase::PTX:
    return "ptx";
  case Phase::LLVMIR:
    return "llvm-ir";
  case Phase::Object:
    return "obj";
  case Phase::SharedLib:
    return "so";
  }
  llvm_unreachable("unknown phase");
}

void buildSeqPassPipeline(OpPassManager &pm, const SeqPassOptions &options) {
  // Entry points call helper functions (layers, blocks); inline them so every
  // seq.weight sits in an entry point and later passes see whole models.
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  if (!options.outlineLayers)
    pm.addPass(seqc::createInlineLayers());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Attention written out as matmul/softmax/matmul becomes seq.attention.
  if (options.fuseAttention)
    pm.addNestedPass<func::FuncOp>(seqc::createFuseAttention());
  // Block maps for attention with positions known at compile time.
  pm.addPass(seqc::createSparsifyAttention());
  // Weights only projections read, in the panels their kernel streams.
  if (options.packWeights)
    pm.addPass(seqc::createPackWeights());
  // Each entry point's static shapes into its layers, then one function per
  // distinct layer: phases 2 and 3 lower and compile each once.
  if (options.outlineLayers) {
    pm.addPass(seqc::createRefineShapes());
    pm.addPass(seqc::createOutlineLayers());
  }
}

void buildSeqToLinalgPipeline(OpPassManager &pm,
                              const SeqToLinalgOptions &options) {
  // The ABI first, while weights are still seq.weight and signatures still
  // speak tensors.
  pm.addPass(seqc::createExportEntryPoints());
  // Which kernel lowers each op (recorded as #seq.lowering), then the
  // target's lowering, which only reads that choice.
  seqc::SelectLoweringOptions strategy;
  strategy.target = options.target;
  strategy.scanSegments = options.scanSegments;
  pm.addPass(seqc::createSelectLowering(strategy));
  bool gpu = options.target == "cuda";
  if (gpu)
    pm.addPass(seqc::createLowerForGpu());
  else if (options.target == "cpu")
    pm.addPass(seqc::createLowerForCpu({options.amx}));
  else
    pm.addPass(seqc::createConvertSeqToLinalg());
  // Glue arithmetic written on whole tensors (residual adds, -exp(A_log))
  // becomes linalg so that it bufferizes.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  // CPU: elementwise ops as 16-lane vector loops (not scalar libm calls).
  if (options.target == "cpu")
    pm.addNestedPass<func::FuncOp>(seqc::createVectorizeElementwise());
  // Vector kernels' exp/log1p/tanh as inline polynomials (LLVM would emit one
  // libm call per lane).
  seqc::ApproximateMathOptions approximate;
  approximate.scalef = options.avx512;
  pm.addPass(seqc::createApproximateMath(approximate));
  if (gpu) {
    // The GPU kernels' modules too.
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  } else {
    // Per function, so that the entry points are cleaned up on all cores.
    pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
    pm.addNestedPass<func::FuncOp>(createCSEPass());
  }
  // GPU: one kernel per elementwise chain instead of one per op.
  if (gpu) {
    pm.addNestedPass<func::FuncOp>(seqc::createFuseElementwise());
    pm.addPass(createCanonicalizerPass());
  }
  // Layers still here (phase 1 outlines them unless told not to) become
  // functions now, once canonicalization has put each entry point's static
  // shapes in their bodies, or are spliced in place.
  if (options.outlineLayers && !gpu)
    pm.addPass(seqc::createOutlineLayers());
  else
    pm.addPass(seqc::createInlineLayers());
}

void buildBufferizationPipeline(OpPassManager &pm) {
  // Splat constants would become globals of every element: keep them scalar.
  pm.addPass(seqc::createFoldSplatConstants());
  // One empty per use: elimination then decides each use alone, the same
  // way on every run.
  pm.addPass(seqc::createSplitEmptyTensors());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Layer functions return the states they update in place: those results
  // are their arguments' buffers, which the callers already hold.
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  pm.addPass(createCanonicalizerPass());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void buildLinalgToLLVMPipeline(OpPassManager &pm,
                               const LoweringOptions &options) {
  buildBufferizationPipeline(pm);
  // Large ops' parallel dims become scf.parallel and then OpenMP
  // worksharing loops; reductions and the scans' time loops stay sequential
  // inside, so results do not depend on the thread count.
  // Tile loops (flash attention's query tiles) run as parallel loops.
  pm.addPass(createForallToParallelLoopPass());
  seqc::LowerLinalgToLoopsOptions loops;
  loops.parallel = options.parallel;
  loops.parallelThreshold = options.parallelThreshold;
  pm.addNestedPass<func::FuncOp>(seqc::createLowerLinalgToLoops(loops));
  if (options.parallel) {
    pm.addPass(createConvertSCFToOpenMPPass());
    // scf-to-openmp wraps loop bodies in memref.alloca_scope, which must stay
    // one block (scf-to-cf below would split it): canonicalization inlines
    // scopes with nothing on the stack, the rest become stack save/restore.
    pm.addPass(createCanonicalizerPass());
    pm.addPass(seqc::createLowerAllocaScopes());
  }
  // Strided vector transfers (state columns) become scalar loops; contiguous
  // ones stay vector loads and stores.
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // x86vector ops (vscalefps in exp, AVX-512 targets only) and AMX tile ops
  // (AMX targets only) become LLVM intrinsics here.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.x86Vector = true;
  vectorToLLVM.amx = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  // What LLVM has no intrinsic for (erf) becomes a libm call.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  // Allocations through _mlir_memref_to_llvm_alloc/free: the support
  // library keeps large blocks for reuse (model_support/BufferCache.c).
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // Vector lowering leaves ub.poison for undefined lanes.
  pm.addPass(createUBToLLVMConversionPass());
  if (options.parallel)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

GpuLoweringOptions GpuPipelineOptions::lowering() const {
  GpuLoweringOptions options;
  options.chip = chip;
  options.matmul = matmul;
  options.libdevice =
      libdevice.empty() ? findLibdevice() : std::string(libdevice);
  return options;
}

void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options,
                      Phase last) {
  SeqPassOptions seqPasses;
  seqPasses.fuseAttention = options.fuseAttention;
  seqPasses.outlineLayers = options.outlineLayers;
  seqPasses.packWeights = options.packWeights;
  buildSeqPassPipeline(pm, seqPasses);
  if (last < Phase::Linalg)
    return;
  SeqToLinalgOptions toLinalg;
  toLinalg.target = "cpu";
  toLinalg.outlineLayers = options.outlineLayers;
  toLinalg.scanSegments = options.scanSegments;
  toLinalg.avx512 = options.avx512;
  toLinalg.amx = options.amx;
  buildSeqToLinalgPipeline(pm, toLinalg);
  if (last < Phase::LLVMDialect)
    return;
  LoweringOptions lowering;
  lowering.parallel = options.parallel;
  lowering.parallelThreshold = options.parallelThreshold;
  buildLinalgToLLVMPipeline(pm, lowering);
}

void buildGpuPipeline(OpPassManager &pm, const GpuPipelineOptions &options,
                      Phase last) {
  SeqPassOptions seqPasses;
  seqPasses.fuseAttention = options.fuseAttention;
  seqPasses.outlineLayers = false;
  buildSeqPassPipeline(pm, seqPasses);
  if (last < Phase::Linalg)
    return;
  SeqToLinalgOptions toLinalg;
  toLinalg.target = "cuda";
  buildSeqToLinalgPipeline(pm, toLinalg);
  if (last < Phase::LLVMDialect)
    return;
  buildLinalgToGpuPipeline(pm, options.lowering());
}

namespace {
/// Options of phase 2 in seq-opt: what seqc's --target and --scan-segments
/// set.
struct LowerToLinalgPipelineOptions
    : PassPipelineOptions<LowerToLinalgPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("cpu (vector kernels), cuda (GPU kernels) or generic "
                     "(the target-neutral forms)"),
      llvm::cl::init("cpu")};
  Option<int64_t> scanSegments{
      *this, "scan-segments",
      llvm::cl::desc("Time segments of the CPU selective scan"),
      llvm::cl::init(1)};
  Option<bool> outlineLayers{
      *this, "outline-layers",
      llvm::cl::desc("One function per distinct seq.layer body (CPU and "
                     "generic targets); otherwise spliced in place"),
      llvm::cl::init(true)};

  SeqToLinalgOptions get() const {
    SeqToLinalgOptions options;
    options.scanSegments = scanSegments;
    options.outlineLayers = outlineLayers;
    options.target = target;
    return options;
  }
};

} // namespace

void registerPipelines() {
  PassPipelineRegistration<>(
      "seqc-seq-passes", "seqc phase 1: seq-level passes",
      [](OpPassManager &pm) { buildSeqPassPipeline(pm); });
  PassPipelineRegistration<LowerToLinalgPipelineOptions>(
      "seqc-lower-to-linalg", "seqc phase 2: ABI export and seq to linalg",
      [](OpPassManager &pm, const LowerToLinalgPipelineOptions &options) {
        buildSeqToLinalgPipeline(pm, options.get());
      });
  PassPipelineRegistration<GpuPipelineOptions>(
      "seqc-lower-to-gpu",
      "seqc phase 3 for NVIDIA GPUs: bufferize, map loops onto kernels, "
      "NVVM, PTX",
      [](OpPassManager &pm, const GpuPipelineOptions &options) {
        buildLinalgToGpuPipeline(pm, options.lowering());
      });
  PassPipelineRegistration<GpuPipelineOptions>(
      "seqc-gpu-pipeline",
      "seqc --target=cuda: the whole pipeline to the LLVM dialect with "
      "the kernels as PTX",
      [](OpPassManager &pm, const GpuPipelineOptions &options) {
        buildGpuPipeline(pm, options);
      });
  PassPipelineRegistration<>(
      "seqc-lower-to-llvm", "seqc phase 3: bufferize and lower to LLVM",
      [](OpPassManager &pm) { buildLinalgToLLVMPipeline(pm); });
  PassPipelineRegistration<CpuPipelineOptions>(
      "seqc-cpu-pipeline", "seqc: the whole CPU pipeline to the LLVM dialect",
      [](OpPassManager &pm, const CpuPipelineOptions &options) {
        buildCpuPipeline(pm, options);
      });
  PassPipelineRegistration<>("seqc-lower-to-llvm-sequential",
                             "seqc phase 3 without OpenMP: one thread",
                             [](OpPassManager &pm) {
                               LoweringOptions options;
                               options.parallel = false;
                               buildLinalgToLLVMPipeline(pm, options);
                             });
}

void registerCompilerDialects(DialectRegistry &registry) {
  registry.insert<seq::SeqDialect, affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect, vector::VectorDialect,
                  x86vector::X86VectorDialect, amx::AMXDialect>();
  func::registerInlinerExtension(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  seq::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  cf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registry.insert<omp::OpenMPDialect>();
  registerOpenMPDialectTranslation(registry);
  // --target=cuda: kernels lowered to NVVM and serialised to PTX in-process.
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  registerGpuBarrierEffects(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  // #gpu.select_object: embeds the PTX and loads it at library load.
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
  // What convert-gpu-to-nvvm and gpu-to-llvm find through ConvertToLLVM.
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  NVVM::registerConvertGpuToNVVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  // Kernels built with vector ops (GPU attention's register rows).
  vector::registerConvertVectorToLLVMInterface(registry);
}

} // namespace seqc
