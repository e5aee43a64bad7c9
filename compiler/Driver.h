//===- Driver.h - seqc's compiler driver ------------------------*- C++ -*-===//
//
// Parse → verify → pipeline phases → LLVM IR → object → shared library, all
// in-process except the final link. `tools/seqc` is a thin main over this.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_COMPILER_DRIVER_H
#define SEQC_COMPILER_DRIVER_H

#include "compiler/Pipelines.h"

#include <string>

namespace seqc {

struct CompileOptions {
  std::string inputPath;         ///< "-" reads stdin
  std::string outputPath;        ///< written atomically (temp + rename)
  Phase emit = Phase::SharedLib; ///< where to stop
  std::string target = "cpu";    ///< only "cpu" for now
  std::string mcpu = "native";   ///< LLVM CPU name, or "native"
  unsigned optLevel = 3;         ///< LLVM optimisation level 0..3
  unsigned codegenParts = 8;     ///< LLVM partitions of a .so (1: whole)
  unsigned codegenThreads = 0;   ///< threads compiling them; 0: all
  std::string cacheDir;      ///< compiled partitions kept here; empty: no cache
  int numThreadsDefault = 0; ///< recorded in the descriptor; 0: runtime picks
  bool parallel = true;      ///< OpenMP loops (links libomp)
  bool fuseAttention = true; ///< seq-fuse-attention in phase 1
  bool outlineLayers = true; ///< one function per distinct seq.layer (CPU)
  bool packWeights = true;   ///< projection weights in panels (CPU)
  int64_t scanSegments = 1;  ///< selective-scan time segments (prefix)
  std::string gpuMatmul = "tf32x3";  ///< cuda: tf32x3, tf32 or simt
  int64_t parallelThreshold = 32768; ///< smallest loop nest run in parallel
  bool printPipeline = false;        ///< print the pass pipeline and continue
  bool printIRAfterAll = false;      ///< print IR after every pass
  bool timing = false;               ///< report pass timing
  bool verbose = false;              ///< -v: each phase and its time on stderr
  std::string supportLibrary;        ///< static library linked into every .so
  std::string linkerDriver;          ///< clang used to link the .so
  std::string openmpLibraryDir; ///< where the model finds libomp at run time
};

/// Compiles one model. Diagnostics (with file:line:col) go to stderr.
/// On failure nothing is left at `outputPath`.
bool compile(const CompileOptions &options);

} // namespace seqc

#endif // SEQC_COMPILER_DRIVER_H
