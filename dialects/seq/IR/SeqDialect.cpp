//===- SeqDialect.cpp - seq dialect registration --------------------------===//

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/InliningUtils.h"

#include <cstdint>

using namespace mlir;
using namespace seqc::seq;

#include "dialects/seq/IR/SeqDialect.cpp.inc"

namespace {
/// Every seq op is a pure function of its operands (modifier regions only
/// read their arguments), so inlining it anywhere is legal.
struct SeqInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Operation *, bool) const final {
    return true;
  }
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
  bool isLegalToInline(Region *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void SeqDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/seq/IR/SeqOps.cpp.inc"
      >();
  registerAttributes();
  addInterfaces<SeqInlinerInterface>();
}

/// The dialect's discardable attributes: the module attributes the runtime
/// trusts (they become fields of the model descriptor) must be in range, or
/// a session would index past its caches; the others must sit where their
/// pass put them. Any other `seq.*` name is an error, not ignored.
LogicalResult SeqDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  auto positiveInteger = [&](int64_t high) -> LogicalResult {
    auto integer = dyn_cast<IntegerAttr>(value);
    if (!integer || !integer.getType().isInteger(64))
      return op->emitError() << "'" << name << "' must be an i64 integer";
    if (integer.getInt() < 1 || integer.getInt() > high)
      return op->emitError() << "'" << name << "' must be in [1, " << high
                             << "], got " << integer.getInt();
    return success();
  };
  if (name == kLoweringAttrName) {
    auto lowering = dyn_cast<LoweringAttr>(value);
    if (!lowering)
      return op->emitError() << "'seq.lowering' must be a #seq.lowering";
    if (!isLoweringOf(op, lowering.getKernel()))
      return op->emitError() << "'" << op->getName() << "' has no lowering '"
                             << stringifyEnum(lowering.getKernel()) << "'";
    return success();
  }
  if (name == TileSizesAttrHelper::getNameStr() ||
      name == TileMapAttrHelper::getNameStr()) {
    if (!isa<AttentionOp>(op))
      return op->emitError() << "'" << name << "' belongs on seq.attention";
    if (name == TileSizesAttrHelper::getNameStr()) {
      auto sizes = dyn_cast<DenseI64ArrayAttr>(value);
      if (!sizes || sizes.size() != 2 || sizes[0] < 1 || sizes[1] < 1)
        return op->emitError()
               << "'" << name << "' must be array<i64: query tile, key tile> "
               << "of sizes >= 1";
      return success();
    }
    auto map = dyn_cast<DenseIntElementsAttr>(value);
    if (!map || map.getType().getRank() != 2 ||
        !map.getElementType().isInteger(8))
      return op->emitError() << "'" << name
                             << "' must be a 2-D i8 tensor (query tiles x "
                                "key tiles)";
    return success();
  }
  if (name == StateAttrHelper::getNameStr())
    return op->emitError() << "'" << name
                           << "' belongs on entry point arguments and results";
  bool onModule = isa<ModuleOp>(op);
  if (name == MaxPositionsAttrHelper::getNameStr() ||
      name == MaxTokensPerCallAttrHelper::getNameStr() ||
      name == MaxSourcePositionsAttrHelper::getNameStr() ||
      name == SourceVocabSizeAttrHelper::getNameStr() ||
      name == NumThreadsDefaultAttrHelper::getNameStr() ||
      name == TargetAttrHelper::getNameStr()) {
    if (!onModule)
      return op->emitError() << "'" << name << "' belongs on the module";
    if (name == NumThreadsDefaultAttrHelper::getNameStr())
      return positiveInteger(4096);
    if (name == TargetAttrHelper::getNameStr()) {
      auto target = dyn_cast<StringAttr>(value);
      if (!target || (target.getValue() != "cpu" &&
                      !target.getValue().starts_with("cuda:sm_")))
        return op->emitError()
               << "'seq.target' must be \"cpu\" or \"cuda:sm_NN\"";
      return success();
    }
    // Session positions fit the runtime's i32 token counts.
    return positiveInteger(INT32_MAX);
  }
  return op->emitError() << "unknown seq dialect attribute '" << name << "'";
}

/// seq.state names the session state an entry point's argument or result
/// is; no other seq attribute sits on arguments or results.
static LogicalResult verifyValueAttribute(Operation *op,
                                          NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  if (name != SeqDialect::StateAttrHelper::getNameStr())
    return op->emitError() << "unknown seq dialect attribute '" << name
                           << "' on an argument or result";
  auto state = dyn_cast<StringAttr>(attribute.getValue());
  if (!state || state.getValue().empty())
    return op->emitError() << "'seq.state' must be a non-empty string";
  return success();
}

LogicalResult SeqDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                   unsigned,
                                                   NamedAttribute attribute) {
  return verifyValueAttribute(op, attribute);
}

LogicalResult
SeqDialect::verifyRegionResultAttribute(Operation *op, unsigned, unsigned,
                                        NamedAttribute attribute) {
  return verifyValueAttribute(op, attribute);
}
