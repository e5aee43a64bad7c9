//===- SeqOps.cpp - generated op definitions ------------------------------===//
//
// Only the TableGen output lives here; each op family's verifier and type
// inference is in its own file (ChannelMixerOps.cpp, AttentionOps.cpp,
// RecurrenceOps.cpp).
//
//===----------------------------------------------------------------------===//

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace seqc::seq;

#include "dialects/seq/IR/SeqEnums.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/seq/IR/SeqOps.cpp.inc"
