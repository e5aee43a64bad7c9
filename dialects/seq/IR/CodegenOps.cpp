//===- CodegenOps.cpp - verifiers of the codegen hint ops -----------------===//

#include "dialects/seq/IR/SeqOps.h"

using namespace mlir;
using namespace seqc::seq;

LogicalResult PrefetchOp::verify() {
  int64_t rank = getSource().getType().getRank();
  if (static_cast<int64_t>(getIndices().size()) != rank)
    return emitOpError("expected ") << rank << " indices for a tensor of rank "
                                    << rank << ", got " << getIndices().size();
  return success();
}
