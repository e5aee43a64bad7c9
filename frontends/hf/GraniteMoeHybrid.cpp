//===- GraniteMoeHybrid.cpp - Granite 4.0-H: Mamba2, attention, MoE -------===//
//
// Embeddings scaled by embedding_multiplier; per layer_types a Mamba2
// mixer (Bamba's) or attention scaled by attention_multiplier (RoPE only
// when position_embedding_type is "rope"); then a top-k MoE (softmax over
// the k largest router logits) plus a shared gated MLP. Both residual
// branches are scaled by residual_multiplier; the logits are divided by
// logits_scaling.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

/// Whether each layer is attention (else Mamba2): layer_types (or its
/// alias layers_block_type), with transformers' legacy names remapped
/// (mamba -> linear_attention, attention -> full_attention); every layer is
/// Mamba2 when absent.
std::vector<bool> attentionLayers(HfConfig &c, int64_t layers) {
  std::vector<bool> attends(layers, false);
  if (c.has("layer_types") && c.has("layers_block_type")) {
    c.fail("layers_block_type", "given beside layer_types; keep one");
    return attends;
  }
  llvm::StringRef key =
      c.has("layers_block_type") ? "layers_block_type" : "layer_types";
  std::optional<std::vector<std::string>> types = c.strings(key);
  if (!types) {
    if (c.has(key))
      c.fail(key, "expected a list of strings");
    return attends;
  }
  if (static_cast<int64_t>(types->size()) != layers) {
    c.fail(key, "has " + std::to_string(types->size()) + " entries for " +
                    std::to_string(layers) + " layers");
    return attends;
  }
  for (int64_t i = 0; i < layers; ++i) {
    const std::string &t = (*types)[i];
    bool mamba = t == "linear_attention" || t == "mamba";
    if (!mamba && t != "full_attention" && t != "attention")
      c.fail(key, "'" + t +
                      "' is not a layer type of GraniteMoeHybridForCausalLM "
                      "(linear_attention/mamba, full_attention/attention)");
    attends[i] = !mamba;
  }
  return attends;
}

/// A fused [rows, 2·width, cols] (or [2·width, cols]) tensor's first or
/// second half along the width dim.
Value half(ModelEmitter &e, Value fused, int64_t dim, int64_t width,
           bool second) {
  OpBuilder &b = e.builder();
  auto type = cast<RankedTensorType>(fused.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t size : type.getShape())
    sizes.push_back(b.getIndexAttr(size));
  offsets[dim] = b.getIndexAttr(second ? width : 0);
  sizes[dim] = b.getIndexAttr(width);
  return tensor::ExtractSliceOp::create(b, e.loc(), fused, offsets, sizes,
                                        strides);
}

} // namespace

Value buildGraniteMoeHybrid(ModelEmitter &e, HfConfig &c, StringRef,
                            int64_t maxPositions) {
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t vocab = c.size("vocab_size");
  int64_t inter = c.size("intermediate_size", 11008, 1 << 24);
  int64_t shared = c.size("shared_intermediate_size", 1024, 1 << 24);
  double eps = c.nonNegative("rms_norm_eps", 1e-6);
  seq::ActivationKind act = activationField(c, "hidden_act", "silu");
  double embeddingMultiplier = c.number("embedding_multiplier", 1.0);
  double residualMultiplier = c.number("residual_multiplier", 1.0);
  double logitsScaling = c.number("logits_scaling", 1.0);
  double attentionMultiplier = c.number("attention_multiplier", 1.0);
  for (auto [key, value] : {std::pair<llvm::StringRef, double>{
                                "embedding_multiplier", embeddingMultiplier},
                            {"residual_multiplier", residualMultiplier},
                            {"attention_multiplier", attentionMultiplier}})
    if (!std::isfinite(value))
      c.fail(key, "must be a finite number");
  if (!std::isfinite(logitsScaling) || logitsScaling == 0)
    c.fail("logits_scaling", "must be a finite, non-zero number");
  // 0 experts: the shared MLP alone.
  int64_t experts = c.integer("num_local_experts", 8);
  int64_t topK = c.size("num_experts_per_tok", 2, 1 << 16);
  if (experts < 0 || experts > (1 << 16))
    c.fail("num_local_experts", "must be in [0, 65536]");
  else if (experts > 0 && topK > experts)
    c.fail("num_experts_per_tok", "must be in [1, num_local_experts]");
  c.irrelevant({"output_router_logits", "router_aux_loss_coef"});

  AttentionSizes attn = readAttentionSizes(c, hidden);
  attn.scale = e.builder().getF32FloatAttr(attentionMultiplier);
  std::optional<RopeScaling> scaling;
  c.present("position_embedding_type");
  std::string positionsKind = c.string("position_embedding_type", "");
  if (positionsKind == "rope") {
    scaling = readRopeScaling(c, /*defaultTheta=*/10000.0);
    checkRotaryWidth(c, "attn_rotary_emb", attn.headDim);
  } else if (!positionsKind.empty() && positionsKind != "nope") {
    c.fail("position_embedding_type", "'" + positionsKind +
                                          "' is not supported (rope; nope or "
                                          "null for none)");
  } else {
    // No positions: transformers builds no rotary embedding.
    c.irrelevant(
        {"rope_parameters", "rope_scaling", "rope_theta", "attn_rotary_emb"});
  }
  if (scaling && attn.headDim % 2 != 0)
    c.fail("head_dim", "must be even for rotary embeddings");
  Mamba2Sizes mamba = readBambaMixerSizes(c, hidden, eps, act);
  if (!c.error().empty())
    return nullptr;
  std::vector<bool> attends = attentionLayers(c, layers);
  if (!c.error().empty())
    return nullptr;

  OpBuilder &b = e.builder();
  e.beginForward();
  Value x =
      e.scale(e.tokenEmbedding("model.embed_tokens.weight", vocab, hidden),
              embeddingMultiplier);
  Value positions = e.positions();
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = "model.layers." + std::to_string(i);
    std::string s = "layers." + std::to_string(i);
    e.beginLayer();
    Value h = e.rmsnorm(x, p + ".input_layernorm.weight", hidden, eps);
    Value mixed =
        attends[i]
            ? emitRopeAttention(e, h, p + ".self_attn", s, attn, positions,
                                scaling ? &*scaling : nullptr, maxPositions)
            : emitMamba2Mixer(e, h, p + ".mamba", s, mamba);
    x = e.add(x, e.scale(mixed, residualMultiplier));

    h = e.rmsnorm(x, p + ".post_attention_layernorm.weight", hidden, eps);
    Value sharedIn =
        e.linear(h, p + ".shared_mlp.input_linear", 2 * shared, hidden, false);
    Value ff = e.linear(e.glu(act, e.sliceLast(sharedIn, 0, shared),
                              e.sliceLast(sharedIn, shared, shared)),
                        p + ".shared_mlp.output_linear", hidden, shared, false);
    if (experts > 0) {
      std::string m = p + ".block_sparse_moe";
      Value logits = e.router(h, m + ".router.layer", experts, hidden);
      // Experts stored fused: input_linear [E, 2·I, H] holds gate then up.
      Value gateUp =
          e.weight(m + ".input_linear.weight", {experts, 2 * inter, hidden});
      Value down =
          e.weight(m + ".output_linear.weight", {experts, hidden, inter});
      Value moe = seq::MoeOp::create(
          b, e.loc(), h, logits, half(e, gateUp, 1, inter, false),
          half(e, gateUp, 1, inter, true), down, Value(), Value(), Value(),
          Value(), Value(), Value(), /*selection_bias=*/Value(),
          static_cast<uint64_t>(topK), seq::MoeRoutingKind::topk_softmax,
          /*normalize=*/false, act,
          /*bits=*/8, /*routed_scale=*/llvm::APFloat(1.0f),
          /*normalize_epsilon=*/llvm::APFloat(0.0f), /*expert_groups=*/1,
          /*kept_groups=*/nullptr);
      ff = e.add(moe, ff);
    }
    x = e.endLayer(e.add(x, e.scale(ff, residualMultiplier)));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.rmsnorm(x, "model.norm.weight", hidden, eps);
  std::string head = e.lmHead(c, "model.embed_tokens", /*tiedByDefault=*/false);
  // (x / s) · Wᵀ: the head stays the last op, so prefill projects only the
  // last position (forward_last).
  if (logitsScaling != 1.0)
    x = e.scale(x, 1.0 / logitsScaling);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
