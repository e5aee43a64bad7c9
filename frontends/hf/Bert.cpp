//===- Bert.cpp - BERT encoders (sentence embeddings)
//-----------------------===//
//
// Word + position + token-type(0) embeddings and LayerNorm, then post-LN
// blocks: x = LN(x + attn(x)); x = LN(x + W2 gelu(W1 x)). Bidirectional
// attention, no cache. The `embed` entry returns the last hidden state and
// its mean over tokens (sentence-transformers' mean pooling).
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace seqc::hf {

Value buildBert(ModelEmitter &e, HfConfig &c, StringRef, int64_t) {
  int64_t hidden = c.size("hidden_size");
  int64_t layers = c.size("num_hidden_layers", 4096);
  int64_t heads = c.size("num_attention_heads");
  int64_t inter = c.size("intermediate_size");
  int64_t vocab = c.size("vocab_size");
  int64_t positions = c.size("max_position_embeddings", INT32_MAX);
  int64_t types = c.size("type_vocab_size", 2, 1 << 24);
  double eps = c.nonNegative("layer_norm_eps", 1e-12);
  seq::ActivationKind act = activationField(c, "hidden_act", "gelu");
  std::string posType = c.string("position_embedding_type", "absolute");
  // BertModel has no LM head to tie; classifier fields belong to task heads.
  c.irrelevant({"tie_word_embeddings"});
  c.requireBoolean("is_decoder", false,
                   "BERT as a causal decoder is not supported");
  c.requireBoolean("add_cross_attention", false,
                   "cross-attention layers are not supported");
  if (posType != "absolute")
    c.fail("position_embedding_type",
           "'" + posType + "' is not supported (absolute is)");
  if (heads <= 0 || hidden % heads != 0)
    c.fail("num_attention_heads", "must divide hidden_size");
  if (!c.error().empty())
    return nullptr;
  int64_t headDim = hidden / heads;
  // Checkpoints of BertModel have no prefix; those saved from task models
  // (BertForMaskedLM, ...) prefix everything with "bert.".
  std::string root =
      e.hasWeight("bert.embeddings.word_embeddings.weight") ? "bert." : "";

  OpBuilder &b = e.builder();
  Location loc = e.loc();
  e.beginForward();
  auto ids2d = [&](Value v) {
    return tensor::ExpandShapeOp::create(
        b, loc,
        RankedTensorType::get({1, ShapedType::kDynamic}, b.getI64Type()), v,
        SmallVector<ReassociationIndices>{{0, 1}},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), e.length()});
  };
  Value pos = e.weight(root + "embeddings.position_embeddings.weight",
                       {positions, hidden});
  Value typ = e.weight(root + "embeddings.token_type_embeddings.weight",
                       {types, hidden});
  // Token type 0 for every token (single-segment input).
  Value zeros = tensor::GenerateOp::create(
      b, loc, RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type()),
      ValueRange{e.length()}, [](OpBuilder &nb, Location l, ValueRange) {
        tensor::YieldOp::create(
            nb, l, arith::ConstantIntOp::create(nb, l, 0, 64).getResult());
      });
  Value x =
      e.add(e.tokenEmbedding(root + "embeddings.word_embeddings.weight", vocab,
                             hidden),
            seq::EmbeddingOp::create(b, loc, pos, ids2d(e.positions()),
                                     /*scales=*/Value(), /*offsets=*/Value()));
  x = e.add(x,
            seq::EmbeddingOp::create(b, loc, typ, ids2d(zeros),
                                     /*scales=*/Value(), /*offsets=*/Value()));
  x = e.layernorm(x, root + "embeddings.LayerNorm", hidden, eps);
  for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
    std::string p = root + "encoder.layer." + std::to_string(i);
    e.beginLayer();
    Value q = e.splitHeads(
        e.linear(x, p + ".attention.self.query", hidden, hidden, true), heads,
        headDim);
    Value k = e.splitHeads(
        e.linear(x, p + ".attention.self.key", hidden, hidden, true), heads,
        headDim);
    Value v = e.splitHeads(
        e.linear(x, p + ".attention.self.value", hidden, hidden, true), heads,
        headDim);
    Value o = seq::AttentionOp::create(b, loc, q, k, v, Value(), Value(),
                                       /*key_scales=*/Value(), Value(), nullptr,
                                       false, nullptr, nullptr, nullptr,
                                       nullptr, nullptr, nullptr);
    Value attn = e.linear(e.mergeHeads(o), p + ".attention.output.dense",
                          hidden, hidden, true);
    x = e.layernorm(e.add(x, attn), p + ".attention.output.LayerNorm", hidden,
                    eps);
    Value up = e.activation(
        act, e.linear(x, p + ".intermediate.dense", inter, hidden, true));
    Value down = e.linear(up, p + ".output.dense", hidden, inter, true);
    x = e.endLayer(
        e.layernorm(e.add(x, down), p + ".output.LayerNorm", hidden, eps));
  }
  return x;
}

} // namespace seqc::hf
