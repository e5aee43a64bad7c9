//===- GgufImporter.cpp - seqc import gguf --------------------------------===//
//
// The file's metadata becomes the config.json transformers would build from
// it (transformers' own GGUF loader maps the same keys), and the Hugging
// Face importer does the rest on the file's tensors. Fail closed: every
// metadata key is read, or known not to change the computation (general.*
// descriptions, the tokenizer's keys, which the runtime's tokenizer reads,
// imatrix provenance), or the import stops naming it.
//
//===----------------------------------------------------------------------===//

#include "frontends/gguf/GgufImporter.h"

#include "frontends/hf/HfConfig.h"
#include "frontends/hf/ModelEmitter.h"

#include "Gguf.h"
#include "GgufCheckpoint.h"
#include "SafeTensors.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cmath>
#include <optional>
#include <set>

using namespace mlir;

namespace seqc::gguf {

namespace {

using seqrt::gguf::Value;
using seqrt::gguf::ValueType;

/// Typed reads of the metadata that remember what was read; the first
/// problem is kept, naming its key.
class Metadata {
public:
  explicit Metadata(const seqrt::gguf::File &file) : file(file) {}

  const std::string &error() const { return firstError; }
  void fail(const std::string &key, const std::string &why) {
    if (firstError.empty())
      firstError = file.path() + ": metadata '" + key + "' " + why;
  }

  const Value *find(const std::string &key) {
    used.insert(key);
    return file.find(key);
  }

  /// An integer >= `min`; `fallback` when absent (nullopt: required).
  int64_t integer(const std::string &key, std::optional<int64_t> fallback,
                  int64_t min = 1) {
    const Value *v = find(key);
    if (!v) {
      if (!fallback)
        fail(key, "is missing");
      return fallback.value_or(min);
    }
    if (!v->isInteger() || v->type == ValueType::Bool || v->integer < min) {
      fail(key, "must be an integer >= " + std::to_string(min) + ", got " +
                    v->describe());
      return min;
    }
    return v->integer;
  }

  /// A finite number (f32, f64 or an integer); `fallback` when absent.
  double number(const std::string &key, std::optional<double> fallback) {
    const Value *v = find(key);
    if (!v) {
      if (!fallback)
        fail(key, "is missing");
      return fallback.value_or(0);
    }
    double d = v->isFloat() ? v->real : static_cast<double>(v->integer);
    if ((!v->isFloat() && !v->isInteger()) || !std::isfinite(d)) {
      fail(key, "must be a finite number, got " + v->describe());
      return fallback.value_or(0);
    }
    return d;
  }

  std::string string(const std::string &key, const std::string &fallback) {
    const Value *v = find(key);
    if (!v)
      return fallback;
    if (v->type != ValueType::String) {
      fail(key, "must be a string, got " + v->describe());
      return fallback;
    }
    return v->string;
  }

  /// Records an error for the first key neither read nor under one of
  /// `prefixes` (keys that describe, not compute).
  void checkAccounted(std::initializer_list<llvm::StringRef> prefixes,
                      const std::string &arch) {
    for (const auto &[key, value] : file.metadata()) {
      if (used.count(key))
        continue;
      bool described = false;
      for (llvm::StringRef p : prefixes)
        described |= llvm::StringRef(key).starts_with(p);
      if (!described)
        fail(key, "(" + value.describe() + ") is not read by seqc's " + arch +
                      " import; it may change what the model computes");
    }
  }

private:
  const seqrt::gguf::File &file;
  std::set<std::string> used;
  std::string firstError;
};

struct Architecture;
using ConfigReader = llvm::json::Object (*)(Metadata &, const Architecture &,
                                            const seqrt::WeightStore &);

/// The vocabulary size: the token embedding's rows, checked against
/// `<arch>.vocab_size` when the file has it.
int64_t vocabSize(Metadata &m, const std::string &p,
                  const seqrt::TensorInfo *embedding) {
  int64_t vocab = embedding && !embedding->shape.empty()
                      ? embedding->shape[0]
                      : m.integer(p + "vocab_size", std::nullopt);
  if (m.integer(p + "vocab_size", vocab) != vocab)
    m.fail(p + "vocab_size", "differs from the " + std::to_string(vocab) +
                                 " rows of token_embd.weight");
  return vocab;
}

/// The config.json of a GPT-2 file. llama.cpp runs GPT-2 with the tanh
/// GELU (transformers' gelu_new) and 1/sqrt(head_dim) attention scaling.
llvm::json::Object gpt2Config(Metadata &m, const Architecture &,
                              const seqrt::WeightStore &weights) {
  llvm::json::Object c;
  c["architectures"] = llvm::json::Array{"GPT2LMHeadModel"};
  c["model_type"] = "gpt2";
  c["n_embd"] = m.integer("gpt2.embedding_length", std::nullopt);
  c["n_layer"] = m.integer("gpt2.block_count", std::nullopt);
  c["n_head"] = m.integer("gpt2.attention.head_count", std::nullopt);
  c["n_positions"] = m.integer("gpt2.context_length", std::nullopt);
  c["n_inner"] = m.integer("gpt2.feed_forward_length", std::nullopt);
  c["layer_norm_epsilon"] =
      m.number("gpt2.attention.layer_norm_epsilon", std::nullopt);
  c["activation_function"] = "gelu_new";
  c["vocab_size"] =
      vocabSize(m, "gpt2.", weights.find("transformer.wte.weight"));
  c["tie_word_embeddings"] = weights.find("lm_head.weight") == nullptr;
  return c;
}

/// What Mamba and Mamba2 files share: sizes, the zero MLP and attention
/// sizes llama.cpp writes for them, biases and the head from the tensors.
void stateSpaceConfig(Metadata &m, const std::string &arch, const char *name,
                      llvm::json::Object &c,
                      const seqrt::WeightStore &weights) {
  std::string p = arch + ".";
  c["num_hidden_layers"] = m.integer(p + "block_count", std::nullopt);
  c["state_size"] = m.integer(p + "ssm.state_size", std::nullopt);
  c["conv_kernel"] = m.integer(p + "ssm.conv_kernel", std::nullopt);
  c["layer_norm_epsilon"] =
      m.number(p + "attention.layer_norm_rms_epsilon", std::nullopt);
  // No context limit: the length is informational.
  m.integer(p + "context_length", 0, 0);
  if (m.integer(p + "feed_forward_length", 0, 0) != 0)
    m.fail(p + "feed_forward_length",
           std::string("is not 0: ") + name + " has no MLP");
  if (m.integer(p + "attention.head_count", 0, 0) != 0)
    m.fail(p + "attention.head_count",
           std::string("is not 0: ") + name + " has no attention");
  c["hidden_act"] = "silu";
  c["use_bias"] =
      weights.find("backbone.layers.0.mixer.in_proj.bias") != nullptr;
  c["use_conv_bias"] =
      weights.find("backbone.layers.0.mixer.conv1d.bias") != nullptr;
  c["vocab_size"] = vocabSize(m, p, weights.find("backbone.embeddings.weight"));
  c["tie_word_embeddings"] = weights.find("lm_head.weight") == nullptr;
}

/// The config.json of a Mamba file; ssm.dt_b_c_rms (Falcon-Mamba's norms
/// of dt, B and C) is refused.
llvm::json::Object mambaConfig(Metadata &m, const Architecture &,
                               const seqrt::WeightStore &weights) {
  llvm::json::Object c;
  c["architectures"] = llvm::json::Array{"MambaForCausalLM"};
  c["model_type"] = "mamba";
  c["hidden_size"] = m.integer("mamba.embedding_length", std::nullopt);
  c["intermediate_size"] = m.integer("mamba.ssm.inner_size", std::nullopt);
  c["time_step_rank"] = m.integer("mamba.ssm.time_step_rank", std::nullopt);
  if (const Value *rms = m.find("mamba.ssm.dt_b_c_rms"))
    if (rms->type != ValueType::Bool || rms->integer)
      m.fail("mamba.ssm.dt_b_c_rms",
             "is not false (Falcon-Mamba's normalised dt, B and C are not "
             "supported)");
  stateSpaceConfig(m, "mamba", "Mamba", c, weights);
  return c;
}

/// The config.json of a Mamba2 file: its heads are ssm.time_step_rank,
/// the expansion inner / hidden. llama.cpp neither clamps dt nor reads a
/// chunk size (a schedule), and applies the gated RMSNorm after the gate.
llvm::json::Object mamba2Config(Metadata &m, const Architecture &,
                                const seqrt::WeightStore &weights) {
  llvm::json::Object c;
  c["architectures"] = llvm::json::Array{"Mamba2ForCausalLM"};
  c["model_type"] = "mamba2";
  int64_t hidden = m.integer("mamba2.embedding_length", std::nullopt);
  int64_t inner = m.integer("mamba2.ssm.inner_size", std::nullopt);
  int64_t heads = m.integer("mamba2.ssm.time_step_rank", std::nullopt);
  if (inner % hidden != 0)
    m.fail("mamba2.ssm.inner_size", "is not a multiple of the embedding "
                                    "length (transformers expands by a "
                                    "whole factor)");
  if (inner % heads != 0)
    m.fail("mamba2.ssm.time_step_rank", "(the head count) does not divide "
                                        "ssm.inner_size");
  c["hidden_size"] = hidden;
  c["expand"] = inner / hidden;
  c["num_heads"] = heads;
  c["head_dim"] = inner / heads;
  c["n_groups"] = m.integer("mamba2.ssm.group_count", 1);
  stateSpaceConfig(m, "mamba2", "Mamba2", c, weights);
  return c;
}

/// The config.json of a BERT file (an encoder: seqc's `embed` entry, the
/// last hidden state and its mean). BERT's activation is the exact GELU
/// (the file does not say; llama.cpp computes the tanh approximation).
/// The pooling type only says what llama.cpp returns from the hidden
/// states: none and mean are what `embed` gives; others are refused.
llvm::json::Object bertConfig(Metadata &m, const Architecture &,
                              const seqrt::WeightStore &weights) {
  llvm::json::Object c;
  c["architectures"] = llvm::json::Array{"BertModel"};
  c["model_type"] = "bert";
  c["hidden_size"] = m.integer("bert.embedding_length", std::nullopt);
  c["num_hidden_layers"] = m.integer("bert.block_count", std::nullopt);
  c["num_attention_heads"] =
      m.integer("bert.attention.head_count", std::nullopt);
  c["intermediate_size"] = m.integer("bert.feed_forward_length", std::nullopt);
  c["max_position_embeddings"] = m.integer("bert.context_length", std::nullopt);
  c["layer_norm_eps"] =
      m.number("bert.attention.layer_norm_epsilon", std::nullopt);
  c["type_vocab_size"] = m.integer("bert.token_type_count", 2);
  c["hidden_act"] = "gelu";
  if (const Value *causal = m.find("bert.attention.causal"))
    if (causal->type != ValueType::Bool || causal->integer)
      m.fail("bert.attention.causal", "is not false (a causal BERT is not "
                                      "supported)");
  int64_t pooling = m.integer("bert.pooling_type", 1, 0);
  if (pooling > 1)
    m.fail("bert.pooling_type",
           "is " + std::to_string(pooling) +
               "; seqc's embedding gives the hidden states and their mean "
               "(pooling none = 0 or mean = 1)");
  c["vocab_size"] =
      vocabSize(m, "bert.", weights.find("embeddings.word_embeddings.weight"));
  return c;
}

/// The (period, offset) with layer i in `layers` exactly when i % period
/// == offset, i < count; nullopt when no such pair exists. No layer: a
/// period past the last layer.
std::optional<std::pair<int64_t, int64_t>>
layerPattern(const std::vector<int64_t> &layers, int64_t count) {
  if (layers.empty())
    return std::pair<int64_t, int64_t>{count + 1, count};
  for (int64_t period = 1; period <= count; ++period) {
    int64_t offset = layers.front();
    if (offset >= period)
      continue;
    std::vector<int64_t> expected;
    for (int64_t i = offset; i < count; i += period)
      expected.push_back(i);
    if (expected == layers)
      return std::pair<int64_t, int64_t>{period, offset};
  }
  return std::nullopt;
}

/// `<p>attention.head_count_kv` per layer: an array of one count per layer
/// (0: a layer without attention), or one count for every layer; `heads`
/// when absent.
std::vector<int64_t> kvHeadsPerLayer(Metadata &m, const std::string &p,
                                     int64_t layers, int64_t heads) {
  std::vector<int64_t> kv;
  if (const Value *v = m.find(p + "attention.head_count_kv")) {
    if (v->isArray() && v->integers.size() == static_cast<size_t>(layers))
      kv = v->integers;
    else if (v->isInteger() && v->type != ValueType::Bool)
      kv.assign(static_cast<size_t>(layers), v->integer);
    else
      m.fail(p + "attention.head_count_kv",
             "must be an integer or one per layer, got " + v->describe());
  } else {
    kv.assign(static_cast<size_t>(layers), heads);
  }
  return kv;
}

/// The config.json of a Jamba file. llama.cpp marks attention layers by a
/// non-zero KV head count per layer and MoE layers by their router tensor;
/// transformers places both by a period and an offset, so the layers must
/// follow one.
llvm::json::Object jambaConfig(Metadata &m, const Architecture &,
                               const seqrt::WeightStore &weights) {
  llvm::json::Object c;
  c["architectures"] = llvm::json::Array{"JambaForCausalLM"};
  c["model_type"] = "jamba";
  const std::string p = "jamba.";
  int64_t hidden = m.integer(p + "embedding_length", std::nullopt);
  int64_t layers = m.integer(p + "block_count", std::nullopt);
  int64_t heads = m.integer(p + "attention.head_count", std::nullopt);
  c["hidden_size"] = hidden;
  c["num_hidden_layers"] = layers;
  c["num_attention_heads"] = heads;
  c["intermediate_size"] = m.integer(p + "feed_forward_length", std::nullopt);
  c["rms_norm_eps"] =
      m.number(p + "attention.layer_norm_rms_epsilon", std::nullopt);
  c["hidden_act"] = "silu";
  // No positional embedding: the length is informational.
  m.integer(p + "context_length", 0, 0);
  // Per-layer KV heads (0: a Mamba layer), or one count for every layer.
  std::vector<int64_t> kv = kvHeadsPerLayer(m, p, layers, heads);
  std::vector<int64_t> attention;
  int64_t kvHeads = 0;
  for (size_t i = 0; i < kv.size(); ++i) {
    if (kv[i] == 0)
      continue;
    if (kv[i] < 0 || (kvHeads && kv[i] != kvHeads))
      m.fail(p + "attention.head_count_kv",
             "holds different KV head counts; transformers' Jamba has one");
    kvHeads = kv[i];
    attention.push_back(static_cast<int64_t>(i));
  }
  auto attn = layerPattern(attention, layers);
  if (!attn)
    m.fail(p + "attention.head_count_kv",
           "places attention layers other than every n-th from an offset "
           "(transformers' attn_layer_period and attn_layer_offset)");
  c["num_key_value_heads"] = kvHeads ? kvHeads : heads;
  c["attn_layer_period"] = attn ? attn->first : 1;
  c["attn_layer_offset"] = attn ? attn->second : 0;
  int64_t experts = m.integer(p + "expert_count", 0, 0);
  int64_t used = m.integer(p + "expert_used_count", 0, 0);
  std::vector<int64_t> moe;
  for (int64_t i = 0; i < layers; ++i)
    if (weights.find("model.layers." + std::to_string(i) +
                     ".feed_forward.router.weight"))
      moe.push_back(i);
  auto experted = layerPattern(moe, layers);
  if (!experted)
    m.fail(p + "expert_count",
           "is used by layers other than every n-th from an offset "
           "(transformers' expert_layer_period and expert_layer_offset)");
  if (!moe.empty() && (experts < 2 || used < 1 || used > experts))
    m.fail(p + "expert_used_count",
           "must be in [1, expert_count] with expert_count >= 2 for the "
           "MoE layers");
  c["num_experts"] = moe.empty() ? 1 : experts;
  c["num_experts_per_tok"] = moe.empty() ? 1 : used;
  c["expert_layer_period"] = experted ? experted->first : 1;
  c["expert_layer_offset"] = experted ? experted->second : 0;
  int64_t inner = m.integer(p + "ssm.inner_size", std::nullopt);
  if (inner % hidden != 0)
    m.fail(p + "ssm.inner_size", "is not a multiple of the embedding length "
                                 "(transformers expands by a whole factor)");
  c["mamba_expand"] = inner / hidden;
  c["mamba_d_state"] = m.integer(p + "ssm.state_size", std::nullopt);
  c["mamba_d_conv"] = m.integer(p + "ssm.conv_kernel", std::nullopt);
  c["mamba_dt_rank"] = m.integer(p + "ssm.time_step_rank", std::nullopt);
  // Biases from the first Mamba layer's tensors.
  int64_t mamba = 0;
  while (mamba < layers && mamba < static_cast<int64_t>(kv.size()) &&
         kv[static_cast<size_t>(mamba)] != 0)
    ++mamba;
  std::string mixer = "model.layers." + std::to_string(mamba) + ".mamba.";
  c["mamba_conv_bias"] = weights.find(mixer + "conv1d.bias") != nullptr;
  c["mamba_proj_bias"] = weights.find(mixer + "in_proj.bias") != nullptr;
  c["vocab_size"] = vocabSize(m, p, weights.find("model.embed_tokens.weight"));
  c["tie_word_embeddings"] = weights.find("lm_head.weight") == nullptr;
  return c;
}

/// The config.json of an LFM2 file, as transformers' GGUF loader builds
/// it: attention layers are those with KV heads (the others short
/// convolutions), feed_forward_length is the MLP's width as it is (no
/// LFM2 adjustment), the final norm is token_embd_norm.
llvm::json::Object lfm2Config(Metadata &m, const Architecture &,
                              const seqrt::WeightStore &weights) {
  llvm::json::Object c;
  c["architectures"] = llvm::json::Array{"Lfm2ForCausalLM"};
  c["model_type"] = "lfm2";
  const std::string p = "lfm2.";
  int64_t hidden = m.integer(p + "embedding_length", std::nullopt);
  int64_t layers = m.integer(p + "block_count", std::nullopt);
  int64_t heads = m.integer(p + "attention.head_count", std::nullopt);
  c["hidden_size"] = hidden;
  c["num_hidden_layers"] = layers;
  c["num_attention_heads"] = heads;
  c["intermediate_size"] = m.integer(p + "feed_forward_length", std::nullopt);
  c["block_auto_adjust_ff_dim"] = false;
  c["max_position_embeddings"] = m.integer(p + "context_length", std::nullopt);
  c["norm_eps"] =
      m.number(p + "attention.layer_norm_rms_epsilon", std::nullopt);
  c["rope_theta"] = m.number(p + "rope.freq_base", 1000000.0);
  c["conv_L_cache"] = m.integer(p + "shortconv.l_cache", std::nullopt);
  if (m.integer(p + "rope.dimension_count", heads > 0 ? hidden / heads : 1) !=
      (heads > 0 ? hidden / heads : 1))
    m.fail(p + "rope.dimension_count",
           "differs from the head size (partial rotary embeddings are not "
           "supported for lfm2)");
  // KV heads per layer: 0 marks a convolution layer.
  std::vector<int64_t> kv = kvHeadsPerLayer(m, p, layers, heads);
  llvm::json::Array types;
  int64_t kvHeads = 0;
  for (int64_t n : kv) {
    if (n < 0 || (n > 0 && kvHeads && n != kvHeads))
      m.fail(p + "attention.head_count_kv",
             "holds different KV head counts; transformers' LFM2 has one");
    if (n > 0)
      kvHeads = n;
    types.push_back(n > 0 ? "full_attention" : "conv");
  }
  c["num_key_value_heads"] = kvHeads ? kvHeads : heads;
  c["layer_types"] = std::move(types);
  // Biases from the first convolution layer's tensors.
  int64_t conv = 0;
  while (conv < static_cast<int64_t>(kv.size()) &&
         kv[static_cast<size_t>(conv)] != 0)
    ++conv;
  c["conv_bias"] = weights.find("model.layers." + std::to_string(conv) +
                                ".conv.in_proj.bias") != nullptr;
  c["vocab_size"] = vocabSize(m, p, weights.find("model.embed_tokens.weight"));
  c["tie_word_embeddings"] = weights.find("lm_head.weight") == nullptr;
  return c;
}

llvm::json::Object llamaConfig(Metadata &m, const Architecture &a,
                               const seqrt::WeightStore &weights);

/// What a GGUF architecture becomes.
struct Architecture {
  const char *gguf, *transformers, *modelType;
  ConfigReader config;
};
const Architecture kArchitectures[] = {
    {"llama", "LlamaForCausalLM", "llama", llamaConfig},
    {"qwen2", "Qwen2ForCausalLM", "qwen2", llamaConfig},
    {"gpt2", "GPT2LMHeadModel", "gpt2", gpt2Config},
    {"mamba", "MambaForCausalLM", "mamba", mambaConfig},
    {"mamba2", "Mamba2ForCausalLM", "mamba2", mamba2Config},
    {"bert", "BertModel", "bert", bertConfig},
    {"jamba", "JambaForCausalLM", "jamba", jambaConfig},
    {"lfm2", "Lfm2ForCausalLM", "lfm2", lfm2Config},
};

/// The config.json of a Llama-family file (llama.cpp's LLM_KV_* keys).
llvm::json::Object llamaConfig(Metadata &m, const Architecture &a,
                               const seqrt::WeightStore &weights) {
  std::string p = std::string(a.gguf) + ".";
  llvm::json::Object c;
  c["architectures"] = llvm::json::Array{a.transformers};
  c["model_type"] = a.modelType;
  int64_t hidden = m.integer(p + "embedding_length", std::nullopt);
  int64_t heads = m.integer(p + "attention.head_count", std::nullopt);
  int64_t kvHeads = m.integer(p + "attention.head_count_kv", heads);
  c["hidden_size"] = hidden;
  c["intermediate_size"] = m.integer(p + "feed_forward_length", std::nullopt);
  c["num_hidden_layers"] = m.integer(p + "block_count", std::nullopt);
  c["num_attention_heads"] = heads;
  c["num_key_value_heads"] = kvHeads;
  c["max_position_embeddings"] = m.integer(p + "context_length", std::nullopt);
  c["rms_norm_eps"] =
      m.number(p + "attention.layer_norm_rms_epsilon", std::nullopt);
  c["rope_theta"] = m.number(p + "rope.freq_base", 10000.0);
  c["hidden_act"] = "silu";
  int64_t headDim =
      m.integer(p + "attention.key_length", heads > 0 ? hidden / heads : 1);
  if (m.integer(p + "attention.value_length", headDim) != headDim)
    m.fail(p + "attention.value_length",
           "differs from the key length; seqc's attention has one head size");
  c["head_dim"] = headDim;
  if (m.integer(p + "rope.dimension_count", headDim) != headDim)
    m.fail(p + "rope.dimension_count",
           "differs from the head size " + std::to_string(headDim) +
               " (partial rotary embeddings are not supported for " + a.gguf +
               ")");
  if (m.integer(p + "expert_count", 0, 0) > 0 ||
      m.integer(p + "expert_used_count", 0, 0) > 0)
    m.fail(p + "expert_count", "is not 0: mixture-of-experts " +
                                   std::string(a.gguf) +
                                   " models are not supported");
  std::string scaling = m.string(p + "rope.scaling.type", "none");
  if (scaling == "linear") {
    llvm::json::Object rope;
    rope["rope_type"] = "linear";
    rope["factor"] = m.number(p + "rope.scaling.factor", std::nullopt);
    c["rope_scaling"] = std::move(rope);
  } else if (scaling != "none") {
    m.fail(p + "rope.scaling.type",
           "'" + scaling + "' is not supported (none and linear are)");
  }
  // Whether a file fine-tuned with scaling: informational in llama.cpp.
  m.find(p + "rope.scaling.finetuned");
  c["vocab_size"] = vocabSize(m, p, weights.find("model.embed_tokens.weight"));
  c["tie_word_embeddings"] = weights.find("lm_head.weight") == nullptr;
  if (std::string(a.gguf) == "llama") {
    c["attention_bias"] =
        weights.find("model.layers.0.self_attn.q_proj.bias") != nullptr;
    c["mlp_bias"] = false;
  } else {
    c["use_sliding_window"] = false;
  }
  return c;
}

/// `message` with each quoted Hugging Face tensor name followed by the
/// name it has (or would have) in the GGUF file.
std::string withGgufNames(const std::string &message, const std::string &arch) {
  std::string out;
  size_t at = 0;
  while (true) {
    size_t open = message.find('\'', at);
    size_t close =
        open == std::string::npos ? open : message.find('\'', open + 1);
    if (close == std::string::npos) {
      out += message.substr(at);
      return out;
    }
    std::string name = message.substr(open + 1, close - open - 1);
    out += message.substr(at, close + 1 - at);
    std::string gguf = seqrt::ggufTensorName(arch, name);
    if (!gguf.empty())
      out += " (GGUF '" + gguf + "')";
    at = close + 1;
  }
}

} // namespace

std::vector<std::string> supportedArchitectures() {
  std::vector<std::string> names;
  for (const Architecture &a : kArchitectures)
    names.push_back(a.gguf);
  return names;
}

OwningOpRef<ModuleOp> importGguf(MLIRContext *context, const std::string &path,
                                 const hf::ImportOptions &options,
                                 std::string &error) {
  if (options.weights != hf::WeightFormat::Auto) {
    error = "--weights applies to Hugging Face folders; a GGUF file's "
            "tensors are read in the formats it stores";
    return nullptr;
  }
  if (!seqrt::gguf::File::hasMagic(path)) {
    error = path + ": not a GGUF file (no 'GGUF' magic)";
    return nullptr;
  }
  std::unique_ptr<seqrt::WeightStore> weights =
      seqrt::WeightStore::open(path, error);
  if (!weights)
    return nullptr;
  const seqrt::gguf::File &file = *weights->ggufFile();
  Metadata metadata(file);
  std::string arch = metadata.string("general.architecture", "");
  const Architecture *architecture = nullptr;
  for (const Architecture &a : kArchitectures)
    if (arch == a.gguf)
      architecture = &a;
  if (!architecture) {
    error =
        path + ": architecture '" + arch + "' is not supported; supported: ";
    for (const Architecture &a : kArchitectures)
      error += std::string(a.gguf) +
               (&a != std::end(kArchitectures) - 1 ? ", " : "");
    return nullptr;
  }
  // A model split over several files (llama-gguf-split) is read whole.
  if (metadata.integer("split.count", 1) != 1)
    metadata.fail("split.count",
                  "is not 1: merge the parts first (llama-gguf-split --merge)");
  metadata.integer("split.no", 0, 0);
  metadata.integer("split.tensors.count", 0, 0);
  metadata.find("general.alignment"); // read by the file reader
  // Llama 3.1's rotary scaling, evaluated by the converter into one divisor
  // per rotated pair (llama.cpp's freq_factors).
  std::vector<double> ropeFactors;
  if (const seqrt::TensorInfo *freqs = weights->find("rope_freqs.weight")) {
    std::vector<float> values(static_cast<size_t>(freqs->numel()));
    if (arch != "llama" || freqs->shape.size() != 1 ||
        !seqrt::readTensor(*freqs, seqrt::DType::F32, values.data())) {
      error = path + ": tensor 'rope_freqs.weight' must be an f32 vector of "
                     "a llama file";
      return nullptr;
    }
    for (float v : values) {
      if (!(v > 0) || !std::isfinite(v)) {
        error = path + ": tensor 'rope_freqs.weight' holds a factor that is "
                       "not positive and finite";
        return nullptr;
      }
      ropeFactors.push_back(v);
    }
  }
  llvm::json::Object root =
      architecture->config(metadata, *architecture, *weights);
  int64_t pairs = root.getInteger("head_dim").value_or(0) / 2;
  if (!ropeFactors.empty() &&
      static_cast<int64_t>(ropeFactors.size()) != pairs) {
    error = path + ": tensor 'rope_freqs.weight' has " +
            std::to_string(ropeFactors.size()) + " factors; the head size " +
            std::to_string(2 * pairs) + " rotates " + std::to_string(pairs) +
            " pairs";
    return nullptr;
  }
  metadata.checkAccounted({"general.", "tokenizer.", "quantize.imatrix."},
                          arch);
  if (!metadata.error().empty()) {
    error = metadata.error();
    return nullptr;
  }
  hf::HfConfig config =
      hf::HfConfig::fromObject(std::move(root), path + " (metadata)");
  OwningOpRef<ModuleOp> module =
      hf::importModel(context, config, std::move(weights), path, options, error,
                      /*rewritten=*/nullptr, [&](hf::ModelEmitter &emitter) {
                        if (ropeFactors.empty())
                          return;
                        emitter.setRopeFrequencyFactors(ropeFactors);
                        emitter.markUsed("rope_freqs.weight");
                      });
  if (!module)
    error = withGgufNames(error, arch);
  return module;
}

} // namespace seqc::gguf
