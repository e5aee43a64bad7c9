//===- FuseAttention.cpp - unfused attention graphs to seq.attention ------===//
//
// Graphs exported by other tools spell attention out as linalg:
//
//   s = Q·Kᵀ            a contraction (named batch_matmul/matmul or generic),
//                       Kᵀ a transpose of K's last two dims or read through
//                       the contraction's map;
//   s = s · c | s / c   optional scaling by a constant;
//   s = s + bias        optional additive mask (any tensor; a constant
//                       causal 0/-inf triangle becomes `causal`);
//   s = select(c, s, -inf)  optional mask from loop indices only: `j <= i`
//                       becomes `causal`, any other the `mask_mod` region;
//   p = softmax(s)      linalg.softmax, seq.softmax, or the expansion
//                       max → exp(s - max) → sum → divide, over the keys;
//   o = p·V             a contraction over the keys.
//
// with [B, H, S, D] (or flattened [B·H, S, D]) operands and GQA's repeat_kv
// (a broadcast to [B, Hkv, n, S, D] collapsed to [B, Hkv·n, S, D]). The pattern
// is rooted at p·V and walks up; any step that does not match exactly (softmax
// over the queries, a mask computed from data, a transposed V, a bias added
// before the scale) leaves the graph alone. The match becomes one
// seq.attention between layout transposes; the old ops die if unused.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace seqc {
#define GEN_PASS_DEF_FUSEATTENTION
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;
namespace seq = seqc::seq;

namespace {

/// The loop dims `map` reads, in order; nullopt unless every result is a
/// plain dim.
std::optional<SmallVector<unsigned>> dimsOf(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults()) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d)
      return std::nullopt;
    dims.push_back(d.getPosition());
  }
  return dims;
}

/// The single op of a one-op body (before its yield), or null.
Operation *singleBodyOp(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (!body || body->getOperations().size() != 2)
    return nullptr;
  return &body->front();
}

bool allParallel(linalg::LinalgOp op) {
  return op.getNumLoops() == op.getNumParallelLoops();
}

/// True when `v` is a tensor filled with zeros (linalg.fill or a constant).
bool isZeroFilled(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(v, m_AnyZeroFloat());
}

/// `out = Σ lhs · rhs` over one reduction dim, into a zero-filled init.
struct Contraction {
  linalg::LinalgOp op;
  SmallVector<unsigned> lhs, rhs, out; ///< loop dims of each operand
  unsigned reduction;
};

std::optional<Contraction> matchContraction(Value result) {
  auto op = result.getDefiningOp<linalg::LinalgOp>();
  if (!op || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op) ||
      op.getNumReductionLoops() != 1 || !isZeroFilled(op.getDpsInits()[0]))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto lhs = dimsOf(maps[0]), rhs = dimsOf(maps[1]), out = dimsOf(maps[2]);
  if (!lhs || !rhs || !out)
    return std::nullopt;
  Contraction c{op, *lhs, *rhs, *out, 0};
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (unsigned d = 0; d < iters.size(); ++d)
    if (iters[d] == utils::IteratorType::reduction)
      c.reduction = d;
  return c;
}

/// An all-parallel generic whose body is one `opName` op on its inputs; the
/// operand read with the output's map is `chain`, the other `other`.
template <typename BodyOp>
std::optional<std::pair<Value, OpOperand *>> matchElementwise(Value result) {
  auto op = result.getDefiningOp<linalg::GenericOp>();
  if (!op || !allParallel(op) || op.getNumDpsInits() != 1)
    return std::nullopt;
  auto body = dyn_cast_or_null<BodyOp>(singleBodyOp(op));
  if (!body ||
      body->getResult(0) != op.getBlock()->getTerminator()->getOperand(0))
    return std::nullopt;
  AffineMap outMap = op.getIndexingMapsArray().back();
  auto first = dyn_cast<BlockArgument>(body->getOperand(0));
  if (!first || first.getOwner() != op.getBlock() ||
      first.getArgNumber() >= op.getNumDpsInputs())
    return std::nullopt;
  OpOperand *chain = op.getDpsInputOperand(first.getArgNumber());
  if (op.getMatchingIndexingMap(chain) != outMap)
    return std::nullopt;
  OpOperand *other = nullptr;
  for (OpOperand *in : op.getDpsInputOperands())
    if (in != chain)
      other = in;
  // The second operand: another input (tensor) or a value from outside.
  Value second = body->getOperand(1);
  if (auto arg = dyn_cast<BlockArgument>(second)) {
    if (arg.getOwner() != op.getBlock() ||
        arg.getArgNumber() >= op.getNumDpsInputs() ||
        op.getDpsInputOperand(arg.getArgNumber()) != other)
      return std::nullopt;
  } else if (other) {
    return std::nullopt;
  }
  return std::make_pair(chain->get(), other);
}

/// The constant scalar a scaling body multiplies or divides by.
std::optional<double> scalarConstant(linalg::GenericOp op, OpOperand *other) {
  Value second = singleBodyOp(op)->getOperand(1);
  FloatAttr value;
  if (!isa<BlockArgument>(second)) {
    if (matchPattern(second, m_Constant(&value)))
      return value.getValueAsDouble();
    return std::nullopt;
  }
  DenseFPElementsAttr splat;
  if (other && matchPattern(other->get(), m_Constant(&splat)) &&
      splat.isSplat())
    return splat.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

/// The logits a softmax over the last dim reads, or null.
Value matchSoftmax(Value p, SmallVectorImpl<Operation *> &matched) {
  auto type = dyn_cast<RankedTensorType>(p.getType());
  if (!type)
    return nullptr;
  int64_t last = type.getRank() - 1;
  if (auto sm = p.getDefiningOp<linalg::SoftmaxOp>()) {
    if (int64_t(sm.getDimension()) != last)
      return nullptr;
    matched.push_back(sm);
    return sm.getInput();
  }
  if (auto sm = p.getDefiningOp<seq::SoftmaxOp>()) {
    int64_t axis = static_cast<int64_t>(sm.getAxis()); // I64Attr is unsigned
    if (axis < 0)
      axis += type.getRank();
    if (axis != last)
      return nullptr;
    matched.push_back(sm);
    return sm.getInput();
  }
  // p = e / sum_j(e), e = exp(x - max_j(x)); the reduced operands are read
  // through maps that drop exactly the last loop dim.
  auto dropsLast = [](AffineMap map, unsigned loops) {
    auto dims = dimsOf(map);
    if (!dims || dims->size() != loops - 1)
      return false;
    for (unsigned i = 0; i + 1 < loops; ++i)
      if ((*dims)[i] != i)
        return false;
    return true;
  };
  auto div = matchElementwise<arith::DivFOp>(p);
  if (!div || !div->second)
    return nullptr;
  auto divOp = p.getDefiningOp<linalg::GenericOp>();
  unsigned loops = divOp.getNumLoops();
  if (!dropsLast(divOp.getMatchingIndexingMap(div->second), loops))
    return nullptr;
  Value e = div->first, sum = div->second->get();
  auto sumOp = sum.getDefiningOp<linalg::GenericOp>();
  if (!sumOp || sumOp.getNumDpsInputs() != 1 ||
      sumOp.getNumReductionLoops() != 1 ||
      sumOp.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      !isa_and_nonnull<arith::AddFOp>(singleBodyOp(sumOp)) ||
      sumOp.getDpsInputs()[0] != e || !isZeroFilled(sumOp.getDpsInits()[0]) ||
      !sumOp.getMatchingIndexingMap(sumOp.getDpsInputOperand(0)).isIdentity())
    return nullptr;
  // e = exp(x - m): a generic whose body is sub then exp.
  auto expOp = e.getDefiningOp<linalg::GenericOp>();
  if (!expOp || !allParallel(expOp) || expOp.getNumDpsInputs() != 2)
    return nullptr;
  Block *body = expOp.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto exp = yield.getOperand(0).getDefiningOp<math::ExpOp>();
  auto sub = exp ? exp.getOperand().getDefiningOp<arith::SubFOp>() : nullptr;
  if (!sub || body->getOperations().size() != 3 ||
      sub.getLhs() != body->getArgument(0) ||
      sub.getRhs() != body->getArgument(1) ||
      !expOp.getIndexingMapsArray()[0].isIdentity() ||
      !dropsLast(expOp.getIndexingMapsArray()[1], loops))
    return nullptr;
  Value x = expOp.getDpsInputs()[0], max = expOp.getDpsInputs()[1];
  auto maxOp = max.getDefiningOp<linalg::GenericOp>();
  Operation *maxBody = maxOp ? singleBodyOp(maxOp) : nullptr;
  if (!maxOp || maxOp.getNumDpsInputs() != 1 || maxOp.getDpsInputs()[0] != x ||
      maxOp.getNumReductionLoops() != 1 ||
      maxOp.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      !isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(maxBody))
    return nullptr;
  matched.append({divOp, sumOp, expOp, maxOp});
  return x;
}

/// K (or V) before GQA's repeat_kv: collapse_shape([B, Hkv, n, S, D] →
/// [B, Hkv·n, S, D]) of a broadcast along dim 2; otherwise `v` itself.
Value unrepeatKv(Value v) {
  auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getSrcType().getRank() != 5)
    return v;
  SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
  if (groups.size() != 4 || groups[1] != ReassociationIndices{1, 2})
    return v;
  auto broadcast = collapse.getSrc().getDefiningOp<linalg::BroadcastOp>();
  if (!broadcast || broadcast.getDimensions() != ArrayRef<int64_t>{2})
    return v;
  return broadcast.getInput();
}

/// A constant [.., S, S] mask of 0 on and below the diagonal and -inf (or a
/// huge negative) above: causal attention.
bool isCausalMaskConstant(Value bias) {
  DenseFPElementsAttr values;
  if (!matchPattern(bias, m_Constant(&values)))
    return false;
  auto type = cast<ShapedType>(values.getType());
  int64_t rank = type.getRank();
  if (rank < 2 || type.getDimSize(rank - 1) != type.getDimSize(rank - 2))
    return false;
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (type.getDimSize(d) != 1)
      return false;
  int64_t n = type.getDimSize(rank - 1), index = 0;
  for (APFloat v : values.getValues<APFloat>()) {
    int64_t i = index / n, j = index % n;
    double x = v.convertToDouble();
    if (j <= i ? x != 0.0 : !(x <= -1e30))
      return false;
    ++index;
  }
  return true;
}

/// `select(cond, x, -inf)` (or `select(cond, -inf, x)`) on the logits with
/// `cond` computed from loop indices only: an index-only mask.
struct SelectMask {
  linalg::GenericOp op;
  Value cond;
  bool visibleWhenTrue;
};

std::optional<SelectMask> matchSelectMask(Value x) {
  auto op = x.getDefiningOp<linalg::GenericOp>();
  if (!op || !allParallel(op) || op.getNumDpsInputs() != 1 ||
      !op.getIndexingMapsArray()[0].isIdentity())
    return std::nullopt;
  Block *body = op.getBlock();
  auto select =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::SelectOp>();
  if (!select)
    return std::nullopt;
  auto hidden = [](Value v) {
    FloatAttr c;
    return matchPattern(v, m_Constant(&c)) && c.getValueAsDouble() <= -1e30;
  };
  Value logits = body->getArgument(0);
  SelectMask mask{op, select.getCondition(), true};
  if (select.getTrueValue() == logits && hidden(select.getFalseValue()))
    mask.visibleWhenTrue = true;
  else if (select.getFalseValue() == logits && hidden(select.getTrueValue()))
    mask.visibleWhenTrue = false;
  else
    return std::nullopt;
  // The condition may read loop indices and constants, nothing else.
  SmallVector<Value> work = {mask.cond};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || def->getNumRegions() != 0)
      return std::nullopt; // a block argument: data
    if (isa<linalg::IndexOp, arith::ConstantOp>(def))
      continue;
    if (def->getDialect() != select->getDialect() || !isPure(def))
      return std::nullopt;
    for (Value operand : def->getOperands())
      work.push_back(operand);
  }
  return mask;
}

struct Match {
  Value q, k, v, bias;
  double scale = 1.0;
  bool causal = false;
  std::optional<SelectMask> mask; ///< becomes causal or mask_mod
  unsigned batchDims;             ///< 2 for [B, H, S, D], 1 for [B·H, S, D]
  SmallVector<Operation *> ops;
};

std::optional<Match> matchAttention(Value out) {
  std::optional<Contraction> pv = matchContraction(out);
  if (!pv)
    return std::nullopt;
  unsigned rank = pv->out.size();
  if (rank != 3 && rank != 4)
    return std::nullopt;
  Match m;
  m.batchDims = rank - 2;
  unsigned nb = m.batchDims, J = pv->reduction;
  // o[b.., I, E] = Σ_J p[b.., I, J] · v[b.., J, E]; V in this order only.
  for (unsigned d = 0; d < nb; ++d)
    if (pv->lhs[d] != pv->out[d] || pv->rhs[d] != pv->out[d])
      return std::nullopt;
  if (pv->lhs.size() != rank || pv->rhs.size() != rank ||
      pv->lhs[nb] != pv->out[nb] || pv->lhs[nb + 1] != J || pv->rhs[nb] != J ||
      pv->rhs[nb + 1] != pv->out[nb + 1])
    return std::nullopt;
  m.ops.push_back(pv->op);
  Value p = pv->op.getDpsInputs()[0];
  m.v = pv->op.getDpsInputs()[1];

  Value x = matchSoftmax(p, m.ops);
  if (!x)
    return std::nullopt;
  // Walk up: bias (last), then scaling, then Q·Kᵀ; an index-only select
  // mask anywhere (before a positive scale).
  bool scaled = false;
  while (true) {
    if (auto mask = matchSelectMask(x)) {
      if (m.mask)
        return std::nullopt;
      m.mask = mask;
      m.ops.push_back(mask->op);
      x = mask->op.getDpsInputs()[0];
      continue;
    }
    if (auto add = matchElementwise<arith::AddFOp>(x)) {
      auto op = x.getDefiningOp<linalg::GenericOp>();
      if (m.bias || scaled || !add->second)
        return std::nullopt; // one bias, added after the scale
      auto dims = dimsOf(op.getMatchingIndexingMap(add->second));
      unsigned loops = op.getNumLoops();
      // The bias reads the logits' dims or only the last two (a [S, S] mask).
      if (!dims || !(dims->size() == loops || dims->size() == 2))
        return std::nullopt;
      for (unsigned i = 0; i < dims->size(); ++i)
        if ((*dims)[i] != loops - dims->size() + i)
          return std::nullopt;
      m.bias = add->second->get();
      m.ops.push_back(op);
      x = add->first;
      continue;
    }
    auto mul = matchElementwise<arith::MulFOp>(x);
    auto div = mul ? mul : matchElementwise<arith::DivFOp>(x);
    if (div) {
      auto op = x.getDefiningOp<linalg::GenericOp>();
      std::optional<double> c = scalarConstant(op, div->second);
      // A negative scale would turn a mask's -inf into +inf.
      if (!c || *c == 0.0 || (m.mask && *c < 0))
        return std::nullopt;
      m.scale *= mul ? *c : 1.0 / *c;
      scaled = true;
      m.ops.push_back(op);
      x = div->first;
      continue;
    }
    break;
  }
  std::optional<Contraction> qk = matchContraction(x);
  if (!qk || qk->out.size() != rank)
    return std::nullopt;
  // s[b.., I, J] = Σ_R q[b.., I, R] · k[b.., J, R] (or kᵀ[b.., R, J]).
  unsigned I = qk->out[nb], Jq = qk->out[nb + 1], R = qk->reduction;
  for (unsigned d = 0; d < nb; ++d)
    if (qk->lhs[d] != qk->out[d] || qk->rhs[d] != qk->out[d])
      return std::nullopt;
  if (qk->lhs.size() != rank || qk->rhs.size() != rank || qk->lhs[nb] != I ||
      qk->lhs[nb + 1] != R)
    return std::nullopt;
  m.q = qk->op.getDpsInputs()[0];
  m.k = qk->op.getDpsInputs()[1];
  if (qk->rhs[nb] == R && qk->rhs[nb + 1] == Jq) {
    // Kᵀ as a tensor: only a transpose of K's last two dims.
    auto t = m.k.getDefiningOp<linalg::TransposeOp>();
    SmallVector<int64_t> swap;
    for (unsigned d = 0; d < nb; ++d)
      swap.push_back(d);
    swap.append({int64_t(nb) + 1, int64_t(nb)});
    if (!t || t.getPermutation() != ArrayRef<int64_t>(swap))
      return std::nullopt;
    m.ops.push_back(t);
    m.k = t.getInput();
  } else if (!(qk->rhs[nb] == Jq && qk->rhs[nb + 1] == R)) {
    return std::nullopt;
  }
  m.ops.push_back(qk->op);
  // An index-only mask speaks of positions: queries and keys must coincide.
  auto logits = cast<RankedTensorType>(x.getType());
  if (m.mask && (logits.isDynamicDim(nb) || logits.isDynamicDim(nb + 1) ||
                 logits.getDimSize(nb) != logits.getDimSize(nb + 1)))
    return std::nullopt;
  if (m.bias && isCausalMaskConstant(m.bias)) {
    m.bias = nullptr;
    m.causal = true;
  }
  // GQA: both K and V repeated, or neither.
  Value k = unrepeatKv(m.k), v = unrepeatKv(m.v);
  if ((k != m.k) == (v != m.v)) {
    m.k = k;
    m.v = v;
  }
  return m;
}

/// [B, H, S, D] → [B, S, H, D]; [N, S, D] → [N, S, 1, D].
Value toSeqLayout(OpBuilder &b, Location loc, Value x, unsigned batchDims) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  if (batchDims == 2) {
    SmallVector<OpFoldResult> outSizes = {sizes[0], sizes[2], sizes[1],
                                          sizes[3]};
    Value init =
        tensor::EmptyOp::create(b, loc, outSizes, type.getElementType());
    return linalg::TransposeOp::create(b, loc, x, init,
                                       ArrayRef<int64_t>{0, 2, 1, 3})
        .getResult()[0];
  }
  auto expanded = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), 1, type.getDimSize(2)},
      type.getElementType());
  return tensor::ExpandShapeOp::create(
      b, loc, expanded, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
      SmallVector<OpFoldResult>{sizes[0], sizes[1], b.getIndexAttr(1),
                                sizes[2]});
}

/// The bias as [B, Hq, Sq, Skv] with unit dims where it broadcasts.
Value toBiasLayout(OpBuilder &b, Location loc, Value bias, unsigned rank) {
  auto type = cast<RankedTensorType>(bias.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, bias);
  SmallVector<OpFoldResult> outSizes;
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> groups;
  if (type.getRank() == 4)
    return bias;
  // [N, S, S] → [N, 1, S, S]; [S, S] → [1, 1, S, S].
  if (type.getRank() == 3 && rank == 3) {
    shape = {type.getDimSize(0), 1, type.getDimSize(1), type.getDimSize(2)};
    outSizes = {sizes[0], b.getIndexAttr(1), sizes[1], sizes[2]};
    groups = {{0, 1}, {2}, {3}};
  } else {
    shape = {1, 1, type.getDimSize(0), type.getDimSize(1)};
    outSizes = {b.getIndexAttr(1), b.getIndexAttr(1), sizes[0], sizes[1]};
    groups = {{0, 1, 2}, {3}};
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), bias, groups,
      outSizes);
}

/// `j <= i` as the mask's visible condition (rows i, keys j): causal.
bool isCausalCompare(const SelectMask &mask, unsigned batchDims) {
  auto cmp = mask.cond.getDefiningOp<arith::CmpIOp>();
  if (!cmp)
    return false;
  auto dim = [](Value v) -> int64_t {
    auto index = v.getDefiningOp<linalg::IndexOp>();
    return index ? int64_t(index.getDim()) : -1;
  };
  int64_t lhs = dim(cmp.getLhs()), rhs = dim(cmp.getRhs());
  int64_t i = batchDims, j = batchDims + 1;
  using P = arith::CmpIPredicate;
  P p = cmp.getPredicate();
  // visible when (j <= i); masked when (j > i).
  bool jLeI = (lhs == j && rhs == i && (p == P::sle || p == P::ule)) ||
              (lhs == i && rhs == j && (p == P::sge || p == P::uge));
  bool jGtI = (lhs == j && rhs == i && (p == P::sgt || p == P::ugt)) ||
              (lhs == i && rhs == j && (p == P::slt || p == P::ult));
  return mask.visibleWhenTrue ? jLeI : jGtI;
}

/// The mask's condition as seq.attention's mask_mod (b, h, i, j): the
/// logits' loop indices are (b, h, i, j) for [B, H, S, S] and (b, i, j) for
/// [B·H, S, S]; queries and keys are positions because Sq = Skv.
void buildMaskMod(OpBuilder &b, seq::AttentionOp attention,
                  const SelectMask &mask, unsigned batchDims) {
  OpBuilder::InsertionGuard guard(b);
  Location loc = attention.getLoc();
  Type index = b.getIndexType();
  Block *block =
      b.createBlock(&attention.getMaskMod(), {}, {index, index, index, index},
                    {loc, loc, loc, loc});
  SmallVector<Value> dims = {block->getArgument(0)};
  if (batchDims == 2)
    dims.push_back(block->getArgument(1));
  dims.append({block->getArgument(2), block->getArgument(3)});
  // Clone the condition's slice in definition order.
  IRMapping mapping;
  SetVector<Operation *> slice;
  SmallVector<Value> work = {mask.cond};
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!slice.insert(def))
      continue;
    for (Value operand : def->getOperands())
      work.push_back(operand);
  }
  // Constants from outside the generic first, then its body's ops in order.
  Block *body = linalg::GenericOp(mask.op).getBlock();
  SmallVector<Operation *> ordered;
  for (Operation *op : slice)
    if (op->getBlock() != body)
      ordered.push_back(op);
  for (Operation &op : *body)
    if (slice.contains(&op))
      ordered.push_back(&op);
  for (Operation *op : ordered) {
    if (auto idx = dyn_cast<linalg::IndexOp>(op)) {
      mapping.map(idx.getResult(), dims[idx.getDim()]);
      continue;
    }
    b.clone(*op, mapping);
  }
  Value visible = mapping.lookup(mask.cond);
  if (!mask.visibleWhenTrue)
    visible = arith::XOrIOp::create(b, loc, visible,
                                    arith::ConstantIntOp::create(b, loc, 1, 1));
  seq::YieldOp::create(b, loc, visible);
}

struct FuseAttentionPass : seqc::impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> roots;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op->getNumResults() == 1)
        roots.push_back(op);
    });
    // Walk from the last op up so a match never consumes a later root.
    llvm::DenseSet<Operation *> erased;
    for (linalg::LinalgOp root : llvm::reverse(roots)) {
      if (erased.contains(root))
        continue;
      if (std::optional<Match> m = matchAttention(root->getResult(0)))
        rewrite(root, *m, erased);
    }
  }

  void rewrite(linalg::LinalgOp root, Match &m,
               llvm::DenseSet<Operation *> &erasedOps) {
    OpBuilder b(root);
    Location loc = root.getLoc();
    Value q = toSeqLayout(b, loc, m.q, m.batchDims);
    Value k = toSeqLayout(b, loc, m.k, m.batchDims);
    Value v = toSeqLayout(b, loc, m.v, m.batchDims);
    Value bias =
        m.bias ? toBiasLayout(b, loc, m.bias, m.batchDims + 2) : Value();
    auto attention = seq::AttentionOp::create(
        b, loc, q, k, v, bias, /*kv_length=*/Value(),
        /*key_scales=*/Value(), /*value_scales=*/Value(),
        b.getF32FloatAttr(static_cast<float>(m.scale)), m.causal,
        /*sliding_window=*/nullptr, nullptr, nullptr, nullptr, nullptr,
        nullptr);
    if (m.mask && !isCausalCompare(*m.mask, m.batchDims))
      buildMaskMod(b, attention, *m.mask, m.batchDims);
    else if (m.mask)
      attention.setCausal(true);
    Value o = attention.getResult();
    auto outType = cast<RankedTensorType>(root->getResult(0).getType());
    if (m.batchDims == 2) {
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, o);
      Value init = tensor::EmptyOp::create(
          b, loc,
          SmallVector<OpFoldResult>{sizes[0], sizes[2], sizes[1], sizes[3]},
          outType.getElementType());
      o = linalg::TransposeOp::create(b, loc, o, init,
                                      ArrayRef<int64_t>{0, 2, 1, 3})
              .getResult()[0];
    } else {
      o = tensor::CollapseShapeOp::create(
          b, loc, o, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    }
    if (o.getType() != outType)
      o = tensor::CastOp::create(b, loc, outType, o);
    root->getResult(0).replaceAllUsesWith(o);
    // The unfused ops, now dead unless something else reads them.
    bool erased = true;
    while (erased) {
      erased = false;
      for (Operation *&op : m.ops)
        if (op && op->use_empty()) {
          erasedOps.insert(op);
          op->erase();
          op = nullptr;
          erased = true;
        }
    }
  }
};

} // namespace
