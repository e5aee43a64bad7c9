//===- Pipelines.h - seqc's compilation phases ------------------*- C++ -*-===//
//
// The CPU pipeline as named phases. Each phase is a function that appends
// passes to a PassManager, registered with PassPipelineRegistration so that
// `seq-opt` runs exactly what `seqc` runs.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_COMPILER_PIPELINES_H
#define SEQC_COMPILER_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace seqc {

/// Where compilation stops (`seqc --emit=`), in pipeline order.
enum class Phase {
  Seq,         ///< after the seq-level passes: still seq dialect
  Linalg,      ///< entry points exported, seq lowered to linalg on tensors
  LLVMDialect, ///< bufferized and lowered to the LLVM dialect
  PTX,         ///< --target=cuda: the kernels' PTX
  LLVMIR,      ///< translated to LLVM IR and optimised
  Object,      ///< a relocatable object file
  SharedLib,   ///< a linked shared library (the default)
};

/// Parses "seq", "linalg", "llvm-dialect", "ptx", "llvm-ir", "obj", "so".
std::optional<Phase> parsePhase(llvm::StringRef name);
llvm::StringRef phaseName(Phase phase);

struct SeqPassOptions {
  /// Rewrite unfused attention graphs (linalg) into seq.attention.
  bool fuseAttention = true;
  /// Static shapes through seq ops (decode's one token), then each
  /// seq.layer as a call of a function shared by equal layers, so that the
  /// later phases lower and compile each distinct layer once; otherwise the
  /// layers are spliced in place after inlining (the GPU pipeline).
  bool outlineLayers = true;
  /// Projection weights in panels laid out at load (seq-pack-weights; the
  /// CPU's projection kernel reads them in place).
  bool packWeights = false;
};

/// Phase 1: inlining and cleanup, attention fusion, block maps.
void buildSeqPassPipeline(mlir::OpPassManager &pm,
                          const SeqPassOptions &options = {});

/// What phase 2 may assume about the target CPU.
struct SeqToLinalgOptions {
  /// AVX-512F: vector exp uses vscalefps (seq-approximate-math{scalef}).
  bool avx512 = false;
  /// AMX-BF16 tiles: block-quantized prefill projections run on them
  /// (seq-lower-for-cpu{amx}).
  bool amx = false;
  /// Time segments of selective scans (two-pass parallel prefix); 1: none.
  int64_t scanSegments = 1;
  /// Whose kernels seq-select-lowering chooses: "cpu" (vector kernels),
  /// "cuda" (a GPU kernel per op where it applies, elementwise chains
  /// fused) or "generic" (the target-neutral forms only).
  std::string target = "cpu";
  /// Each seq.layer as a call of a function shared by equal layers
  /// (seq-outline-layers); otherwise spliced in place. The GPU target always
  /// splices.
  bool outlineLayers = true;
};

/// Phase 2: the runtime ABI (entry points, weights, descriptor), then seq
/// ops to linalg/scf on tensors.
void buildSeqToLinalgPipeline(mlir::OpPassManager &pm,
                              const SeqToLinalgOptions &options = {});

/// Options of the lowering to LLVM.
struct LoweringOptions {
  /// Run the parallel dims of every loop nest on OpenMP threads (the model
  /// then needs libomp); otherwise everything is sequential.
  bool parallel = true;
  /// Iteration-space size from which a loop nest runs in parallel.
  int64_t parallelThreshold = 32768;
};

/// The start of phase 3 for every target: one-shot bufferization (function
/// boundaries, identity layouts), deallocation, memref form.
void buildBufferizationPipeline(mlir::OpPassManager &pm);

/// Phase 3: bufferization and lowering to the LLVM dialect.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm,
                               const LoweringOptions &options = {});

/// Options of the GPU lowering (`seqc --target=cuda[:CHIP]`).
struct GpuLoweringOptions {
  std::string chip = "sm_80";      ///< PTX target (sm_80, sm_90, sm_90a)
  std::string features = "+ptx80"; ///< PTX ISA version
  std::string libdevice;           ///< libdevice.10.bc; empty: none found
  int64_t threadsPerBlock = 128;   ///< threads along the innermost dim
  /// f32 contractions: "tf32x3" or "tf32" on tensor cores (sm_80+), or
  /// "simt" (the generic loop mapping, one thread per output element).
  std::string matmul = "tf32x3";
};

/// libdevice.10.bc from $CUDA_HOME, $CUDA_PATH, $CUDA_ROOT,
/// /usr/local/cuda or Debian's toolkit; empty when there is none.
std::string findLibdevice();

/// Whether `chip` (sm_NN[a]) has tf32 tensor cores (sm_80 and later).
bool tensorCoresSupported(llvm::StringRef chip);

/// Phase 3 for NVIDIA GPUs: bufferization, parallel loops as kernels, device
/// buffers, NVVM and PTX (embedded as gpu.binary), host code in the LLVM
/// dialect.
void buildLinalgToGpuPipeline(mlir::OpPassManager &pm,
                              const GpuLoweringOptions &options);

/// Everything `seqc` sets for the CPU pipeline, built once by the driver;
/// `seq-opt --seqc-cpu-pipeline="..."` takes the same options.
struct CpuPipelineOptions : mlir::PassPipelineOptions<CpuPipelineOptions> {
  Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("Rewrite unfused attention graphs into seq.attention"),
      llvm::cl::init(true)};
  Option<int64_t> scanSegments{
      *this, "scan-segments",
      llvm::cl::desc("Time segments of selective scans (parallel prefix)"),
      llvm::cl::init(1)};
  Option<bool> avx512{
      *this, "avx512",
      llvm::cl::desc("The target CPU has AVX-512F (vscalefps in exp)"),
      llvm::cl::init(false)};
  Option<bool> amx{
      *this, "amx",
      llvm::cl::desc("The target CPU has AMX-BF16 tiles (block-quantized "
                     "prefill projections on them)"),
      llvm::cl::init(false)};
  Option<bool> parallel{*this, "parallel",
                        llvm::cl::desc("OpenMP loops (the model needs libomp)"),
                        llvm::cl::init(true)};
  Option<int64_t> parallelThreshold{
      *this, "parallel-threshold",
      llvm::cl::desc("Smallest iteration space run in parallel"),
      llvm::cl::init(32768)};
  Option<bool> outlineLayers{
      *this, "outline-layers",
      llvm::cl::desc("One function per distinct seq.layer body, called per "
                     "layer (otherwise the bodies are spliced in place)"),
      llvm::cl::init(true)};
  Option<bool> packWeights{
      *this, "pack-weights",
      llvm::cl::desc("Projection weights in panels the runtime lays out at "
                     "load (seq-pack-weights)"),
      llvm::cl::init(true)};
};

/// The CPU pipeline up to and including `last` (Seq, Linalg or
/// LLVMDialect).
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuPipelineOptions &options,
                      Phase last = Phase::LLVMDialect);

/// Everything `seqc --target=cuda` sets, built once by the driver;
/// `seq-opt --seqc-gpu-pipeline="..."` takes the same options.
struct GpuPipelineOptions : mlir::PassPipelineOptions<GpuPipelineOptions> {
  Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("Rewrite unfused attention graphs into seq.attention"),
      llvm::cl::init(true)};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("PTX target: sm_80, sm_90, ..."),
                           llvm::cl::init("sm_80")};
  Option<std::string> matmul{
      *this, "matmul",
      llvm::cl::desc("f32 products: tf32x3, tf32 (tensor cores) or simt"),
      llvm::cl::init("tf32x3")};
  Option<std::string> libdevice{
      *this, "libdevice",
      llvm::cl::desc("libdevice.10.bc (default: the CUDA toolkit's)"),
      llvm::cl::init("")};

  /// Phase 3's options, libdevice found when not given.
  GpuLoweringOptions lowering() const;
};

/// The GPU pipeline up to and including `last` (Seq, Linalg or
/// LLVMDialect).
void buildGpuPipeline(mlir::OpPassManager &pm,
                      const GpuPipelineOptions &options,
                      Phase last = Phase::LLVMDialect);

/// Registers the pipelines above (`seqc-seq-passes`, `seqc-lower-to-linalg`,
/// `seqc-lower-to-llvm`, `seqc-lower-to-gpu`, and each target's three
/// as `seqc-cpu-pipeline` and `seqc-gpu-pipeline`).
void registerPipelines();

/// gpu.barrier's memory effects (read and write), which the buffer
/// deallocation needs to accept kernels built before bufferization.
void registerGpuBarrierEffects(mlir::DialectRegistry &registry);

/// Dialects and external interface models the pipelines need.
void registerCompilerDialects(mlir::DialectRegistry &registry);

} // namespace seqc

#endif // SEQC_COMPILER_PIPELINES_H
