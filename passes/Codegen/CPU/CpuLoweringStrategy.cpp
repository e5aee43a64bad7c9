//===- CpuLoweringStrategy.cpp - which CPU kernel lowers each op ----------===//
//
// The vector kernels where the op's types and shapes allow (and the user
// asked for the tiled forms), the neutral strategy's forms for the rest.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/CpuKernels.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
namespace seq = seqc::seq;
using seq::LoweringAttr;
using K = seq::LoweringKernel;

LoweringAttr
seqc::cpu::CpuLoweringStrategy::select(Operation *op,
                                       const LoweringChoices &c) const {
  MLIRContext *ctx = op->getContext();
  if (auto attention = dyn_cast<seq::AttentionOp>(op)) {
    if (c.attention == "flash" &&
        whyNotVectorFlashAttention(attention).empty()) {
      auto [queryTile, keyTile] =
          vectorFlashTileSizes(attention, c.queryTile, c.keyTile);
      return LoweringAttr::get(ctx, K::cpu_flash, queryTile, keyTile,
                               c.kvSplits, 0, 0, 0);
    }
  }
  if (auto scan = dyn_cast<seq::SelectiveScanOp>(op))
    if (c.scan == "tiled" && whyNotVectorSelectiveScan(scan).empty())
      return LoweringAttr::get(ctx, K::cpu_scan, 0, 0, 0, 0, 0, c.scanSegments);
  return LoweringStrategy::select(op, c);
}

LogicalResult
seqc::cpu::CpuLoweringStrategy::check(Operation *op,
                                      LoweringAttr lowering) const {
  StringRef why;
  switch (lowering.getKernel()) {
  case K::cpu_flash:
    why = whyNotVectorFlashAttention(cast<seq::AttentionOp>(op));
    break;
  case K::cpu_scan:
    why = whyNotVectorSelectiveScan(cast<seq::SelectiveScanOp>(op));
    break;
  default:
    return LoweringStrategy::check(op, lowering);
  }
  if (!why.empty())
    return op->emitError() << "#seq.lowering<"
                           << seq::stringifyEnum(lowering.getKernel())
                           << "> does not apply: " << why;
  return success();
}
