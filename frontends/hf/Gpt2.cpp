//===- Gpt2.cpp - GPT-2
//-----------------------------------------------------===//
//
// Learned positions, pre-LayerNorm blocks, fused q/k/v projection, gelu_new
// MLP, LM head tied to the token embedding. GPT-2's Conv1D stores weights
// [in, out]; they are bound transposed, so the IR sees nn.Linear layout.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

Value buildGpt2(ModelEmitter &e, HfConfig &c, StringRef, int64_t maxPositions) {
  // GPT2Config's attribute_map: either spelling may be stored.
  auto alias = [&](llvm::StringRef key, llvm::StringRef other) {
    return c.has(key) || !c.has(other) ? key : other;
  };
  int64_t hidden = c.size(alias("n_embd", "hidden_size"));
  int64_t layers = c.size(alias("n_layer", "num_hidden_layers"), 4096);
  int64_t heads = c.size(alias("n_head", "num_attention_heads"));
  int64_t vocab = c.size("vocab_size");
  int64_t positions =
      c.size(alias("n_positions", "max_position_embeddings"), INT32_MAX);
  int64_t inner = c.size("n_inner", 4 * hidden, 1 << 24);
  double eps = c.nonNegative("layer_norm_epsilon", 1e-5);
  seq::ActivationKind act =
      activationField(c, "activation_function", "gelu_new");
  // scores · 1/sqrt(head_dim) unless scale_attn_weights is false, further
  // divided by (layer + 1) with scale_attn_by_inverse_layer_idx.
  bool scaleWeights = c.boolean("scale_attn_weights", true);
  bool byLayer = c.boolean("scale_attn_by_inverse_layer_idx", false);
  // Same products in f32, only the rounding of a low-precision run differs.
  c.irrelevant({"reorder_and_upcast_attn", "n_ctx", "summary_type",
                "summary_use_proj", "summary_activation",
                "summary_proj_to_labels"});
  c.requireBoolean("add_cross_attention", false,
                   "cross-attention layers are not supported");
  if (heads > 0 && hidden % heads != 0)
    c.fail("n_head", "must divide n_embd");
  if (maxPositions > positions)
    c.fail("n_positions", "the model has learned positions for " +
                              std::to_string(positions) +
                              " tokens; use --max-positions <= that");
  if (!c.error().empty())
    return nullptr;
  int64_t headDim = hidden / heads;
  // Checkpoints saved from GPT2Model have no "transformer." prefix.
  std::string t = e.hasWeight("transformer.wte.weight") ? "transformer." : "";

  OpBuilder &b = e.builder();
  Location loc = e.loc();
  e.beginForward();
  Value wpe = e.weight(t + "wpe.weight", {positions, hidden});
  Value x = e.add(
      e.tokenEmbedding(t + "wte.weight", vocab, hidden),
      seq::EmbeddingOp::create(
          b, loc, wpe,
          tensor::ExpandShapeOp::create(
              b, loc,
              RankedTensorType::get({1, ShapedType::kDynamic}, b.getI64Type()),
              e.positions(), SmallVector<ReassociationIndices>{{0, 1}},
              SmallVector<OpFoldResult>{b.getIndexAttr(1), e.length()}),
          /*scales=*/Value(), /*offsets=*/Value()));
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = t + "h." + std::to_string(i);
    e.beginLayer();
    Value h = e.layernorm(x, p + ".ln_1", hidden, eps);
    Value qkv = e.linear(h, p + ".attn.c_attn", 3 * hidden, hidden, true,
                         /*transposed=*/true);
    Value q = e.splitHeads(e.sliceLast(qkv, 0, hidden), heads, headDim);
    Value k = e.splitHeads(e.sliceLast(qkv, hidden, hidden), heads, headDim);
    Value v =
        e.splitHeads(e.sliceLast(qkv, 2 * hidden, hidden), heads, headDim);
    ModelEmitter::KvCache cache = e.cacheKeysValues(
        "layers." + std::to_string(i), k, v, maxPositions, /*ring=*/false);
    Value kvLength = arith::AddIOp::create(b, loc, e.position(), e.length());
    double scale = scaleWeights ? 1.0 / std::sqrt(double(headDim)) : 1.0;
    if (byLayer)
      scale /= double(i + 1);
    Value o = seq::AttentionOp::create(
        b, loc, q, cache.keys, cache.values, Value(), kvLength, cache.keyScales,
        cache.valueScales, b.getF32FloatAttr(static_cast<float>(scale)), true,
        nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    x = e.add(x, e.linear(e.mergeHeads(o), p + ".attn.c_proj", hidden, hidden,
                          true, true));
    h = e.layernorm(x, p + ".ln_2", hidden, eps);
    Value up = e.activation(
        act, e.linear(h, p + ".mlp.c_fc", inner, hidden, true, true));
    x = e.endLayer(
        e.add(x, e.linear(up, p + ".mlp.c_proj", hidden, inner, true, true)));
  }
  if (!e.error().empty())
    return nullptr;
  x = e.layernorm(x, t + "ln_f", hidden, eps);
  std::string head = e.lmHead(c, t + "wte", /*tiedByDefault=*/true);
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
