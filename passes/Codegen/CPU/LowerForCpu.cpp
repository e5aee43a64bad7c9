//===- LowerForCpu.cpp - the seq-lower-for-cpu pass -----------------------===//
//
// The target-neutral seq lowering with the CPU's vector kernels added: the
// kernel patterns take the ops and shapes they apply to (a higher benefit),
// CpuContractions gives the neutral ones register-tiled products.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/CpuKernels.h"
#include "passes/Codegen/CPU/Passes.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace seqc {
#define GEN_PASS_DEF_LOWERFORCPU
#include "passes/Codegen/CPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {
struct LowerForCpuPass : seqc::impl::LowerForCpuBase<LowerForCpuPass> {
  using LowerForCpuBase::LowerForCpuBase;

  void runOnOperation() override {
    if (attention != "flash" && attention != "flash-generic" &&
        attention != "reference") {
      getOperation().emitError("seq-lower-for-cpu: unknown attention "
                               "lowering '")
          << attention << "' (flash, flash-generic, reference)";
      return signalPassFailure();
    }
    if (failed(seqc::checkScanOption(getOperation(), getArgument(), scan)))
      return signalPassFailure();
    if (queryTile < 0 || keyTile < 1 || channelTile < 1 || kvSplits < 1 ||
        scanSegments < 1 || ssdChunk < 1) {
      getOperation().emitError("seq-lower-for-cpu: tiles must be >= 1 "
                               "(query-tile 0: automatic)");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    bool tiled = scan == "tiled";
    if (attention == "flash")
      seqc::cpu::populateVectorFlashAttentionPatterns(patterns, queryTile,
                                                      keyTile, kvSplits);
    if (tiled)
      seqc::cpu::populateVectorSelectiveScanPatterns(patterns, scanSegments);
    seqc::SeqToLinalgPatternOptions options;
    options.flashAttention = attention != "reference";
    options.queryTile = queryTile > 0 ? queryTile : 16;
    options.keyTile = keyTile;
    options.tiledScans = tiled;
    options.channelTile = channelTile;
    options.ssdChunk = ssdChunk;
    seqc::cpu::CpuContractions contractions;
    seqc::populateSeqToLinalgPatterns(patterns, options, contractions);
    if (failed(seqc::applySeqLowering(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
