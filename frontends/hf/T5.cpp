//===- T5.cpp - T5, Flan-T5 and mT5 encoder-decoders ----------------------===//
//
// T5ForConditionalGeneration and MT5ForConditionalGeneration (the same
// model; mT5 never scales the decoder output): the shared embedding (unscaled,
// no positional embedding), then pre-norm blocks with T5's RMS LayerNorm (no
// mean, no bias) — encoder: x += o(attn(norm x)); x += ff(norm x); decoder:
// causal self-attention, cross-attention over the encoder output, then the MLP
// — and a final norm per stack. Attention has no bias and no 1/sqrt(d) scaling;
// self-attention adds a relative position bias, a learned [buckets, heads]
// table owned by each stack's first block and shared by all its blocks, indexed
// by T5's log-spaced bucket of key - query (bidirectional in the encoder,
// causal in the decoder). The MLP is wo(act(wi x)) or, gated (v1.1, Flan-T5,
// mT5), wo(act(wi_0 x) · wi_1 x). The LM head reads the decoder output times
// d_model^-0.5 when scale_decoder_outputs says so (original T5; transformers
// derives it from tie_word_embeddings).
//
// As for the other encoder-decoders (EncoderDecoder.cpp), `encode` fills
// each decoder layer's cross-attention keys and values.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

struct T5Sizes {
  int64_t hidden = 0, inner = 0, ffn = 0, heads = 0, buckets = 32,
          maxDistance = 128;
  bool gated = false;
  seq::ActivationKind act = seq::ActivationKind::relu;
  double eps = 1e-6;
};

/// T5's relative position bias [1, heads, Sq, Skv] from `table` [buckets,
/// heads]: query i sits at `queryOffset` + i, key j at j; the bucket of
/// j - (queryOffset + i) as transformers' _relative_position_bucket computes
/// it (the log-spaced part in f32, truncated).
Value relativeBias(ModelEmitter &e, const T5Sizes &s, Value table,
                   Value queryOffset, Value queries, OpFoldResult keys,
                   bool bidirectional) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  int64_t dyn = ShapedType::kDynamic;
  SmallVector<Value> dynamicSizes = {queries};
  std::optional<int64_t> staticKeys = getConstantIntValue(keys);
  if (!staticKeys)
    dynamicSizes.push_back(cast<Value>(keys));
  auto type = RankedTensorType::get(
      {1, s.heads, dyn, staticKeys ? *staticKeys : dyn}, b.getF32Type());
  int64_t buckets = bidirectional ? s.buckets / 2 : s.buckets;
  int64_t maxExact = buckets / 2;
  return tensor::GenerateOp::create(
      b, loc, type, dynamicSizes,
      [&](OpBuilder &nb, Location l, ValueRange at) {
        Type i64 = nb.getI64Type(), f32 = nb.getF32Type();
        auto i = [&](int64_t v) {
          return arith::ConstantIntOp::create(nb, l, v, 64).getResult();
        };
        auto f = [&](double v) {
          return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(v))
              .getResult();
        };
        Value query = arith::IndexCastOp::create(
            nb, l, i64, arith::AddIOp::create(nb, l, queryOffset, at[2]));
        Value key = arith::IndexCastOp::create(nb, l, i64, at[3]);
        Value rel = arith::SubIOp::create(nb, l, key, query);
        Value base = i(0);
        if (bidirectional) {
          Value after = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sgt,
                                              rel, i(0));
          base = arith::SelectOp::create(nb, l, after, i(buckets), i(0));
          rel = math::AbsIOp::create(nb, l, rel);
        } else {
          rel = arith::SubIOp::create(nb, l, i(0),
                                      arith::MinSIOp::create(nb, l, rel, i(0)));
        }
        Value small = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                            rel, i(maxExact));
        // max_exact + log(rel / max_exact) / log(max_distance / max_exact)
        //             * (buckets - max_exact), truncated, at most buckets - 1.
        Value ratio = arith::DivFOp::create(
            nb, l, arith::SIToFPOp::create(nb, l, f32, rel),
            f(double(maxExact)));
        Value scaled = arith::MulFOp::create(
            nb, l,
            arith::DivFOp::create(
                nb, l, math::LogOp::create(nb, l, ratio),
                f(static_cast<float>(
                    std::log(double(s.maxDistance) / double(maxExact))))),
            f(double(buckets - maxExact)));
        Value large = arith::MinSIOp::create(
            nb, l,
            arith::AddIOp::create(nb, l, i(maxExact),
                                  arith::FPToSIOp::create(nb, l, i64, scaled)),
            i(buckets - 1));
        Value bucket = arith::AddIOp::create(
            nb, l, base, arith::SelectOp::create(nb, l, small, rel, large));
        Value row =
            arith::IndexCastOp::create(nb, l, nb.getIndexType(), bucket);
        tensor::YieldOp::create(
            nb, l,
            tensor::ExtractOp::create(nb, l, table, ValueRange{row, at[1]})
                .getResult());
      });
}

Value heads(ModelEmitter &e, const T5Sizes &s, Value x,
            const std::string &name) {
  return e.splitHeads(e.linear(x, name, s.inner, s.hidden, false), s.heads,
                      s.inner / s.heads);
}

/// Attention without scaling (T5 folds it into its weights), then o. A
/// `perBeam` self-attention reads per-beam caches in decode_beams.
Value attention(ModelEmitter &e, const T5Sizes &s, Value q, Value k, Value v,
                Value bias, Value kvLength, bool causal, Value keyScales,
                Value valueScales, const std::string &prefix,
                bool perBeam = false) {
  OpBuilder &b = e.builder();
  if (perBeam)
    q = e.beamQuery(q);
  Value o = seq::AttentionOp::create(
      b, e.loc(), q, k, v, bias, kvLength, keyScales, valueScales,
      b.getF32FloatAttr(1.0f), causal, nullptr, nullptr, nullptr, nullptr,
      nullptr, nullptr);
  if (perBeam)
    o = e.beamOutput(o);
  return e.linear(e.mergeHeads(o), prefix + ".o", s.hidden, s.inner, false);
}

Value feedForward(ModelEmitter &e, const T5Sizes &s, Value x,
                  const std::string &p) {
  std::string d = p + ".DenseReluDense";
  Value h =
      s.gated
          ? e.glu(s.act, e.linear(x, d + ".wi_0", s.ffn, s.hidden, false),
                  e.linear(x, d + ".wi_1", s.ffn, s.hidden, false))
          : e.activation(s.act, e.linear(x, d + ".wi", s.ffn, s.hidden, false));
  return e.linear(h, d + ".wo", s.hidden, s.ffn, false);
}

} // namespace

Value buildT5(ModelEmitter &e, HfConfig &c, StringRef arch,
              int64_t maxPositions) {
  T5Sizes s;
  int64_t vocab = c.size("vocab_size");
  s.hidden = c.size("d_model");
  int64_t dkv = c.size("d_kv");
  s.ffn = c.size("d_ff");
  s.heads = c.size("num_heads");
  s.inner = s.heads * dkv;
  int64_t layers = c.size("num_layers", 4096);
  int64_t decoderLayers = c.size("num_decoder_layers", layers, 4096);
  s.buckets = c.size("relative_attention_num_buckets", 32, 1 << 16);
  s.maxDistance = c.size("relative_attention_max_distance", 128, INT32_MAX);
  s.eps = c.nonNegative("layer_norm_epsilon", 1e-6);
  // feed_forward_proj "act" or "gated-act"; transformers stores what it
  // derives (dense_act_fn, is_gated_act) and those win when present.
  std::string proj = c.string("feed_forward_proj", "relu");
  size_t dash = proj.find('-');
  bool gated = dash != std::string::npos && proj.substr(0, dash) == "gated";
  std::string actName = gated ? proj.substr(dash + 1) : proj;
  if ((dash != std::string::npos && !gated) ||
      actName.find('-') != std::string::npos)
    c.fail("feed_forward_proj",
           "'" + proj +
               "' is not 'ACT' or 'gated-ACT' (transformers rejects it)");
  if (proj == "gated-gelu")
    actName = "gelu_new"; // transformers' backwards-compatible alias
  s.gated = c.boolean("is_gated_act", gated);
  s.act = activationField(c, "dense_act_fn", actName);
  // mT5 never scales (transformers' MT5 has no scale_decoder_outputs).
  bool mt5 = arch == "MT5ForConditionalGeneration";
  bool scaleOutputs = !mt5 && (c.has("scale_decoder_outputs")
                                   ? c.boolean("scale_decoder_outputs", true)
                                   : c.boolean("tie_word_embeddings", true));
  if (mt5)
    c.irrelevant({"scale_decoder_outputs"});
  c.irrelevant({"dropout_rate", "initializer_factor", "classifier_dropout",
                "tie_word_embeddings"});
  if (s.buckets < 4)
    c.fail("relative_attention_num_buckets",
           "must be at least 4 (bidirectional buckets hold exact and "
           "log-spaced halves)");
  if (s.maxDistance <= s.buckets / 4)
    c.fail("relative_attention_max_distance",
           "must exceed the exact buckets' range");
  if (!c.error().empty())
    return nullptr;
  int64_t capacity = maxPositions;
  int64_t dim = s.inner / s.heads;

  OpBuilder &b = e.builder();
  // The decoder, built twice: for prefill/decode and for decode_beams.
  auto decoder = [&]() -> Value {
    ModelEmitter::CrossStates cross =
        e.addCrossStates(decoderLayers, capacity, s.heads, dim);
    Value x = e.tokenEmbedding("shared.weight", vocab, s.hidden);
    // Causal relative bias over the whole cache (keys past kv_length are
    // never visible), from the first block's table; one query row per beam
    // in decode_beams, broadcast over the beams.
    Value decoderBias = relativeBias(
        e, s,
        e.weight("decoder.block.0.layer.0.SelfAttention.relative_attention_"
                 "bias.weight",
                 {s.buckets, s.heads}),
        e.position(), e.rowTokens(), b.getIndexAttr(capacity),
        /*bidirectional=*/false);
    for (int64_t i = 0; i < decoderLayers && e.error().empty(); ++i) {
      std::string p = "decoder.block." + std::to_string(i);
      e.beginLayer();
      std::string a = p + ".layer.0.SelfAttention";
      Value h = e.rmsnorm(x, p + ".layer.0.layer_norm.weight", s.hidden, s.eps);
      ModelEmitter::KvCache cache = e.cacheKeysValues(
          "decoder.layers." + std::to_string(i), heads(e, s, h, a + ".k"),
          heads(e, s, h, a + ".v"), capacity, /*ring=*/false);
      x = e.add(x, attention(e, s, heads(e, s, h, a + ".q"), cache.keys,
                             cache.values, decoderBias, e.selfKvLength(), true,
                             cache.keyScales, cache.valueScales, a,
                             /*perBeam=*/true));
      std::string ca = p + ".layer.1.EncDecAttention";
      h = e.rmsnorm(x, p + ".layer.1.layer_norm.weight", s.hidden, s.eps);
      Value o = e.crossAttention(cross, i, heads(e, s, h, ca + ".q"),
                                 b.getF32FloatAttr(1.0f));
      x = e.add(x,
                e.linear(e.mergeHeads(o), ca + ".o", s.hidden, s.inner, false));
      h = e.rmsnorm(x, p + ".layer.2.layer_norm.weight", s.hidden, s.eps);
      x = e.endLayer(e.add(x, feedForward(e, s, h, p + ".layer.2")));
    }
    if (!e.error().empty())
      return nullptr;
    x = e.rmsnorm(x, "decoder.final_layer_norm.weight", s.hidden, s.eps);
    if (scaleOutputs)
      x = e.scale(x, std::pow(static_cast<double>(s.hidden), -0.5));
    return e.linear(x, e.lmHead(c, "shared", true), vocab, s.hidden, false);
  };
  e.beginForward();
  Value logits = decoder();
  if (!logits)
    return nullptr;

  e.emitEncodeEntry([&] {
    Value h = e.tokenEmbedding("shared.weight", vocab, s.hidden);
    Value bias = relativeBias(
        e, s,
        e.weight("encoder.block.0.layer.0.SelfAttention.relative_attention_"
                 "bias.weight",
                 {s.buckets, s.heads}),
        e.position(), e.length(), e.length(), /*bidirectional=*/true);
    for (int64_t i = 0; i < layers && e.error().empty(); ++i) {
      std::string p = "encoder.block." + std::to_string(i);
      e.beginLayer();
      std::string a = p + ".layer.0.SelfAttention";
      Value n = e.rmsnorm(h, p + ".layer.0.layer_norm.weight", s.hidden, s.eps);
      h = e.add(h, attention(e, s, heads(e, s, n, a + ".q"),
                             heads(e, s, n, a + ".k"), heads(e, s, n, a + ".v"),
                             bias, Value(), false, Value(), Value(), a));
      n = e.rmsnorm(h, p + ".layer.1.layer_norm.weight", s.hidden, s.eps);
      h = e.endLayer(e.add(h, feedForward(e, s, n, p + ".layer.1")));
    }
    if (e.error().empty())
      h = e.rmsnorm(h, "encoder.final_layer_norm.weight", s.hidden, s.eps);
    for (int64_t i = 0; i < decoderLayers && e.error().empty(); ++i) {
      std::string ca =
          "decoder.block." + std::to_string(i) + ".layer.1.EncDecAttention";
      e.writeCrossStates(i, heads(e, s, h, ca + ".k"),
                         heads(e, s, h, ca + ".v"));
    }
    e.writeSourceLength();
  });
  e.emitBeamEntry(decoder);
  e.setMaxSourcePositions(capacity);
  return logits;
}

} // namespace seqc::hf
