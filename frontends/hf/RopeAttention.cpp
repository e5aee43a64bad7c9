//===- RopeAttention.cpp - Llama-style attention with rotary positions ----===//
//
// q/k/v projections, RoPE on queries and keys, a causal GQA attention over
// the layer's KV cache and the output projection: the attention layer of
// the hybrids that take Llama's (Bamba, ...).
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace seqc::hf {

AttentionSizes readAttentionSizes(HfConfig &c, int64_t hidden) {
  AttentionSizes a;
  a.hidden = hidden;
  a.heads = c.size("num_attention_heads", 32, 1 << 24);
  a.kvHeads = c.size("num_key_value_heads", a.heads, 1 << 24);
  a.headDim =
      c.size("head_dim", hidden / std::max<int64_t>(a.heads, 1), 1 << 16);
  a.qkvBias = a.outBias = c.boolean("attention_bias", false);
  if (a.kvHeads > 0 && a.heads % a.kvHeads != 0)
    c.fail("num_key_value_heads", "must divide num_attention_heads");
  return a;
}

Value emitRopeAttention(ModelEmitter &e, Value h, StringRef prefix,
                        StringRef stateName, const AttentionSizes &a,
                        Value positions, const RopeScaling *scaling,
                        int64_t maxPositions) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  std::string p = prefix.str();
  Value q = e.splitHeads(
      e.linear(h, p + ".q_proj", a.heads * a.headDim, a.hidden, a.qkvBias),
      a.heads, a.headDim);
  Value k = e.splitHeads(
      e.linear(h, p + ".k_proj", a.kvHeads * a.headDim, a.hidden, a.qkvBias),
      a.kvHeads, a.headDim);
  Value v = e.splitHeads(
      e.linear(h, p + ".v_proj", a.kvHeads * a.headDim, a.hidden, a.qkvBias),
      a.kvHeads, a.headDim);
  if (a.keyMultiplier != 1.0)
    k = e.scale(k, a.keyMultiplier);
  if (scaling) {
    q = rope(e, q, positions, *scaling);
    k = rope(e, k, positions, *scaling);
  }
  ModelEmitter::KvCache cache =
      e.cacheKeysValues(stateName, k, v, maxPositions, /*ring=*/false);
  Value kvLength = arith::AddIOp::create(b, loc, e.position(), e.length());
  Value o = seq::AttentionOp::create(
      b, loc, q, cache.keys, cache.values, Value(), kvLength, cache.keyScales,
      cache.valueScales, a.scale, true, nullptr, nullptr, nullptr, nullptr,
      nullptr, nullptr);
  return e.linear(e.mergeHeads(o), p + ".o_proj", a.hidden, a.heads * a.headDim,
                  a.outBias);
}

} // namespace seqc::hf
