//===- SeqAttrs.h - seq dialect attributes ----------------------*- C++ -*-===//
//
// #seq.lowering and the enums the seq dialect's ops and attributes use.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DIALECTS_SEQ_IR_SEQATTRS_H
#define SEQC_DIALECTS_SEQ_IR_SEQATTRS_H

#include "dialects/seq/IR/SeqDialect.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/seq/IR/SeqEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/seq/IR/SeqAttrs.h.inc"

namespace seqc::seq {

/// The discardable attribute holding an op's #seq.lowering.
inline constexpr llvm::StringLiteral kLoweringAttrName = "seq.lowering";

/// The op's #seq.lowering, or null when none is set.
LoweringAttr getLowering(mlir::Operation *op);

/// Whether `op` has more than one lowering (and so takes a #seq.lowering).
bool hasLoweringChoice(mlir::Operation *op);

/// Whether `kernel` is one of the lowerings of `op`'s kind (not whether its
/// shapes or target allow it: the lowering passes check that).
bool isLoweringOf(mlir::Operation *op, LoweringKernel kernel);

} // namespace seqc::seq

#endif // SEQC_DIALECTS_SEQ_IR_SEQATTRS_H
