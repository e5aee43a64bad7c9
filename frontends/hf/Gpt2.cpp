//===- Gpt2.cpp - GPT-2 -----------------------------------------------------===//
//
// Learned positions, pre-LayerNorm blocks, fused q/k/v projection, gelu_new
// MLP, LM head tied to the token embedding. GPT-2's Conv1D stores weights
// [in, out]; they are bound transposed, so the IR sees nn.Linear layout.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::hf {

Value buildGpt2(ModelEmitter &e, HfConfig &c, StringRef, int64_t maxPositions) {
  int64_t hidden = c.integer("n_embd");
  int64_t layers = c.integer("n_layer");
  int64_t heads = c.integer("n_head");
  int64_t vocab = c.integer("vocab_size");
  int64_t positions = c.integer("n_positions");
  int64_t inner = c.integer("n_inner", 4 * hidden);
  double eps = c.number("layer_norm_epsilon", 1e-5);
  std::string act = c.string("activation_function", "gelu_new");
  if (act != "gelu_new" && act != "gelu")
    c.fail("activation_function",
           "'" + act + "' is not supported (gelu_new, gelu are)");
  if (heads <= 0 || hidden % heads != 0)
    c.fail("n_head", "must divide n_embd");
  if (maxPositions > positions)
    c.fail("n_positions", "the model has learned positions for " +
                              std::to_string(positions) +
                              " tokens; use --max-positions <= that");
  if (c.boolean("scale_attn_by_inverse_layer_idx", false) ||
      c.boolean("reorder_and_upcast_attn", false))
    c.fail("scale_attn_by_inverse_layer_idx",
           "attention variants of GPT-2 beyond the default are not supported");
  if (!c.error().empty())
    return nullptr;
  seq::ActivationKind gelu = act == "gelu" ? seq::ActivationKind::gelu
                                           : seq::ActivationKind::gelu_tanh;
  int64_t headDim = hidden / heads;

  OpBuilder &b = e.builder();
  Location loc = e.loc();
  e.beginForward();
  Value wte = e.weight("transformer.wte.weight", {vocab, hidden});
  Value wpe = e.weight("transformer.wpe.weight", {positions, hidden});
  Value x = e.add(seq::EmbeddingOp::create(b, loc, wte, e.ids()),
                  seq::EmbeddingOp::create(
                      b, loc, wpe,
                      tensor::ExpandShapeOp::create(
                          b, loc,
                          RankedTensorType::get({1, ShapedType::kDynamic},
                                                b.getI64Type()),
                          e.positions(),
                          SmallVector<ReassociationIndices>{{0, 1}},
                          SmallVector<OpFoldResult>{b.getIndexAttr(1),
                                                    e.length()})));
  for (int64_t i = 0; i < layers; ++i) {
    std::string p = "transformer.h." + std::to_string(i);
    Value h = e.layernorm(x, p + ".ln_1", hidden, eps);
    Value qkv = e.linear(h, p + ".attn.c_attn", 3 * hidden, hidden, true,
                         /*transposed=*/true);
    Value q = e.splitHeads(e.sliceLast(qkv, 0, hidden), heads, headDim);
    Value k = e.splitHeads(e.sliceLast(qkv, hidden, hidden), heads, headDim);
    Value v = e.splitHeads(e.sliceLast(qkv, 2 * hidden, hidden), heads, headDim);
    std::string kName = "layers." + std::to_string(i) + ".k_cache";
    std::string vName = "layers." + std::to_string(i) + ".v_cache";
    Value kc = e.appendToCache(
        e.addState(kName, {1, maxPositions, heads, headDim}), k);
    Value vc = e.appendToCache(
        e.addState(vName, {1, maxPositions, heads, headDim}), v);
    e.setState(kName, kc);
    e.setState(vName, vc);
    Value kvLength = arith::AddIOp::create(b, loc, e.position(), e.length());
    Value o = seq::AttentionOp::create(b, loc, q, kc, vc, Value(), kvLength,
                                       nullptr, true, nullptr, nullptr,
                                       nullptr, nullptr, nullptr, nullptr);
    x = e.add(x, e.linear(e.mergeHeads(o), p + ".attn.c_proj", hidden, hidden,
                          true, true));
    h = e.layernorm(x, p + ".ln_2", hidden, eps);
    Value up = e.activation(gelu, e.linear(h, p + ".mlp.c_fc", inner, hidden,
                                           true, true));
    x = e.add(x, e.linear(up, p + ".mlp.c_proj", hidden, inner, true, true));
  }
  x = e.layernorm(x, "transformer.ln_f", hidden, eps);
  // The LM head is the token embedding (tied); a separate one if stored.
  std::string head = e.hasWeight("lm_head.weight") ? "lm_head" : "transformer.wte";
  return e.linear(x, head, vocab, hidden, false);
}

} // namespace seqc::hf
