//===- Importer.cpp - seqc import hf: dispatch by architecture ------------===//

#include "frontends/hf/Importer.h"

#include "frontends/hf/Architectures.h"

#include "SafeTensors.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace seqc::hf {

namespace {

/// Checkpoint tensors that are buffers, not parameters: transformers
/// recomputes or ignores them on load (docs/frontends.md, "Tensors").
bool ropeBuffer(StringRef name) {
  return name.ends_with("rotary_emb.inv_freq") ||
         name.ends_with("rotary_emb.original_inv_freq");
}
/// Qwen3-Next: the multi-token-prediction head transformers skips at load.
bool qwen3NextUnused(StringRef name) {
  return ropeBuffer(name) || name.starts_with("mtp.");
}
bool gpt2Buffer(StringRef name) {
  return name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias");
}
/// BertModel: the position/token-type id buffers, and the parameters of
/// outputs seqc's `embed` does not produce (pooler_output; the MLM head of
/// a BertForPreTraining checkpoint), which leave the hidden states as they
/// are.
bool bertUnusedOutputs(StringRef name) {
  name.consume_front("bert.");
  return name == "embeddings.position_ids" ||
         name == "embeddings.token_type_ids" || name.starts_with("pooler.") ||
         name.starts_with("cls.");
}

struct Family {
  const char *architecture;
  Value (*build)(ModelEmitter &, HfConfig &, StringRef, int64_t);
  bool encoder; ///< returns hidden states (an `embed` entry), not logits
  bool (*ignorable)(StringRef); ///< checkpoint tensors that are not weights
};

/// Encoder-decoder checkpoints may hold the encoder's and decoder's copies
/// of the shared embedding (transformers ties them to model.shared);
/// Marian's also the sinusoidal position tables (recomputed from the
/// config).
bool encoderDecoderBuffer(StringRef name) {
  return name == "model.encoder.embed_tokens.weight" ||
         name == "model.decoder.embed_tokens.weight";
}
/// T5's encoder and decoder embeddings are tied to `shared`.
bool t5Buffer(StringRef name) {
  return name == "encoder.embed_tokens.weight" ||
         name == "decoder.embed_tokens.weight";
}
bool marianBuffer(StringRef name) {
  return name.ends_with("embed_positions.weight") || encoderDecoderBuffer(name);
}

const Family kFamilies[] = {
    {"LlamaForCausalLM", buildLlamaFamily, false, ropeBuffer},
    {"MistralForCausalLM", buildLlamaFamily, false, ropeBuffer},
    {"Qwen2ForCausalLM", buildLlamaFamily, false, ropeBuffer},
    {"Lfm2ForCausalLM", buildLfm2, false, ropeBuffer},
    {"Lfm2MoeForCausalLM", buildLfm2Moe, false, ropeBuffer},
    {"GPT2LMHeadModel", buildGpt2, false, gpt2Buffer},
    {"MambaForCausalLM", buildMamba, false, nullptr},
    {"Mamba2ForCausalLM", buildMamba2, false, nullptr},
    {"JambaForCausalLM", buildJamba, false, nullptr},
    {"BambaForCausalLM", buildBamba, false, ropeBuffer},
    {"GraniteMoeHybridForCausalLM", buildGraniteMoeHybrid, false, ropeBuffer},
    {"FalconH1ForCausalLM", buildFalconH1, false, ropeBuffer},
    {"NemotronHForCausalLM", buildNemotronH, false, nullptr},
    {"Zamba2ForCausalLM", buildZamba2, false, ropeBuffer},
    {"RecurrentGemmaForCausalLM", buildRecurrentGemma, false, ropeBuffer},
    {"Qwen3NextForCausalLM", buildQwen3Next, false, qwen3NextUnused},
    {"RwkvForCausalLM", buildRwkv, false, nullptr},
    {"xLSTMForCausalLM", buildXlstm, false, nullptr},
    {"BertModel", buildBert, true, bertUnusedOutputs},
    {"MarianMTModel", buildMarian, false, marianBuffer},
    {"BartForConditionalGeneration", buildBart, false, encoderDecoderBuffer},
    {"MBartForConditionalGeneration", buildBart, false, encoderDecoderBuffer},
    {"T5ForConditionalGeneration", buildT5, false, t5Buffer},
    {"MT5ForConditionalGeneration", buildT5, false, t5Buffer},
    {"WhisperForConditionalGeneration", buildWhisper, false, nullptr},
};

/// Fields of every transformers configuration that do not change the
/// forward pass: metadata, token ids, output switches, dropout (inference
/// runs in eval mode), initialisers, and the generation settings older
/// versions stored in config.json. Switches that do change it are checked.
void acceptGenericFields(HfConfig &c) {
  c.irrelevant({"architectures",
                "model_type",
                "transformers_version",
                "_name_or_path",
                "name_or_path",
                "_commit_hash",
                "auto_map",
                "dtype",
                "torch_dtype",
                "use_bfloat16",
                "tf_legacy_loss",
                "xla_device",
                "torchscript",
                "return_dict",
                "output_hidden_states",
                "output_attentions",
                "use_cache",
                "chunk_size_feed_forward",
                "is_encoder_decoder",
                "tie_encoder_decoder",
                "cross_attention_hidden_size",
                "decoder_start_token_id",
                "sep_token_id",
                "bos_token_id",
                "eos_token_id",
                "pad_token_id",
                "id2label",
                "label2id",
                "num_labels",
                "problem_type",
                "finetuning_task",
                "tokenizer_class",
                "prefix",
                "task_specific_params",
                "gradient_checkpointing",
                "_attn_implementation_autoset",
                "output_past",
                "attn_implementation",
                "experts_implementation",
                "initializer_range",
                "tie_last_hidden_states",
                "is_decoder",
                "add_cross_attention"});
  // Dropout is the identity at inference.
  c.irrelevant({"attention_dropout", "hidden_dropout", "dropout", "resid_pdrop",
                "embd_pdrop", "attn_pdrop", "hidden_dropout_prob",
                "attention_probs_dropout_prob", "classifier_dropout",
                "summary_first_dropout", "summary_last_dropout"});
  // Generation settings (transformers moves them to generation_config).
  c.irrelevant({"max_length",
                "min_length",
                "do_sample",
                "early_stopping",
                "num_beams",
                "num_beam_groups",
                "diversity_penalty",
                "temperature",
                "top_k",
                "top_p",
                "typical_p",
                "repetition_penalty",
                "length_penalty",
                "no_repeat_ngram_size",
                "encoder_no_repeat_ngram_size",
                "bad_words_ids",
                "num_return_sequences",
                "output_scores",
                "return_dict_in_generate",
                "forced_bos_token_id",
                "forced_eos_token_id",
                "remove_invalid_values",
                "exponential_decay_length_penalty",
                "suppress_tokens",
                "begin_suppress_tokens",
                "epsilon_cutoff",
                "eta_cutoff",
                "encoder_repetition_penalty"});
  if (const llvm::json::Object *pruned = c.object("pruned_heads"))
    if (!pruned->empty())
      c.fail("pruned_heads", "pruned attention heads are not supported");
  if (c.has("per_layer_config"))
    c.fail("per_layer_config", "per-layer configurations are not supported");
  // A bidirectional decoder (transformers honours is_causal: false).
  c.requireBoolean("is_causal", true,
                   "seqc builds the causal decoder the architecture defines");
}

/// The family of config.architecture(), or null with `error` listing the
/// supported ones.
const Family *findFamily(const HfConfig &config, std::string &error) {
  std::string arch = config.architecture();
  for (const Family &f : kFamilies)
    if (arch == f.architecture)
      return &f;
  error = config.path() + ": architecture '" + arch +
          "' is not supported; supported: ";
  for (const Family &f : kFamilies)
    error += std::string(f.architecture) +
             (&f != std::end(kFamilies) - 1 ? ", " : "");
  return nullptr;
}

} // namespace

std::optional<WeightFormat> parseWeightFormat(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<WeightFormat>>(name)
      .Case("auto", WeightFormat::Auto)
      .Case("f32", WeightFormat::F32)
      .Case("bf16", WeightFormat::BF16)
      .Case("f16", WeightFormat::F16)
      .Case("q8_0", WeightFormat::Q8_0)
      .Case("q4_0", WeightFormat::Q4_0)
      .Case("q4_1", WeightFormat::Q4_1)
      .Case("q4_g128", WeightFormat::Q4_G128)
      .Default(std::nullopt);
}

std::vector<std::string> supportedArchitectures() {
  std::vector<std::string> names;
  for (const Family &f : kFamilies)
    names.push_back(f.architecture);
  return names;
}

OwningOpRef<ModuleOp>
importHuggingFace(MLIRContext *context, const std::string &folder,
                  const ImportOptions &options, std::string &error,
                  std::unique_ptr<RewrittenWeights> *rewritten) {
  if (!llvm::sys::fs::is_directory(folder)) {
    error = folder + ": not a model folder (expected config.json and "
                     "*.safetensors)";
    return nullptr;
  }
  llvm::SmallString<256> configPath(folder);
  llvm::sys::path::append(configPath, "config.json");
  std::optional<HfConfig> config =
      HfConfig::load(std::string(configPath), error);
  if (!config)
    return nullptr;
  if (!findFamily(*config, error))
    return nullptr;
  std::unique_ptr<seqrt::WeightStore> weights =
      seqrt::WeightStore::open(folder, error);
  if (!weights)
    return nullptr;
  return importModel(context, *config, std::move(weights), folder, options,
                     error, rewritten);
}

OwningOpRef<ModuleOp>
importModel(MLIRContext *context, HfConfig &config,
            std::unique_ptr<seqrt::WeightStore> weights,
            const std::string &origin, const ImportOptions &options,
            std::string &error, std::unique_ptr<RewrittenWeights> *rewritten,
            const std::function<void(ModelEmitter &)> &configure) {
  std::string arch = config.architecture();
  const Family *family = findFamily(config, error);
  if (!family)
    return nullptr;

  if (options.maxPositions < 0 || options.maxPositions > INT32_MAX ||
      options.maxTokensPerCall < 1 || options.maxTokensPerCall > INT32_MAX) {
    error = "--max-positions must be in [1, 2^31) and --max-tokens-per-call "
            "in [1, 2^31)";
    return nullptr;
  }
  acceptGenericFields(config);
  int64_t maxPositions = options.maxPositions;
  // GPT-2 names it n_positions; state-space models have no limit but a
  // hybrid's caches need one.
  int64_t limit =
      config.size("max_position_embeddings",
                  config.size("n_positions", 4096, INT32_MAX), INT32_MAX);
  if (maxPositions <= 0)
    maxPositions = std::min<int64_t>(limit, 4096);
  ModelEmitter emitter(context, *weights, origin);
  emitter.setMaxTokensPerCall(options.maxTokensPerCall);
  emitter.setProjectionWeights(options.weights);
  if (options.kvCache == "bf16")
    emitter.setKvCacheElement(BFloat16Type::get(context));
  else if (options.kvCache == "f16")
    emitter.setKvCacheElement(Float16Type::get(context));
  else if (options.kvCache == "q8")
    emitter.setKvCacheElement(IntegerType::get(context, 8));
  else if (options.kvCache != "f32") {
    error = "--kv-cache expects f32, bf16, f16 or q8, got '" + options.kvCache +
            "'";
    return nullptr;
  }
  // GPTQ/AWQ checkpoints: read as they are packed, never requantized.
  if (std::optional<PackedInt4Format> packed = readPackedInt4Format(config)) {
    emitter.setPackedInt4Format(*packed);
    if (options.weights != WeightFormat::Auto &&
        options.weights != WeightFormat::F32 &&
        options.weights != WeightFormat::BF16 &&
        options.weights != WeightFormat::F16)
      config.fail("quantization_config",
                  std::string("the checkpoint is already quantized (") +
                      packed->name() +
                      "); import it with --weights=auto (f32, bf16 or f16 "
                      "apply to its unpacked layers), not a block format");
  }
  if (configure)
    configure(emitter);
  Value logits = config.error().empty()
                     ? family->build(emitter, config, arch, maxPositions)
                     : Value();
  // Every field read or declared irrelevant; every tensor bound or a known
  // buffer. Anything else would be silently ignored.
  // (Unless the build stopped early at a tensor problem, before reading
  // every field.)
  if (emitter.error().empty())
    config.checkAccounted(arch);
  if (!config.error().empty()) {
    error = config.error();
    return nullptr;
  }
  if (emitter.error().empty() && logits)
    emitter.checkAllTensorsUsed(arch, family->ignorable);
  if (emitter.error().empty() && logits && options.kvCache != "f32" &&
      !emitter.hasKvCache())
    emitter.fail("--kv-cache=" + options.kvCache + ": the " + arch +
                 " model has no attention KV cache");
  if (emitter.error().empty() && logits &&
      config.object("quantization_config") && emitter.packedLayerCount() == 0)
    emitter.fail("quantization_config describes packed weights but no "
                 "layer has them (no '<layer>.qweight' tensor)");
  if (!emitter.error().empty() || !logits) {
    error = origin + ": " + emitter.error();
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = family->encoder
                                     ? emitter.finishEncoder(logits)
                                     : emitter.finish(logits, maxPositions);
  if (!emitter.error().empty()) {
    error = origin + ": " + emitter.error();
    return nullptr;
  }
  WeightsFile file = emitter.takeWeightsFile();
  if (file.rewritesWeights()) {
    if (!rewritten) {
      error = "internal error: quantized weights but nowhere to write them";
      return nullptr;
    }
    *rewritten = std::make_unique<RewrittenWeights>(
        RewrittenWeights{std::move(weights), std::move(file)});
  }
  return module;
}

} // namespace seqc::hf
