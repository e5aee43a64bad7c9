//===- Llama.cpp - Llama, Mistral and Qwen2 -------------------------------===//
//
// Pre-norm decoder blocks: x += o_proj(attn(rope(q), rope(k), v)) on
// rmsnorm(x); x += down(act(gate(h)) · up(h)) on rmsnorm(x). Llama's
// attention_bias puts biases on q, k, v and o; Qwen2 always has q/k/v
// biases and no o bias. Mistral slides a window over every layer, Qwen2 over
// the layers its layer_types (or use_sliding_window and max_window_layers)
// name. rope_scaling linear/llama3 map to seq.rope's scaling kinds; the kinds
// that depend on the sequence length at run time (dynamic, longrope) and
// yarn are rejected.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::hf {

namespace {

/// The sliding window of each layer (0: full causal attention).
/// Mistral: `sliding_window` (default 4096 when absent, none when null) on
/// every layer. Qwen2: on the layers `layer_types` marks
/// "sliding_attention", or when it is absent, on layers >= max_window_layers
/// if use_sliding_window.
std::vector<int64_t> layerWindows(HfConfig &c, llvm::StringRef arch,
                                  int64_t layers) {
  std::vector<int64_t> windows(layers, 0);
  bool mistral = arch == "MistralForCausalLM";
  bool qwen2 = arch == "Qwen2ForCausalLM";
  if (!mistral && !qwen2)
    return windows;
  int64_t window = 0;
  if (!c.present("sliding_window"))
    window = 4096;
  else if (c.has("sliding_window"))
    window = c.size("sliding_window", INT32_MAX);
  if (qwen2 && !c.boolean("use_sliding_window", false))
    window = 0;
  std::optional<std::vector<std::string>> types = c.strings("layer_types");
  if (types && static_cast<int64_t>(types->size()) != layers) {
    c.fail("layer_types", "has " + std::to_string(types->size()) +
                              " entries for " + std::to_string(layers) +
                              " layers");
    return windows;
  }
  for (int64_t i = 0; i < layers; ++i) {
    bool sliding;
    if (types) {
      const std::string &t = (*types)[i];
      if (t != "sliding_attention" && t != "full_attention" &&
          t != "attention") {
        c.fail("layer_types",
               "'" + t + "' is not a layer type of " + arch.str());
        return windows;
      }
      sliding = t == "sliding_attention";
    } else if (mistral) {
      sliding = window > 0;
    } else {
      sliding = window > 0 && i >= c.integer("max_window_layers", 28);
    }
    // Mistral ignores layer_types (every layer slides when a window is
    // set): accept only lists that say the same.
    if (mistral && sliding != (window > 0)) {
      c.fail("layer_types", "per-layer types are not supported for Mistral "
                            "(transformers slides the window over every "
                            "layer)");
      return windows;
    }
    if (sliding && window <= 0) {
      c.fail("layer_types", "layer " + std::to_string(i) +
                                " slides but no sliding_window is in effect");
      return windows;
    }
    windows[i] = sliding ? window : 0;
  }
  if (qwen2)
    c.irrelevant({"max_window_layers"});
  return windows;
}

} // namespace

Value buildLlamaFamily(ModelEmitter &e, HfConfig &c, StringRef arch,
                       int64_t maxPositions) {
  bool llama = arch == "LlamaForCausalLM";
  bool qwen2 = arch == "Qwen2ForCausalLM";
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t heads = c.size("num_attention_heads");
  int64_t kvHeads = c.size("num_key_value_heads", heads, 1 << 24);
  int64_t vocab = c.size("vocab_size");
  int64_t inter = c.size("intermediate_size");
  int64_t headDim = c.size("head_dim", heads > 0 ? hidden / heads : 0, 1 << 16);
  double eps = c.nonNegative("rms_norm_eps", 1e-6);
  // Only Llama has these switches; Mistral and Qwen2 have fixed biases and
  // transformers ignores the keys there.
  bool attentionBias = llama && c.boolean("attention_bias", false);
  bool mlpBias = llama && c.boolean("mlp_bias", false);
  if (!llama) {
    c.requireBoolean("attention_bias", false,
                     arch.str() + " has no attention_bias switch");
    c.requireBoolean("mlp_bias", false, arch.str() + " has no mlp_bias switch");
  }
  bool qkvBias = qwen2 || attentionBias;
  seq::ActivationKind act = activationField(c, "hidden_act", "silu");
  RopeScaling scaling = readRopeScaling(c, /*defaultTheta=*/10000.0);
  // transformers >= 5 no longer reads it (tensor-parallel pretraining).
  c.irrelevant({"pretraining_tp"});
  if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0)
    c.fail("num_key_value_heads",
           "must divide num_attention_heads (" + std::to_string(heads) + ")");
  // LlamaConfig validates this even when head_dim is given.
  if (llama && heads > 0 && hidden % heads != 0)
    c.fail("num_attention_heads",
           "must divide hidden_size (" + std::to_string(hidden) + ")");
  if (headDim % 2 != 0)
    c.fail("head_dim", "must be even for rotary embeddings");
  std::vector<int64_t> windows = c.error().empty()
                                     ? layerWindows(c, arch, layers)
                                     : std::vector<int64_t>();
  if (!c.error().empty())
    return nullptr;

  OpBuilder &b = e.builder();
  Location loc = e.loc();
  e.beginForward();
  Value x = e.tokenEmbedding("model.embed_tokens.weight", vocab, hidden);
  Value positions = e.positions();
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".input_layernorm.weight", hidden, eps);
    Value q = e.splitHeads(
        e.linear(h, p + ".self_attn.q_proj", heads * headDim, hidden, qkvBias),
        heads, headDim);
    Value k = e.splitHeads(e.linear(h, p + ".self_attn.k_proj",
                                    kvHeads * headDim, hidden, qkvBias),
                           kvHeads, headDim);
    Value v = e.splitHeads(e.linear(h, p + ".self_attn.v_proj",
                                    kvHeads * headDim, hidden, qkvBias),
                           kvHeads, headDim);
    q = rope(e, q, positions, scaling);
    k = rope(e, k, positions, scaling);
    // Sliding-window layers keep a ring of window + tokens-per-call - 1
    // slots when that is smaller than the session's positions.
    int64_t window = windows[i];
    int64_t ring = e.ringSlots(window, maxPositions);
    int64_t slots = ring ? ring : maxPositions;
    ModelEmitter::KvCache cache =
        e.cacheKeysValues("layers." + std::to_string(i), k, v, slots, ring > 0);
    Value kvLength = arith::AddIOp::create(b, loc, e.position(), e.length());
    Value o = seq::AttentionOp::create(
        b, loc, q, cache.keys, cache.values, /*bias=*/Value(), kvLength,
        cache.keyScales, cache.valueScales, /*scale=*/nullptr,
        /*causal=*/true,
        window > 0 ? b.getI64IntegerAttr(window) : IntegerAttr(), nullptr,
        nullptr, nullptr, nullptr, nullptr, /*ring=*/ring > 0);
    x = e.add(x, e.linear(e.mergeHeads(o), p + ".self_attn.o_proj", hidden,
                          heads * headDim, attentionBias));

    h = e.rmsnorm(x, p + ".post_attention_layernorm.weight", hidden, eps);
    Value gate = e.linear(h, p + ".mlp.gate_proj", inter, hidden, mlpBias);
    Value up = e.linear(h, p + ".mlp.up_proj", inter, hidden, mlpBias);
    Value mlp = e.linear(e.glu(act, gate, up), p + ".mlp.down_proj", hidden,
                         inter, mlpBias);
    x = e.endLayer(e.add(x, mlp));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "model.norm.weight", hidden, eps);
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/false);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
