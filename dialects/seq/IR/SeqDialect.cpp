//===- SeqDialect.cpp - seq dialect registration --------------------------===//

#include "dialects/seq/IR/SeqDialect.h"
#include "dialects/seq/IR/SeqOps.h"

using namespace mlir;
using namespace seqc::seq;

#include "dialects/seq/IR/SeqDialect.cpp.inc"

void SeqDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/seq/IR/SeqOps.cpp.inc"
      >();
}
