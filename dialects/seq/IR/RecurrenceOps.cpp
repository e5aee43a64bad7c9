//===- RecurrenceOps.cpp - scans, recurrences and causal conv -------------===//
//
// Verifiers and result inference of the recurrent mixers. Each returns its
// output (shaped like its main input) and the state after the last step.
//
//===----------------------------------------------------------------------===//

#include "dialects/seq/IR/SeqOps.h"
#include "dialects/seq/IR/VerifyUtils.h"

#include <cmath>

using namespace mlir;
using namespace seqc::seq;
using namespace seqc::seq::detail;

/// Pushes the output type (the main input's) and a state type whose dims are
/// taken from (type, dim) pairs; a missing dim stays dynamic.
static LogicalResult
inferOutputAndState(Type main, ArrayRef<std::pair<Type, int64_t>> stateDims,
                    SmallVectorImpl<Type> &results) {
  Type element = elementTypeOf(main);
  if (!isa_and_nonnull<RankedTensorType>(main) || !element)
    return failure();
  SmallVector<int64_t> shape;
  for (auto [type, dim] : stateDims)
    shape.push_back(dimOrDynamic(type, dim));
  results.push_back(main);
  results.push_back(RankedTensorType::get(shape, element));
  return success();
}

static LogicalResult verifyChunkSize(Operation *op,
                                     std::optional<int64_t> chunkSize) {
  if (chunkSize && *chunkSize <= 0)
    return op->emitOpError("expected chunk_size > 0, got ") << *chunkSize;
  return success();
}

//===----------------------------------------------------------------------===//
// SelectiveScanOp
//===----------------------------------------------------------------------===//

LogicalResult
SelectiveScanOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  Type u = adaptor.getU().getType();
  // final_state [B, D, N]
  return inferOutputAndState(u, {{u, 0}, {u, 2}, {adaptor.getA().getType(), 1}},
                             results);
}

LogicalResult SelectiveScanOp::verify() {
  NamedTensor u(getU(), "u"), a(getA(), "A");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchShape(*this, NamedTensor(getDelta(), "delta"),
                        {{&u, 0}, {&u, 1}, {&u, 2}})) ||
      failed(matchDim(*this, a, 0, u, 2)))
    return failure();
  for (auto [value, name] : {std::pair{getB(), "B"}, std::pair{getC(), "C"}})
    if (failed(matchShape(*this, NamedTensor(value, name),
                          {{&u, 0}, {&u, 1}, {&a, 1}})))
      return failure();
  if (getD() && failed(matchShape(*this, NamedTensor(getD(), "D"), {{&u, 2}})))
    return failure();
  if (getZ() && failed(matchShape(*this, NamedTensor(getZ(), "z"),
                                  {{&u, 0}, {&u, 1}, {&u, 2}})))
    return failure();
  if (getDeltaBias() &&
      failed(matchShape(*this, NamedTensor(getDeltaBias(), "delta_bias"),
                        {{&u, 2}})))
    return failure();
  if (getInitialState() &&
      failed(matchShape(*this, NamedTensor(getInitialState(), "initial_state"),
                        {{&u, 0}, {&u, 2}, {&a, 1}})))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// SSDOp
//===----------------------------------------------------------------------===//

LogicalResult SSDOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  Type x = adaptor.getX().getType();
  // final_state [B, H, P, N]
  return inferOutputAndState(
      x, {{x, 0}, {x, 2}, {x, 3}, {adaptor.getB().getType(), 3}}, results);
}

LogicalResult SSDOp::verify() {
  NamedTensor x(getX(), "x"), b(getB(), "B");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchShape(*this, NamedTensor(getDt(), "dt"),
                        {{&x, 0}, {&x, 1}, {&x, 2}})) ||
      failed(matchShape(*this, NamedTensor(getA(), "A"), {{&x, 2}})) ||
      failed(matchShape(*this, b, {{&x, 0}, {&x, 1}, {&b, 2}, {&b, 3}})) ||
      failed(matchShape(*this, NamedTensor(getC(), "C"),
                        {{&x, 0}, {&x, 1}, {&b, 2}, {&b, 3}})))
    return failure();
  int64_t heads = x.dim(2), groups = b.dim(2);
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(groups) &&
      (groups == 0 || heads % groups != 0))
    return emitOpError("expected x heads (dim 2, ")
           << heads << ") to be a multiple of B/C groups (dim 2, " << groups
           << ")";
  if (getD() && failed(matchShape(*this, NamedTensor(getD(), "D"), {{&x, 2}})))
    return failure();
  if (getZ() && failed(matchShape(*this, NamedTensor(getZ(), "z"),
                                  {{&x, 0}, {&x, 1}, {&x, 2}, {&x, 3}})))
    return failure();
  if (getDtBias() &&
      failed(matchShape(*this, NamedTensor(getDtBias(), "dt_bias"), {{&x, 2}})))
    return failure();
  if (getInitialState() &&
      failed(matchShape(*this, NamedTensor(getInitialState(), "initial_state"),
                        {{&x, 0}, {&x, 2}, {&x, 3}, {&b, 3}})))
    return failure();
  if (std::optional<ArrayRef<float>> limit = getDtLimit()) {
    if (limit->size() != 2)
      return emitOpError("expected dt_limit to hold [min, max], got ")
             << limit->size() << " values";
    if (!((*limit)[0] <= (*limit)[1]))
      return emitOpError("expected dt_limit min (")
             << formatFloat((*limit)[0]) << ") <= max ("
             << formatFloat((*limit)[1]) << ")";
  }
  return verifyChunkSize(*this, getChunkSize());
}

//===----------------------------------------------------------------------===//
// LinearAttentionOp
//===----------------------------------------------------------------------===//

/// Linear attention and the delta rule: output [B, L, H, V] from query
/// [B, L, H, K] and value [..., V]; final state [B, H, K, V].
static LogicalResult inferQueryValueState(Type q, Type v,
                                          SmallVectorImpl<Type> &results) {
  auto query = dyn_cast<RankedTensorType>(q);
  if (!query || query.getRank() != 4)
    return failure();
  SmallVector<int64_t> shape(query.getShape());
  shape[3] = dimOrDynamic(v, 3);
  results.push_back(RankedTensorType::get(shape, query.getElementType()));
  SmallVector<int64_t> state = {shape[0], shape[2], query.getDimSize(3),
                                shape[3]};
  results.push_back(RankedTensorType::get(state, query.getElementType()));
  return success();
}

LogicalResult
LinearAttentionOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &results) {
  return inferQueryValueState(adaptor.getQuery().getType(),
                              adaptor.getValue().getType(), results);
}

LogicalResult LinearAttentionOp::verify() {
  NamedTensor q(getQuery(), "query"), v(getValue(), "value");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchShape(*this, NamedTensor(getKey(), "key"),
                        {{&q, 0}, {&q, 1}, {&q, 2}, {&q, 3}})) ||
      failed(matchShape(*this, v, {{&q, 0}, {&q, 1}, {&q, 2}, {&v, 3}})))
    return failure();
  if (Value decay = getLogDecay()) {
    NamedTensor g(decay, "log_decay");
    // [H] per head, [B, L, H] per step, [B, L, H, K] per key channel.
    SmallVector<std::pair<const NamedTensor *, int64_t>> dims;
    if (g.rank() == 1)
      dims = {{&q, 2}};
    else if (g.rank() == 3)
      dims = {{&q, 0}, {&q, 1}, {&q, 2}};
    else
      dims = {{&q, 0}, {&q, 1}, {&q, 2}, {&q, 3}};
    if (failed(matchShape(*this, g, dims)))
      return failure();
  }
  if (getInitialState() &&
      failed(matchShape(*this, NamedTensor(getInitialState(), "initial_state"),
                        {{&q, 0}, {&q, 2}, {&q, 3}, {&v, 3}})))
    return failure();
  return verifyChunkSize(*this, getChunkSize());
}

//===----------------------------------------------------------------------===//
// DeltaRuleOp
//===----------------------------------------------------------------------===//

LogicalResult DeltaRuleOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferQueryValueState(adaptor.getQuery().getType(),
                              adaptor.getValue().getType(), results);
}

LogicalResult DeltaRuleOp::verify() {
  NamedTensor q(getQuery(), "query"), v(getValue(), "value");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchShape(*this, NamedTensor(getKey(), "key"),
                        {{&q, 0}, {&q, 1}, {&q, 2}, {&q, 3}})) ||
      failed(matchShape(*this, v, {{&q, 0}, {&q, 1}, {&q, 2}, {&v, 3}})) ||
      failed(matchShape(*this, NamedTensor(getBeta(), "beta"),
                        {{&q, 0}, {&q, 1}, {&q, 2}})))
    return failure();
  if (getLogDecay() &&
      failed(matchShape(*this, NamedTensor(getLogDecay(), "log_decay"),
                        {{&q, 0}, {&q, 1}, {&q, 2}})))
    return failure();
  if (getInitialState() &&
      failed(matchShape(*this, NamedTensor(getInitialState(), "initial_state"),
                        {{&q, 0}, {&q, 2}, {&q, 3}, {&v, 3}})))
    return failure();
  return verifyChunkSize(*this, getChunkSize());
}

//===----------------------------------------------------------------------===//
// MlstmOp
//===----------------------------------------------------------------------===//

LogicalResult MlstmOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  Type q = adaptor.getQuery().getType(), v = adaptor.getValue().getType();
  Type element = elementTypeOf(v);
  if (!isa_and_nonnull<RankedTensorType>(q) ||
      !isa_and_nonnull<RankedTensorType>(v) || !element)
    return failure();
  int64_t b = dimOrDynamic(q, 0), h = dimOrDynamic(q, 2),
          k = dimOrDynamic(q, 3), d = dimOrDynamic(v, 3);
  results.push_back(v);
  results.push_back(RankedTensorType::get({b, h, k, d}, element));
  results.push_back(RankedTensorType::get({b, h, k}, element));
  results.push_back(RankedTensorType::get({b, h}, element));
  return success();
}

LogicalResult MlstmOp::verify() {
  NamedTensor q(getQuery(), "query"), v(getValue(), "value");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchShape(*this, NamedTensor(getKey(), "key"),
                        {{&q, 0}, {&q, 1}, {&q, 2}, {&q, 3}})) ||
      failed(matchShape(*this, v, {{&q, 0}, {&q, 1}, {&q, 2}, {&v, 3}})) ||
      failed(matchShape(*this, NamedTensor(getIgate(), "igate"),
                        {{&q, 0}, {&q, 1}, {&q, 2}})) ||
      failed(matchShape(*this, NamedTensor(getFgate(), "fgate"),
                        {{&q, 0}, {&q, 1}, {&q, 2}})))
    return failure();
  Value c0 = getInitialMemory(), n0 = getInitialNormalizer(),
        m0 = getInitialStabilizer();
  if (!c0 != !n0 || !c0 != !m0)
    return emitOpError("expects initial_memory, initial_normalizer and "
                       "initial_stabilizer together or not at all");
  if (c0 && (failed(matchShape(*this, NamedTensor(c0, "initial_memory"),
                               {{&q, 0}, {&q, 2}, {&q, 3}, {&v, 3}})) ||
             failed(matchShape(*this, NamedTensor(n0, "initial_normalizer"),
                               {{&q, 0}, {&q, 2}, {&q, 3}})) ||
             failed(matchShape(*this, NamedTensor(m0, "initial_stabilizer"),
                               {{&q, 0}, {&q, 2}}))))
    return failure();
  if (getEpsilon().convertToDouble() < 0 ||
      !std::isfinite(getEpsilon().convertToDouble()))
    return emitOpError("expects a finite epsilon >= 0");
  return verifyChunkSize(*this, getChunkSize());
}

//===----------------------------------------------------------------------===//
// WkvOp
//===----------------------------------------------------------------------===//

LogicalResult WkvOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  Type key = adaptor.getKey().getType();
  // final_state [B, 3, C]: rows a, d, m.
  if (failed(inferOutputAndState(key, {{key, 0}, {key, 2}, {key, 2}}, results)))
    return failure();
  auto state = cast<RankedTensorType>(results.back());
  results.back() = RankedTensorType::get(
      {state.getDimSize(0), 3, state.getDimSize(1)}, state.getElementType());
  return success();
}

LogicalResult WkvOp::verify() {
  NamedTensor k(getKey(), "key");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchShape(*this, NamedTensor(getValue(), "value"),
                        {{&k, 0}, {&k, 1}, {&k, 2}})) ||
      failed(matchShape(*this, NamedTensor(getLogDecay(), "log_decay"),
                        {{&k, 2}})) ||
      failed(matchShape(*this, NamedTensor(getBonus(), "bonus"), {{&k, 2}})))
    return failure();
  if (Value init = getInitialState()) {
    NamedTensor s(init, "initial_state");
    if (failed(matchDim(*this, s, 0, k, 0)) ||
        failed(matchDim(*this, s, 2, k, 2)))
      return failure();
    if (!ShapedType::isDynamic(s.dim(1)) && s.dim(1) != 3)
      return emitOpError("expected initial_state dim 1 to be 3 (rows a, d, "
                         "m), got ")
             << s.dim(1);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// CausalConv1dOp
//===----------------------------------------------------------------------===//

LogicalResult CausalConv1dOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location>,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  Type input = adaptor.getInput().getType();
  if (failed(inferOutputAndState(input, {{input, 0}, {input, 2}}, results)))
    return failure();
  // final_state [B, C, K-1]: the taps minus the current input.
  auto state = cast<RankedTensorType>(results.back());
  int64_t taps = dimOrDynamic(adaptor.getWeight().getType(), 1);
  int64_t history = ShapedType::isDynamic(taps) ? taps : taps - 1;
  results.back() =
      RankedTensorType::get({state.getDimSize(0), state.getDimSize(1), history},
                            state.getElementType());
  return success();
}

LogicalResult CausalConv1dOp::verify() {
  NamedTensor input(getInput(), "input"), weight(getWeight(), "weight");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchDim(*this, weight, 0, input, 2)))
    return failure();
  int64_t taps = weight.dim(1);
  if (!ShapedType::isDynamic(taps) && taps < 1)
    return emitOpError("expected at least one tap in weight dim 1, got ")
           << taps;
  if (getBias() &&
      failed(matchShape(*this, NamedTensor(getBias(), "bias"), {{&input, 2}})))
    return failure();
  if (Value state = getState()) {
    NamedTensor s(state, "state");
    if (failed(matchDim(*this, s, 0, input, 0)) ||
        failed(matchDim(*this, s, 1, input, 2)))
      return failure();
    if (!ShapedType::isDynamic(taps) && !ShapedType::isDynamic(s.dim(2)) &&
        s.dim(2) != taps - 1)
      return emitOpError("expected state dim 2 (")
             << s.dim(2) << ") to be weight dim 1 minus one (" << taps - 1
             << ")";
  }
  return success();
}
