//===- AttentionMask.cpp - the mask algebra of seq.attention --------------===//

#include "passes/Conversion/SeqToLinalg/AttentionMask.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

using namespace mlir;

namespace seqc::lowering {

Value inlineModifier(OpBuilder &b, Region &region, ValueRange args) {
  Block &block = region.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), args);
  for (Operation &op : block.without_terminator())
    b.clone(op, mapping);
  auto yield = cast<seq::YieldOp>(block.getTerminator());
  return mapping.lookupOrDefault(yield.getValues()[0]);
}

std::pair<Value, Value> visibleKeyRange(OpBuilder &b, Location l,
                                        seq::AttentionOp op, Value firstQ,
                                        Value lastQ, Value kvLength) {
  auto c = [&](int64_t x) { return indexConstant(b, l, x); };
  Value start = c(0), end = kvLength;
  if (op.getRing()) // slots are not in position order: every filled one
    return {start, arith::MinSIOp::create(
                       b, l, end, c(op.getKey().getType().getDimSize(1)))};
  // A cache holds at most Skv keys: a kv_length beyond that (a caller's
  // mistake through seq_model_run) must not read past the buffer.
  int64_t slots = op.getKey().getType().getDimSize(1);
  if (!ShapedType::isDynamic(slots))
    end = arith::MinSIOp::create(b, l, end, c(slots));
  if (op.getCausal())
    end = arith::MinSIOp::create(b, l, end,
                                 arith::AddIOp::create(b, l, lastQ, c(1)));
  std::optional<int64_t> window = op.getSlidingWindow();
  if (window && !op.getGlobalTokens()) {
    start = arith::MaxSIOp::create(
        b, l, c(0),
        arith::AddIOp::create(
            b, l, arith::SubIOp::create(b, l, firstQ, c(*window)), c(1)));
    if (!op.getCausal())
      end = arith::MinSIOp::create(
          b, l, end, arith::AddIOp::create(b, l, lastQ, c(*window)));
  }
  end = arith::MaxSIOp::create(b, l, end, start);
  return {start, end};
}

AttentionPositions getAttentionPositions(OpBuilder &b, Location l, Value query,
                                         Value key, Value kvLengthOperand) {
  AttentionPositions p;
  SmallVector<OpFoldResult> qSizes = getSizes(b, l, query);
  p.batch = qSizes[0];
  p.queries = qSizes[1];
  p.queriesValue = getValueOrCreateConstantIndexOp(b, l, p.queries);
  p.kvLength =
      kvLengthOperand
          ? kvLengthOperand
          : getValueOrCreateConstantIndexOp(b, l, getSizes(b, l, key)[1]);
  p.queryBase = arith::SubIOp::create(b, l, p.kvLength, p.queriesValue);
  return p;
}

AttentionMask::AttentionMask(OpBuilder &b, Location loc, seq::AttentionOp op,
                             Value bias, Value kvLength, Value queries,
                             int64_t group)
    : op(op), bias(bias), kvLength(kvLength), queries(queries), group(group) {
  if (std::optional<DenseIntElementsAttr> attr = op.getBlockLayout())
    layout = arith::ConstantOp::create(b, loc, *attr);
}

Value AttentionMask::score(OpBuilder &b, Location l, Value dot, Value batch,
                           Value kvHead, Value member, Value row, Value key,
                           bool prescaled) const {
  Type t = dot.getType();
  seq::AttentionOp op = this->op; // ODS accessors are not const
  double scale = op.getEffectiveScale();
  auto cIdx = [&](int64_t v) { return indexConstant(b, l, v); };
  auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, l, p, x, y).getResult();
  };
  auto both = [&](Value x, Value y) {
    return arith::AndIOp::create(b, l, x, y).getResult();
  };
  using P = arith::CmpIPredicate;
  Value bi = batch;
  Value kvh = kvHead;
  Value gi = member;
  Value i = row;
  Value j = key;
  Value h = arith::AddIOp::create(
      b, l, arith::MulIOp::create(b, l, kvh, cIdx(group)), gi);
  // Queries are the last Sq of kv_length positions.
  Value qpos = arith::AddIOp::create(
      b, l, arith::SubIOp::create(b, l, kvLength, queries), i);
  // A slot's position: itself, or in a ring of Skv slots the latest
  // position = slot (mod Skv) before kv_length.
  Value kpos = j;
  if (op.getRing()) {
    Value last = arith::SubIOp::create(b, l, kvLength, cIdx(1));
    int64_t slots = op.getKey().getType().getDimSize(1);
    kpos = arith::SubIOp::create(
        b, l, last,
        arith::RemSIOp::create(b, l, arith::SubIOp::create(b, l, last, j),
                               cIdx(slots)));
  }
  Value visible = cmp(P::slt, j, kvLength);
  if (op.getCausal())
    visible = both(visible, cmp(P::sle, kpos, qpos));
  Value local = arith::ConstantIntOp::create(b, l, 1, 1);
  Value diff = arith::SubIOp::create(b, l, qpos, kpos);
  if (std::optional<int64_t> w = op.getSlidingWindow()) {
    Value near = cmp(P::slt, diff, cIdx(*w));
    if (!op.getCausal())
      near = both(
          near, cmp(P::slt, arith::SubIOp::create(b, l, kpos, qpos), cIdx(*w)));
    local = both(local, near);
  }
  if (std::optional<int64_t> rate = op.getDilationRate()) {
    Value segment = cIdx(*op.getDilationSegment());
    Value sameSegment = cmp(P::eq, arith::DivSIOp::create(b, l, qpos, segment),
                            arith::DivSIOp::create(b, l, kpos, segment));
    Value onStride =
        cmp(P::eq, arith::RemSIOp::create(b, l, diff, cIdx(*rate)), cIdx(0));
    local = both(local, both(sameSegment, onStride));
  }
  if (layout) {
    int64_t blocks = cast<ShapedType>(layout.getType()).getDimSize(0);
    Value bs = cIdx(*op.getBlockSize());
    Value qb = arith::DivSIOp::create(b, l, qpos, bs);
    Value kb = arith::DivSIOp::create(b, l, kpos, bs);
    Value inside =
        both(cmp(P::slt, qb, cIdx(blocks)), cmp(P::slt, kb, cIdx(blocks)));
    Value zero = cIdx(0);
    qb = arith::SelectOp::create(b, l, inside, qb, zero);
    kb = arith::SelectOp::create(b, l, inside, kb, zero);
    Value bit = tensor::ExtractOp::create(b, l, layout, ValueRange{qb, kb});
    local = both(local, both(inside, bit));
  }
  if (std::optional<int64_t> g = op.getGlobalTokens()) {
    Value global = arith::OrIOp::create(b, l, cmp(P::slt, qpos, cIdx(*g)),
                                        cmp(P::slt, kpos, cIdx(*g)));
    local = arith::OrIOp::create(b, l, local, global);
  }
  visible = both(visible, local);
  if (!op.getMaskMod().empty())
    visible =
        both(visible, inlineModifier(b, op.getMaskMod(), {bi, h, qpos, kpos}));

  // scale, then score_mod, then the additive bias: the order
  // of Gemma 2's soft-capping before the attention mask.
  Value s = prescaled ? dot
                      : arith::MulFOp::create(b, l, dot,
                                              floatConstant(b, l, t, scale))
                            .getResult();
  if (!op.getScoreMod().empty())
    s = inlineModifier(b, op.getScoreMod(), {s, bi, h, qpos, kpos});
  if (bias) {
    // Broadcast unit dims of the [B, Hq, Sq, Skv] bias.
    auto biasType = cast<RankedTensorType>(bias.getType());
    Value indices[4] = {bi, h, i, j};
    for (int d = 0; d < 4; ++d)
      if (biasType.getDimSize(d) == 1)
        indices[d] = cIdx(0);
    s = arith::AddFOp::create(b, l, s,
                              tensor::ExtractOp::create(b, l, bias, indices));
  }
  Value negInf = floatConstant(b, l, t, -INFINITY);
  return arith::SelectOp::create(b, l, visible, s, negInf);
}

} // namespace seqc::lowering
