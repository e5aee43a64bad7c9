//===- LowerForGpu.cpp - the seq-lower-for-gpu pass -----------------------===//
//
// Lowers each seq op in the form its #seq.lowering names (the GPU
// strategy's where none is set): a GPU kernel, or a neutral form with
// generic products whose loops the GPU pipeline maps onto blocks and
// threads afterwards.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuKernels.h"
#include "passes/Codegen/GPU/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace seqc {
#define GEN_PASS_DEF_LOWERFORGPU
#include "passes/Codegen/GPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {
struct LowerForGpuPass : seqc::impl::LowerForGpuBase<LowerForGpuPass> {
  using LowerForGpuBase::LowerForGpuBase;

  void runOnOperation() override {
    seqc::GpuLoweringStrategy strategy;
    if (failed(seqc::annotateLowerings(getOperation(), strategy, {})))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    seqc::populateGpuFlashAttentionLoweringPatterns(patterns);
    seqc::populateGpuSelectiveScanLoweringPatterns(patterns);
    seqc::populateGpuSSDLoweringPatterns(patterns);
    seqc::populateGpuNormLoweringPatterns(patterns);
    seqc::lowering::Contractions generic;
    seqc::populateSeqToLinalgPatterns(patterns, generic);
    if (failed(seqc::applySeqLowering(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
