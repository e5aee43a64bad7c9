//===- Architectures.h - one builder per model family -----------*- C++ -*-===//

#ifndef SEQC_FRONTENDS_HF_ARCHITECTURES_H
#define SEQC_FRONTENDS_HF_ARCHITECTURES_H

#include "frontends/hf/HfConfig.h"
#include "frontends/hf/Importer.h"
#include "frontends/hf/ModelEmitter.h"

#include <array>

namespace seqc::hf {

/// Each builder reads `config`, emits the forward computation into `emitter`
/// (between beginForward and finish) and returns the logits, or null after
/// recording an error in the config or the emitter.
mlir::Value buildLlamaFamily(ModelEmitter &emitter, HfConfig &config,
                             llvm::StringRef architecture,
                             int64_t maxPositions);
/// LFM2: gated short convolutions and attention, per layer_types.
mlir::Value buildLfm2(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);
/// LFM2-MoE: LFM2's layers with sigmoid-routed experts.
mlir::Value buildLfm2Moe(ModelEmitter &emitter, HfConfig &config,
                         llvm::StringRef architecture, int64_t maxPositions);
mlir::Value buildGpt2(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);
mlir::Value buildMamba(ModelEmitter &emitter, HfConfig &config,
                       llvm::StringRef architecture, int64_t maxPositions);
/// An encoder: returns the last hidden state, not logits.
mlir::Value buildBert(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);

mlir::Value buildMamba2(ModelEmitter &emitter, HfConfig &config,
                        llvm::StringRef architecture, int64_t maxPositions);
/// Bamba: Mamba2 and attention layers.
mlir::Value buildBamba(ModelEmitter &emitter, HfConfig &config,
                       llvm::StringRef architecture, int64_t maxPositions);
/// Nemotron-H: Mamba2, attention or MLP blocks, one mixer per block.
mlir::Value buildNemotronH(ModelEmitter &emitter, HfConfig &config,
                           llvm::StringRef architecture, int64_t maxPositions);
/// Zamba2: Mamba2 layers and shared attention blocks with adapters.
mlir::Value buildZamba2(ModelEmitter &emitter, HfConfig &config,
                        llvm::StringRef architecture, int64_t maxPositions);
/// RecurrentGemma (Griffin): RG-LRU recurrent blocks and local attention.
mlir::Value buildRecurrentGemma(ModelEmitter &emitter, HfConfig &config,
                                llvm::StringRef architecture,
                                int64_t maxPositions);
/// Falcon-H1: attention and Mamba2 side by side in every layer.
mlir::Value buildFalconH1(ModelEmitter &emitter, HfConfig &config,
                          llvm::StringRef architecture, int64_t maxPositions);
/// Granite 4.0-H: Mamba2 and attention layers, MoE with a shared expert.
mlir::Value buildGraniteMoeHybrid(ModelEmitter &emitter, HfConfig &config,
                                  llvm::StringRef architecture,
                                  int64_t maxPositions);
mlir::Value buildRwkv(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);
mlir::Value buildXlstm(ModelEmitter &emitter, HfConfig &config,
                       llvm::StringRef architecture, int64_t maxPositions);
mlir::Value buildJamba(ModelEmitter &emitter, HfConfig &config,
                       llvm::StringRef architecture, int64_t maxPositions);
/// Encoder-decoders: return the decoder's logits and add `encode`.
mlir::Value buildMarian(ModelEmitter &emitter, HfConfig &config,
                        llvm::StringRef architecture, int64_t maxPositions);
/// BART and mBART.
mlir::Value buildBart(ModelEmitter &emitter, HfConfig &config,
                      llvm::StringRef architecture, int64_t maxPositions);
/// Whisper: `encode` reads log-mel features.
mlir::Value buildWhisper(ModelEmitter &emitter, HfConfig &config,
                         llvm::StringRef architecture, int64_t maxPositions);
/// T5, T5 v1.1 / Flan-T5, mT5.
mlir::Value buildT5(ModelEmitter &emitter, HfConfig &config,
                    llvm::StringRef architecture, int64_t maxPositions);

/// Rotary position settings: rope_theta (default `defaultTheta`) and the
/// scaling kind of rope_parameters / rope_scaling, as seq.rope takes them.
struct RopeScaling {
  seq::RopeScalingKind kind = seq::RopeScalingKind::none;
  double theta = 10000.0;
  /// The rotated fraction of each head (seq.rope's rotary_dim).
  double partial = 1.0;
  double factor = 1, low = 1, high = 4;
  int64_t original = 0;
};
/// Reads them, recording kinds seq.rope does not compute (dynamic,
/// longrope, yarn) and keys the kind does not read as errors. Llama's
/// default kind rotates whole heads whatever partial_rotary_factor says;
/// an architecture that rotates a fraction passes `architecturePartial`
/// (its fraction unless rope_parameters gives one).
RopeScaling
readRopeScaling(HfConfig &config, double defaultTheta,
                std::optional<double> architecturePartial = std::nullopt);
/// A config's own statement of the rotated channels per head (the original
/// implementations' `attn_rotary_emb`, which transformers does not read):
/// accepted only when it equals `rotated`, what transformers rotates.
void checkRotaryWidth(HfConfig &config, llvm::StringRef key, int64_t rotated);
/// seq.rope on `x` [1, S, heads, dim] at `positions` [S].
mlir::Value rope(ModelEmitter &emitter, mlir::Value x, mlir::Value positions,
                 const RopeScaling &scaling);

/// Sizes of a Llama-style attention layer.
struct AttentionSizes {
  int64_t hidden = 0, heads = 0, kvHeads = 0, headDim = 0;
  bool qkvBias = false, outBias = false;
  /// The scores' scale; null: 1/sqrt(headDim).
  mlir::FloatAttr scale;
  /// Falcon-H1 scales the keys (before RoPE).
  double keyMultiplier = 1.0;
};
/// Llama's attention fields: num_attention_heads (default 32),
/// num_key_value_heads (default the heads; must divide them), head_dim
/// (default hidden / heads) and attention_bias (q/k/v and o).
AttentionSizes readAttentionSizes(HfConfig &config, int64_t hidden);
/// q/k/v_proj, RoPE (none when `scaling` is null), causal GQA attention
/// over the KV cache `stateName` (maxPositions slots) and o_proj, with
/// weights under `prefix`.
mlir::Value emitRopeAttention(ModelEmitter &emitter, mlir::Value x,
                              llvm::StringRef prefix, llvm::StringRef stateName,
                              const AttentionSizes &sizes,
                              mlir::Value positions, const RopeScaling *scaling,
                              int64_t maxPositions);

/// The activation named by config field `key` (transformers' ACT2FN names
/// that seq.activation computes exactly: relu, gelu, gelu_python, gelu_new,
/// gelu_pytorch_tanh, gelu_accurate, silu, swish, sigmoid, tanh); records an
/// error naming the field for any other.
seq::ActivationKind activationField(HfConfig &config, llvm::StringRef key,
                                    llvm::StringRef fallback);

/// Sizes of a Mamba (S6) mixer, shared by Mamba and Jamba.
struct MambaSizes {
  int64_t hidden = 0, inner = 0, state = 16, conv = 4, dtRank = 0;
  bool bias = false, convBias = true;
  /// Jamba normalises dt, B and C (RMSNorm with this epsilon) after x_proj.
  std::optional<double> innerNormEpsilon;
};
MambaSizes readMambaSizes(HfConfig &config, int64_t hidden);
/// Accepts the Mamba-family fields that only initialisation or training
/// read; rejects rescale_prenorm_residual (it changes loaded weights).
void acceptMambaTrainingFields(HfConfig &config);

/// One Mamba mixer on `x` (already normalised), with weights under `prefix`
/// and states `<stateName>.conv_state` / `.ssm_state`.
mlir::Value emitMambaMixer(ModelEmitter &emitter, mlir::Value x,
                           llvm::StringRef prefix, llvm::StringRef stateName,
                           const MambaSizes &sizes);

/// Where a Mamba2 mixer's output meets its gate z.
enum class Mamba2Gate {
  /// rmsnorm(y · silu(z)) by groups (Mamba2, Bamba).
  beforeNorm,
  /// rmsnorm(y) by groups, then · silu(z) (Falcon-H1's norm_before_gate).
  afterNorm,
  /// y · silu(z), no norm (Falcon-H1 without mamba_rms_norm).
  noNorm,
};

/// Sizes of a Mamba2 (SSD) mixer, shared by Mamba2 and its hybrids.
struct Mamba2Sizes {
  int64_t hidden = 0, inner = 0, heads = 0, headDim = 0, state = 128;
  int64_t groups = 1, conv = 4, chunk = 256;
  /// Biases on in_proj, on out_proj, on the convolution.
  bool bias = false, outBias = false, convBias = true;
  double normEpsilon = 1e-5;
  Mamba2Gate gate = Mamba2Gate::beforeNorm;
  /// Falcon-H1's muP factors: the mixer's input, and in_proj's z, x, B, C
  /// and dt segments.
  double inMultiplier = 1.0;
  std::array<double, 5> projMultipliers = {1, 1, 1, 1, 1};
  /// The convolution's activation (transformers' hidden_act).
  seq::ActivationKind activation = seq::ActivationKind::silu;
  /// time_step_limit (min, max) when it clamps.
  std::optional<std::pair<double, double>> limit;
};
/// Reads a time_step_limit field [min, max]; nullopt for (0, inf).
std::optional<std::pair<double, double>> readTimeStepLimit(HfConfig &config,
                                                           llvm::StringRef key);
/// Records heads · head dim != inner (under `headsKey`) and groups that do
/// not divide the heads (under `groupsKey`).
void checkMamba2Sizes(HfConfig &config, const Mamba2Sizes &sizes,
                      llvm::StringRef headsKey, llvm::StringRef groupsKey);
/// The Mamba2 mixer sizes of Bamba's config fields (mamba_n_heads,
/// mamba_d_head, ..., time_step_limit), also read by Granite 4.0-H and
/// Falcon-H1; its gated norm uses `epsilon` and its convolution
/// `activation`; its width is `inner` (default mamba_expand · hidden).
Mamba2Sizes readBambaMixerSizes(HfConfig &config, int64_t hidden,
                                double epsilon, seq::ActivationKind activation,
                                std::optional<int64_t> inner = std::nullopt);
/// One Mamba2 mixer on `x` (already normalised) with weights under
/// `prefix` (in_proj, conv1d, A_log, D, dt_bias, norm, out_proj) and states
/// `<stateName>.conv_state` / `.ssm_state`; returns out_proj's output.
mlir::Value emitMamba2Mixer(ModelEmitter &emitter, mlir::Value x,
                            llvm::StringRef prefix, llvm::StringRef stateName,
                            const Mamba2Sizes &sizes);

/// A top-k mixture of SwiGLU experts.
struct ExpertSizes {
  int64_t hidden = 0, inter = 0, experts = 0, topK = 1;
  seq::MoeRoutingKind routing = seq::MoeRoutingKind::softmax_topk;
  /// Rescale the kept routing weights to sum to one (dividing by their sum
  /// plus normalizeEpsilon under sigmoid routing), then by routedScale.
  bool normalize = false;
  double normalizeEpsilon = 0.0, routedScale = 1.0;
  /// Each expert's tensors: `<prefix>.experts.<i>.<leaf>`.
  const char *gateLeaf = "gate_proj.weight", *upLeaf = "up_proj.weight",
             *downLeaf = "down_proj.weight";
};
/// seq.moe on `x` routed by `logits` (experts chosen by sigmoid +
/// `selectionBias` under sigmoid routing), with each expert's weights
/// stored apart; null (the error recorded) when the three are stored in
/// different forms.
mlir::Value emitStackedExperts(ModelEmitter &emitter, mlir::Value x,
                               mlir::Value logits, const std::string &prefix,
                               const ExpertSizes &sizes,
                               mlir::Value selectionBias = {});
/// Qwen3-Next: gated DeltaNet and gated attention layers, MoE with a shared
/// expert.
mlir::Value buildQwen3Next(ModelEmitter &emitter, HfConfig &config,
                           llvm::StringRef architecture, int64_t maxPositions);

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_ARCHITECTURES_H
