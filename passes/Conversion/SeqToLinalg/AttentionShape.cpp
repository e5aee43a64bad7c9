//===- AttentionShape.cpp - head layout shared by attention lowerings -----===//

#include "passes/Conversion/SeqToLinalg/AttentionShape.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::lowering {

FailureOr<AttentionShape> getAttentionShape(seq::AttentionOp op) {
  auto q = cast<RankedTensorType>(op.getQuery().getType());
  auto k = cast<RankedTensorType>(op.getKey().getType());
  auto v = cast<RankedTensorType>(op.getValue().getType());
  AttentionShape s{q.getDimSize(2), k.getDimSize(2), q.getDimSize(3),
                   v.getDimSize(3), 0};
  for (int64_t d : {s.queryHeads, s.kvHeads, s.headDim, s.valueDim})
    if (ShapedType::isDynamic(d))
      return failure();
  s.group = s.queryHeads / s.kvHeads;
  return s;
}

Value splitQueryHeads(OpBuilder &b, Location loc, Value query,
                      const AttentionShape &s) {
  auto type = cast<RankedTensorType>(query.getType());
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, query);
  auto split = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), s.kvHeads, s.group, s.headDim},
      type.getElementType());
  return tensor::ExpandShapeOp::create(
      b, loc, split, query,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}},
      SmallVector<OpFoldResult>{sizes[0], sizes[1], b.getIndexAttr(s.kvHeads),
                                b.getIndexAttr(s.group),
                                b.getIndexAttr(s.headDim)});
}

} // namespace seqc::lowering
