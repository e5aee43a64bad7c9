//===- SeqAttrs.cpp - seq dialect attributes ------------------------------===//

#include "dialects/seq/IR/SeqAttrs.h"
#include "dialects/seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace seqc::seq;

#define GET_ATTRDEF_CLASSES
#include "dialects/seq/IR/SeqAttrs.cpp.inc"

void SeqDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/seq/IR/SeqAttrs.cpp.inc"
      >();
}

/// Each kernel's sizes must be set (>= 1; a cpu_flash key tile a multiple
/// of 16 up to 256, what its register tiles hold) and every other size 0.
LogicalResult LoweringAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   LoweringKernel kernel, int64_t queryTile,
                                   int64_t keyTile, int64_t kvSplits,
                                   int64_t channelTile, int64_t chunk,
                                   int64_t segments) {
  struct Size {
    const char *name;
    int64_t value;
    bool used;
  };
  bool flash =
      kernel == LoweringKernel::flash || kernel == LoweringKernel::cpu_flash;
  Size sizes[] = {
      {"query_tile", queryTile, flash},
      {"key_tile", keyTile, flash},
      {"kv_splits", kvSplits, kernel == LoweringKernel::cpu_flash},
      {"channel_tile", channelTile, kernel == LoweringKernel::tiled},
      {"chunk", chunk, kernel == LoweringKernel::chunked},
      {"segments", segments, kernel == LoweringKernel::cpu_scan},
  };
  for (const Size &size : sizes) {
    if (size.used && size.value < 1)
      return emitError() << "#seq.lowering<" << stringifyEnum(kernel)
                         << "> needs " << size.name << " >= 1";
    if (!size.used && size.value != 0)
      return emitError() << "#seq.lowering<" << stringifyEnum(kernel)
                         << "> takes no " << size.name;
  }
  if (kernel == LoweringKernel::cpu_flash &&
      (keyTile % 16 != 0 || keyTile > 256))
    return emitError() << "#seq.lowering<cpu_flash> needs key_tile a "
                          "multiple of 16 up to 256, got "
                       << keyTile;
  return success();
}

LoweringAttr seqc::seq::getLowering(Operation *op) {
  return op->getAttrOfType<LoweringAttr>(kLoweringAttrName);
}

bool seqc::seq::hasLoweringChoice(Operation *op) {
  return isa<AttentionOp, SelectiveScanOp, SSDOp, LinearAttentionOp,
             DeltaRuleOp, MlstmOp, RMSNormOp, LayerNormOp>(op);
}

bool seqc::seq::isLoweringOf(Operation *op, LoweringKernel kernel) {
  using K = LoweringKernel;
  auto any = [&](std::initializer_list<K> kernels) {
    return llvm::is_contained(kernels, kernel);
  };
  return TypeSwitch<Operation *, bool>(op)
      .Case([&](AttentionOp) {
        return any({K::reference, K::flash, K::cpu_flash, K::gpu_flash,
                    K::gpu_decode});
      })
      .Case([&](SelectiveScanOp) {
        return any({K::reference, K::tiled, K::cpu_scan, K::gpu_scan});
      })
      .Case([&](SSDOp) { return any({K::reference, K::chunked, K::gpu_ssd}); })
      .Case<LinearAttentionOp, DeltaRuleOp, MlstmOp>(
          [&](Operation *) { return any({K::reference, K::chunked}); })
      .Case<RMSNormOp, LayerNormOp>(
          [&](Operation *) { return any({K::generic, K::gpu_norm}); })
      .Default([](Operation *) { return false; });
}
