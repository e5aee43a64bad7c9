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
/// Keys [start, end) that the causal and sliding-window terms leave visible
/// to queries at absolute positions firstQ .. lastQ (end >= start). Global
/// tokens disable the window bound; a ring cache gives its filled slots.
std::pair<mlir::Value, mlir::Value>
visibleKeyRange(mlir::OpBuilder &b, mlir::Location loc, seq::AttentionOp op,
                mlir::Value firstQ, mlir::Value lastQ, mlir::Value kvLength);

/// Positions of one seq.attention call: Sq, the key count kv_length (the
/// operand, else Skv) and the first query's position kv_length - Sq.
struct AttentionPositions {
  mlir::OpFoldResult batch, queries;
  mlir::Value queriesValue, kvLength, queryBase;
};
AttentionPositions getAttentionPositions(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::Value query, mlir::Value key,
                                         mlir::Value kvLengthOperand);

mlir::Value inlineModifier(mlir::OpBuilder &b, mlir::Region &region,
                           mlir::ValueRange args);

} // namespace seqc::lowering

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_ATTENTIONMASK_H
