//===- LoweringStrategy.cpp - the target-neutral lowering strategy --------===//
//
// Chooses among the forms convert-seq-to-linalg has: attention flash-tiled
// or materialised, scans over channel tiles, ssd and linear attention in
// chunks, each where the op's dims allow, the step-by-step forms otherwise.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringStrategy.h"
#include "passes/Conversion/SeqToLinalg/AttentionShape.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
namespace seq = seqc::seq;
using seq::LoweringAttr;
using K = seq::LoweringKernel;

namespace {

/// Dims 2 and 3 (heads, head dim) of every operand static: what the
/// chunked forms build their matmuls from.
bool staticHeadDims(ValueRange operands) {
  for (Value v : operands)
    if (auto type = dyn_cast<RankedTensorType>(v.getType()))
      if (type.getRank() == 4 && (type.isDynamicDim(2) || type.isDynamicDim(3)))
        return false;
  return true;
}

bool chunkedApplies(Operation *op) {
  if (auto ssd = dyn_cast<seq::SSDOp>(op))
    return staticHeadDims({ssd.getX(), ssd.getB()});
  if (auto rule = dyn_cast<seq::DeltaRuleOp>(op))
    return staticHeadDims({rule.getQuery(), rule.getValue()});
  if (auto cell = dyn_cast<seq::MlstmOp>(op))
    return staticHeadDims({cell.getQuery(), cell.getValue()});
  auto la = cast<seq::LinearAttentionOp>(op);
  return staticHeadDims({la.getQuery(), la.getKey(), la.getValue()});
}

LoweringAttr make(MLIRContext *ctx, K kernel) {
  return LoweringAttr::get(ctx, kernel, 0, 0, 0, 0, 0, 0);
}

} // namespace

LogicalResult seqc::verifyLoweringChoices(Operation *root, StringRef pass,
                                          const LoweringChoices &choices) {
  if (choices.attention != "flash" && choices.attention != "flash-generic" &&
      choices.attention != "reference")
    return root->emitError(pass)
           << ": unknown attention lowering '" << choices.attention
           << "' (flash, flash-generic, reference)";
  if (choices.scan != "tiled" && choices.scan != "reference")
    return root->emitError(pass) << ": unknown scan lowering '" << choices.scan
                                 << "' (tiled, reference)";
  if (choices.queryTile < 0 || choices.keyTile < 1 || choices.kvSplits < 1 ||
      choices.channelTile < 0 || choices.ssdChunk < 1 ||
      choices.scanSegments < 1)
    return root->emitError(pass)
           << ": tiles, chunks, splits and segments must be >= 1 "
              "(query-tile and channel-tile 0: the target's choice)";
  return success();
}

LoweringAttr seqc::LoweringStrategy::select(Operation *op,
                                            const LoweringChoices &c) const {
  MLIRContext *ctx = op->getContext();
  bool tiled = c.scan == "tiled";
  return TypeSwitch<Operation *, LoweringAttr>(op)
      .Case([&](seq::AttentionOp attention) {
        if (c.attention == "reference" ||
            failed(lowering::getAttentionShape(attention)))
          return make(ctx, K::reference);
        return LoweringAttr::get(ctx, K::flash,
                                 c.queryTile > 0 ? c.queryTile : 16, c.keyTile,
                                 0, 0, 0, 0);
      })
      .Case([&](seq::SelectiveScanOp) {
        if (!tiled)
          return make(ctx, K::reference);
        return LoweringAttr::get(ctx, K::tiled, 0, 0, 0,
                                 c.channelTile > 0 ? c.channelTile : 64, 0, 0);
      })
      .Case<seq::SSDOp, seq::LinearAttentionOp>([&](Operation *op) {
        if (!tiled || !chunkedApplies(op))
          return make(ctx, K::reference);
        int64_t chunk = c.ssdChunk;
        std::optional<uint64_t> opChunk;
        if (auto ssd = dyn_cast<seq::SSDOp>(op)) {
          opChunk = ssd.getChunkSize();
        } else {
          auto la = cast<seq::LinearAttentionOp>(op);
          opChunk = la.getChunkSize();
          Value gates = la.getLogDecay();
          // Per-channel gates (GLA): the chunkwise form keeps its
          // decay ratios in range with short chunks.
          if (gates && cast<RankedTensorType>(gates.getType()).getRank() == 4)
            chunk = 16;
        }
        if (opChunk)
          chunk = static_cast<int64_t>(*opChunk);
        return LoweringAttr::get(ctx, K::chunked, 0, 0, 0, 0, chunk, 0);
      })
      .Case([&](seq::DeltaRuleOp rule) {
        if (!tiled || !chunkedApplies(rule))
          return make(ctx, K::reference);
        // Chunks of 16 by default: 8 to 64 measure within 10% of each other
        // at K = V = 128 (bench/delta_rule.py); short chunks keep the q²
        // forward substitution small.
        std::optional<uint64_t> opChunk = rule.getChunkSize();
        int64_t chunk = opChunk ? static_cast<int64_t>(*opChunk) : 16;
        return LoweringAttr::get(ctx, K::chunked, 0, 0, 0, 0, chunk, 0);
      })
      .Case([&](seq::MlstmOp cell) {
        if (!tiled || !chunkedApplies(cell))
          return make(ctx, K::reference);
        // Chunks of 64, transformers' default: the stabiliser and the
        // weights cost q² per chunk, the products q·K·V.
        std::optional<uint64_t> opChunk = cell.getChunkSize();
        int64_t chunk = opChunk ? static_cast<int64_t>(*opChunk) : 64;
        return LoweringAttr::get(ctx, K::chunked, 0, 0, 0, 0, chunk, 0);
      })
      .Default([&](Operation *) { return make(ctx, K::generic); });
}

LogicalResult seqc::LoweringStrategy::check(Operation *op,
                                            LoweringAttr lowering) const {
  K kernel = lowering.getKernel();
  switch (kernel) {
  case K::reference:
  case K::flash:
    // Every attention lowering splits the heads at compile time.
    if (auto attention = dyn_cast<seq::AttentionOp>(op))
      if (failed(lowering::getAttentionShape(attention)))
        return op->emitError("attention needs static head counts and dims "
                             "to be lowered");
    return success();
  case K::generic:
  case K::tiled:
    return success();
  case K::chunked:
    if (!chunkedApplies(op))
      return op->emitError("#seq.lowering<chunked> needs static head counts "
                           "and dims");
    return success();
  default:
    return op->emitError() << "#seq.lowering<" << seq::stringifyEnum(kernel)
                           << "> is not a kernel of target '" << target()
                           << "'";
  }
}

LogicalResult seqc::annotateLowerings(Operation *root,
                                      const LoweringStrategy &strategy,
                                      const LoweringChoices &choices) {
  WalkResult result = root->walk([&](Operation *op) {
    if (!seq::hasLoweringChoice(op))
      return WalkResult::advance();
    LoweringAttr lowering = seq::getLowering(op);
    if (!lowering) {
      lowering = strategy.select(op, choices);
      op->setAttr(seq::kLoweringAttrName, lowering);
    }
    return failed(strategy.check(op, lowering)) ? WalkResult::interrupt()
                                                : WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}
