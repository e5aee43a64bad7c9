//===- AttentionShape.h - head layout shared by attention lowerings -*- C++
//-*-===//
//
// Both attention lowerings split the query heads into KV groups
// ([B, Sq, Hq, D] -> [B, Sq, Hkv, G, D]) so that every access is a plain
// projection; this is that step and the static sizes it needs.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CONVERSION_SEQTOLINALG_ATTENTIONSHAPE_H
#define SEQC_PASSES_CONVERSION_SEQTOLINALG_ATTENTIONSHAPE_H

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"

namespace seqc::lowering {

struct AttentionShape {
  int64_t queryHeads, kvHeads, headDim, valueDim;
  int64_t group; ///< query heads per KV head
};

/// The static head counts and dims of `op`; failure when any is dynamic.
mlir::FailureOr<AttentionShape> getAttentionShape(seq::AttentionOp op);

/// q [B, Sq, Hq, D] as [B, Sq, Hkv, G, D]: query head h = kvh·G + g.
mlir::Value splitQueryHeads(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value query, const AttentionShape &shape);

} // namespace seqc::lowering

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_ATTENTIONSHAPE_H
