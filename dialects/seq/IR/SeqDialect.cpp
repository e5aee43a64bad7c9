//===- SeqDialect.cpp - seq dialect registration --------------------------===//

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/IR/SeqOps.h"

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

/// The module attributes the runtime trusts (they become fields of the model
/// descriptor) must be in range, or a session would index past its caches.
LogicalResult SeqDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  auto positiveInteger = [&](int64_t high) -> LogicalResult {
    auto value = dyn_cast<IntegerAttr>(attribute.getValue());
    if (!value || !value.getType().isInteger(64))
      return op->emitError() << "'" << name << "' must be an i64 integer";
    if (value.getInt() < 1 || value.getInt() > high)
      return op->emitError() << "'" << name << "' must be in [1, " << high
                             << "], got " << value.getInt();
    return success();
  };
  if (name == kLoweringAttrName) {
    auto lowering = dyn_cast<LoweringAttr>(attribute.getValue());
    if (!lowering)
      return op->emitError() << "'seq.lowering' must be a #seq.lowering";
    if (!isLoweringOf(op, lowering.getKernel()))
      return op->emitError() << "'" << op->getName() << "' has no lowering '"
                             << stringifyEnum(lowering.getKernel()) << "'";
    return success();
  }
  bool onModule = isa<ModuleOp>(op);
  if (name == "seq.max_positions" || name == "seq.max_tokens_per_call" ||
      name == "seq.num_threads_default" || name == "seq.target") {
    if (!onModule)
      return op->emitError() << "'" << name << "' belongs on the module";
    if (name == "seq.num_threads_default")
      return positiveInteger(4096);
    if (name == "seq.target") {
      if (!isa<StringAttr>(attribute.getValue()))
        return op->emitError() << "'seq.target' must be a string";
      return success();
    }
    // Session positions fit the runtime's i32 token counts.
    return positiveInteger(INT32_MAX);
  }
  return success();
}
