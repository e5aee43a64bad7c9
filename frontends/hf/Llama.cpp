//===- Llama.cpp - Llama, Mistral and Qwen2 -------------------------------===//
//
// Pre-norm decoder blocks: x += o_proj(attn(rope(q), rope(k), v)) on
// rmsnorm(x); x += down(silu(gate(h)) · up(h)) on rmsnorm(x). Mistral adds a
// sliding window, Qwen2 q/k/v biases; rope_scaling linear/llama3 map to
// seq.rope's scaling kinds.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::hf {

namespace {

/// Reads rope_scaling into seq.rope attributes; records unsupported kinds.
struct RopeScaling {
  seq::RopeScalingKind kind = seq::RopeScalingKind::none;
  double factor = 1, low = 1, high = 4;
  int64_t original = 0;
};

/// transformers >= 5 writes "rope_parameters" (with rope_theta inside);
/// older configs "rope_scaling" beside a top-level "rope_theta".
RopeScaling readRopeScaling(HfConfig &config) {
  RopeScaling r;
  const llvm::json::Object *obj = config.object("rope_parameters");
  if (!obj)
    obj = config.object("rope_scaling");
  if (!obj)
    return r;
  std::optional<llvm::StringRef> type = obj->getString("rope_type");
  if (!type)
    type = obj->getString("type");
  if (!type || *type == "default")
    return r;
  r.factor = obj->getNumber("factor").value_or(1.0);
  if (*type == "linear") {
    r.kind = seq::RopeScalingKind::linear;
  } else if (*type == "llama3") {
    r.kind = seq::RopeScalingKind::llama3;
    r.low = obj->getNumber("low_freq_factor").value_or(1.0);
    r.high = obj->getNumber("high_freq_factor").value_or(4.0);
    r.original = obj->getInteger("original_max_position_embeddings").value_or(0);
    if (r.original <= 0)
      config.fail("rope_scaling", "llama3 scaling needs "
                                  "original_max_position_embeddings");
  } else {
    config.fail("rope_scaling",
                "rope_type '" + type->str() +
                    "' is not supported (default, linear, llama3 are)");
  }
  return r;
}

Value rope(ModelEmitter &e, Value x, Value positions, double theta,
           const RopeScaling &s) {
  OpBuilder &b = e.builder();
  bool scaled = s.kind != seq::RopeScalingKind::none;
  bool llama3 = s.kind == seq::RopeScalingKind::llama3;
  return seq::RopeOp::create(
      b, e.loc(), x, positions, b.getF64FloatAttr(theta),
      /*rotary_dim=*/nullptr, /*interleaved=*/nullptr,
      seq::RopeScalingKindAttr::get(b.getContext(), s.kind),
      scaled ? b.getF64FloatAttr(s.factor) : FloatAttr(),
      llama3 ? b.getF64FloatAttr(s.low) : FloatAttr(),
      llama3 ? b.getF64FloatAttr(s.high) : FloatAttr(),
      llama3 ? b.getI64IntegerAttr(s.original) : IntegerAttr());
}

} // namespace

Value buildLlamaFamily(ModelEmitter &e, HfConfig &c, StringRef arch,
                       int64_t maxPositions) {
  bool mistral = arch == "MistralForCausalLM";
  bool qwen2 = arch == "Qwen2ForCausalLM";
  int64_t hidden = c.integer("hidden_size");
  int64_t layers = c.integer("num_hidden_layers");
  int64_t heads = c.integer("num_attention_heads");
  int64_t kvHeads = c.integer("num_key_value_heads", heads);
  int64_t vocab = c.integer("vocab_size");
  int64_t inter = c.integer("intermediate_size");
  int64_t headDim = c.integer("head_dim", heads ? hidden / heads : 0);
  double eps = c.number("rms_norm_eps", 1e-6);
  double theta = c.number("rope_theta", 10000.0);
  if (const llvm::json::Object *params = c.object("rope_parameters"))
    theta = params->getNumber("rope_theta").value_or(theta);
  bool tied = c.boolean("tie_word_embeddings", false);
  bool qkvBias = qwen2 || c.boolean("attention_bias", false);
  bool mlpBias = c.boolean("mlp_bias", false);
  std::string act = c.string("hidden_act", "silu");
  RopeScaling scaling = readRopeScaling(c);
  int64_t window = 0;
  if (mistral && c.has("sliding_window"))
    window = c.integer("sliding_window", 0);
  if (qwen2 && c.boolean("use_sliding_window", false))
    c.fail("use_sliding_window",
           "Qwen2's per-layer sliding window is not supported yet");
  if (act != "silu")
    c.fail("hidden_act", "'" + act + "' is not supported (silu is)");
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    c.fail("num_key_value_heads", "must divide num_attention_heads (" +
                                      std::to_string(heads) + ")");
  if (!c.error().empty())
    return nullptr;

  OpBuilder &b = e.builder();
  Location loc = e.loc();
  e.beginForward();
  Value table = e.weight("model.embed_tokens.weight", {vocab, hidden});
  Value x = seq::EmbeddingOp::create(b, loc, table, e.ids());
  Value positions = e.positions();
  for (int64_t i = 0; i < layers; ++i) {
    std::string p = "model.layers." + std::to_string(i);
    Value h = e.rmsnorm(x, p + ".input_layernorm.weight", hidden, eps);
    Value q = e.splitHeads(e.linear(h, p + ".self_attn.q_proj", heads * headDim,
                                    hidden, qkvBias),
                           heads, headDim);
    Value k = e.splitHeads(e.linear(h, p + ".self_attn.k_proj",
                                    kvHeads * headDim, hidden, qkvBias),
                           kvHeads, headDim);
    Value v = e.splitHeads(e.linear(h, p + ".self_attn.v_proj",
                                    kvHeads * headDim, hidden, qkvBias),
                           kvHeads, headDim);
    q = rope(e, q, positions, theta, scaling);
    k = rope(e, k, positions, theta, scaling);
    std::string kName = "layers." + std::to_string(i) + ".k_cache";
    std::string vName = "layers." + std::to_string(i) + ".v_cache";
    // Sliding-window layers keep a ring of window + tokens-per-call - 1
    // slots when that is smaller than the session's positions.
    int64_t ring = e.ringSlots(window, maxPositions);
    int64_t slots = ring ? ring : maxPositions;
    Value kState = e.addState(kName, {1, slots, kvHeads, headDim});
    Value vState = e.addState(vName, {1, slots, kvHeads, headDim});
    Value kc = ring ? e.appendToRing(kState, k) : e.appendToCache(kState, k);
    Value vc = ring ? e.appendToRing(vState, v) : e.appendToCache(vState, v);
    e.setState(kName, kc);
    e.setState(vName, vc);
    Value kvLength = arith::AddIOp::create(b, loc, e.position(), e.length());
    Value o = seq::AttentionOp::create(
        b, loc, q, kc, vc, /*bias=*/Value(), kvLength, /*scale=*/nullptr,
        /*causal=*/true,
        window > 0 ? b.getI64IntegerAttr(window) : IntegerAttr(), nullptr,
        nullptr, nullptr, nullptr, nullptr, /*ring=*/ring > 0);
    x = e.add(x, e.linear(e.mergeHeads(o), p + ".self_attn.o_proj", hidden,
                          heads * headDim, false));

    h = e.rmsnorm(x, p + ".post_attention_layernorm.weight", hidden, eps);
    Value gate = e.linear(h, p + ".mlp.gate_proj", inter, hidden, mlpBias);
    Value up = e.linear(h, p + ".mlp.up_proj", inter, hidden, mlpBias);
    Value mlp = e.linear(e.glu(seq::ActivationKind::silu, gate, up),
                         p + ".mlp.down_proj", hidden, inter, mlpBias);
    x = e.add(x, mlp);
  }
  x = e.rmsnorm(x, "model.norm.weight", hidden, eps);
  // Tied heads reuse the embedding table (the checkpoint has no lm_head).
  std::string head = tied || !e.hasWeight("lm_head.weight")
                         ? "model.embed_tokens"
                         : "lm_head";
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
