//===- GpuLoweringStrategy.cpp - which GPU kernel lowers each op ----------===//
//
// A GPU kernel per op where its types and shapes allow, the neutral forms
// (mapped onto blocks and threads after bufferization) for the rest.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/GPU/GpuKernels.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
namespace seq = seqc::seq;
using seq::LoweringAttr;
using K = seq::LoweringKernel;

LoweringAttr seqc::GpuLoweringStrategy::select(Operation *op,
                                               const LoweringChoices &c) const {
  MLIRContext *ctx = op->getContext();
  auto kernel = [&](K k) {
    return LoweringAttr::get(ctx, k, 0, 0, 0, 0, 0, 0);
  };
  bool tiled = c.scan == "tiled";
  LoweringAttr chosen =
      TypeSwitch<Operation *, LoweringAttr>(op)
          .Case([&](seq::AttentionOp attention) -> LoweringAttr {
            if (c.attention != "flash")
              return {};
            if (whyNotGpuDecodeAttention(attention).empty())
              return kernel(K::gpu_decode);
            if (whyNotGpuFlashAttention(attention).empty())
              return kernel(K::gpu_flash);
            return {};
          })
          .Case([&](seq::SelectiveScanOp scan) -> LoweringAttr {
            if (tiled && whyNotGpuSelectiveScan(scan).empty())
              return kernel(K::gpu_scan);
            return {};
          })
          .Case([&](seq::SSDOp ssd) -> LoweringAttr {
            if (tiled && whyNotGpuSSD(ssd).empty())
              return kernel(K::gpu_ssd);
            return {};
          })
          .Case<seq::RMSNormOp, seq::LayerNormOp>(
              [&](Operation *norm) -> LoweringAttr {
                if (whyNotGpuNorm(norm).empty())
                  return kernel(K::gpu_norm);
                return {};
              })
          .Default([](Operation *) { return LoweringAttr(); });
  if (chosen)
    return chosen;
  LoweringChoices neutral = c;
  if (neutral.channelTile == 0)
    neutral.channelTile = 1;
  return LoweringStrategy::select(op, neutral);
}

LogicalResult seqc::GpuLoweringStrategy::check(Operation *op,
                                               LoweringAttr lowering) const {
  StringRef why;
  switch (lowering.getKernel()) {
  case K::gpu_flash:
    why = whyNotGpuFlashAttention(cast<seq::AttentionOp>(op));
    break;
  case K::gpu_decode:
    why = whyNotGpuDecodeAttention(cast<seq::AttentionOp>(op));
    break;
  case K::gpu_scan:
    why = whyNotGpuSelectiveScan(cast<seq::SelectiveScanOp>(op));
    break;
  case K::gpu_ssd:
    why = whyNotGpuSSD(cast<seq::SSDOp>(op));
    break;
  case K::gpu_norm:
    why = seqc::whyNotGpuNorm(op);
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
