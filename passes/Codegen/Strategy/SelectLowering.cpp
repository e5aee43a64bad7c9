//===- SelectLowering.cpp - the seq-select-lowering pass ------------------===//
//
// Runs the chosen target's LoweringStrategy over the module: the one place
// that knows every target's strategy.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/CpuKernels.h"
#include "passes/Codegen/GPU/GpuKernels.h"
#include "passes/Codegen/Strategy/Passes.h"
#include "passes/Conversion/LoweringStrategy.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>

namespace seqc {
#define GEN_PASS_DEF_SELECTLOWERING
#include "passes/Codegen/Strategy/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {
struct SelectLoweringPass : seqc::impl::SelectLoweringBase<SelectLoweringPass> {
  using SelectLoweringBase::SelectLoweringBase;

  void runOnOperation() override {
    std::unique_ptr<seqc::LoweringStrategy> strategy;
    if (target == "cpu")
      strategy = std::make_unique<seqc::cpu::CpuLoweringStrategy>();
    else if (target == "cuda")
      strategy = std::make_unique<seqc::GpuLoweringStrategy>();
    else if (target == "generic")
      strategy = std::make_unique<seqc::LoweringStrategy>();
    if (!strategy) {
      getOperation().emitError(getArgument())
          << ": unknown target '" << target << "' (cpu, cuda, generic)";
      return signalPassFailure();
    }
    seqc::LoweringChoices choices;
    choices.attention = attention;
    choices.queryTile = queryTile;
    choices.keyTile = keyTile;
    choices.kvSplits = kvSplits;
    choices.scan = scan;
    choices.channelTile = channelTile;
    choices.ssdChunk = ssdChunk;
    choices.scanSegments = scanSegments;
    if (failed(seqc::verifyLoweringChoices(getOperation(), getArgument(),
                                           choices)) ||
        failed(seqc::annotateLowerings(getOperation(), *strategy, choices)))
      signalPassFailure();
  }
};
} // namespace
