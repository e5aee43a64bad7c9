//===- AttentionMask.h - the mask algebra of seq.attention ------*- C++ -*-===//
//
// One implementation of "is key j visible to query i, and what is the
// score", shared by every attention lowering (reference and flash), so the
// mask semantics cannot drift between them.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CONVERSION_SEQTOLINALG_ATTENTIONMASK_H
#define SEQC_PASSES_CONVERSION_SEQTOLINALG_ATTENTIONMASK_H

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"

namespace seqc::lowering {

class AttentionMask {
public:
  /// `kvLength` and `queries` (Sq) are index values available where the
  /// scores are computed; `group` is Hq / Hkv.
  AttentionMask(mlir::OpBuilder &b, mlir::Location loc, seq::AttentionOp op,
                mlir::Value bias, mlir::Value kvLength, mlir::Value queries,
                int64_t group);

  /// The score of `dot` (= q·k) for batch `batch`, KV head `kvHead`, group
  /// member `member`, query row `row` (0 .. Sq-1) and key position `key`:
  /// score_mod(scale · dot) + bias when visible, -inf otherwise.
  /// `prescaled`: `dot` already carries the scale (folded into the query).
  mlir::Value score(mlir::OpBuilder &b, mlir::Location loc, mlir::Value dot,
                    mlir::Value batch, mlir::Value kvHead, mlir::Value member,
                    mlir::Value row, mlir::Value key,
                    bool prescaled = false) const;

private:
  seq::AttentionOp op;
  mlir::Value bias, kvLength, queries, layout;
  int64_t group;
};

/// Clones a single-block modifier region at `b` with its arguments bound to
/// `args`; returns the yielded value.
mlir::Value inlineModifier(mlir::OpBuilder &b, mlir::Region &region,
                           mlir::ValueRange args);

} // namespace seqc::lowering

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_ATTENTIONMASK_H
