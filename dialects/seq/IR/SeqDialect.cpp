//===- SeqDialect.cpp - seq dialect registration --------------------------===//

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Transforms/InliningUtils.h"

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
  addInterfaces<SeqInlinerInterface>();
}
