//===- EncoderDecoder.cpp - Marian, BART and mBART translation models -----===//
//
// MarianMTModel, BartForConditionalGeneration and
// MBartForConditionalGeneration share one layout: token embeddings (shared
// by encoder and decoder, times sqrt(d_model) with scale_embedding) plus
// positions, then layers of self-attention and an MLP (encoder), or
// causal self-attention over the KV cache, cross-attention over the
// encoder output and an MLP (decoder); every projection has a bias,
// attention scales by head_dim^-0.5, the LM head is the shared embedding
// plus final_logits_bias. They differ in:
//   - positions: Marian's sinusoidal table (sines in the first half of each
//     vector, cosines in the second, computed as transformers computes it:
//     in f64, then rounded to f32); BART's and mBART's learned tables, read
//     at position + 2, followed by a LayerNorm (layernorm_embedding);
//   - post-LN layers, x = LN(x + f(x)) (Marian, BART), or pre-LN layers,
//     x = x + f(LN(x)), with a final LayerNorm per stack (mBART).
//
// The module's `encode` entry runs the encoder on the source ids and
// writes each decoder layer's cross-attention keys and values, and the
// source length, into states; `prefill`/`decode` run the decoder from the
// session's position, reading them.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

/// What distinguishes the families (see the header).
struct Style {
  bool sinusoidal; ///< Marian; else learned positions at offset 2 and
                   ///< layernorm_embedding (BART, mBART)
  bool preNorm;    ///< pre-LN layers and a final layer_norm (mBART)
};

struct Sizes {
  Style style;
  int64_t hidden = 0, vocab = 0, positions = 0;
  /// The decoder's (target) vocabulary and the token tables: Marian without
  /// shared embeddings has one per stack, the others model.shared.
  int64_t decoderVocab = 0;
  std::string encoderTable = "model.shared", decoderTable = "model.shared";
  int64_t encoderLayers = 0, encoderHeads = 0, encoderFfn = 0;
  int64_t decoderLayers = 0, decoderHeads = 0, decoderFfn = 0;
  double embedScale = 1.0;
  seq::ActivationKind act = seq::ActivationKind::silu;
};

/// Marian's sinusoidal position rows for `positions` [S] i64, [1, S, d]
/// f32: column c < d/2 is sin(p / 10000^(2c/d)), column d/2 + c its cosine,
/// evaluated in f64 and rounded once, as transformers builds its table.
Value sinusoidalPositions(ModelEmitter &e, Value positions, int64_t dim) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  MLIRContext *ctx = b.getContext();
  Value length = tensor::DimOp::create(b, loc, positions, 0);
  auto type =
      RankedTensorType::get({ShapedType::kDynamic, dim}, b.getF32Type());
  Value empty = tensor::EmptyOp::create(b, loc, type, ValueRange{length});
  int64_t half = dim / 2;
  auto generic = linalg::GenericOp::create(
      b, loc, type, ValueRange{positions}, ValueRange{empty},
      SmallVector<AffineMap>{
          AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx),
          AffineMap::getMultiDimIdentityMap(2, ctx)},
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Type f64 = nb.getF64Type();
        Value col = linalg::IndexOp::create(nb, l, 1);
        Value halfIdx = arith::ConstantIndexOp::create(nb, l, half);
        Value isCos = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::uge,
                                            col, halfIdx);
        Value c = arith::SelectOp::create(
            nb, l, isCos, arith::SubIOp::create(nb, l, col, halfIdx), col);
        Value c64 = arith::UIToFPOp::create(
            nb, l, f64, arith::IndexCastOp::create(nb, l, nb.getI64Type(), c));
        // 10000^(2c/d), the position over it.
        Value exponent = arith::DivFOp::create(
            nb, l,
            arith::MulFOp::create(
                nb, l, arith::ConstantOp::create(nb, l, nb.getF64FloatAttr(2)),
                c64),
            arith::ConstantOp::create(nb, l, nb.getF64FloatAttr(double(dim))));
        Value base = math::PowFOp::create(
            nb, l, arith::ConstantOp::create(nb, l, nb.getF64FloatAttr(1e4)),
            exponent);
        Value angle = arith::DivFOp::create(
            nb, l, arith::SIToFPOp::create(nb, l, f64, args[0]), base);
        Value v = arith::SelectOp::create(nb, l, isCos,
                                          math::CosOp::create(nb, l, angle),
                                          math::SinOp::create(nb, l, angle));
        linalg::YieldOp::create(
            nb, l,
            arith::TruncFOp::create(nb, l, nb.getF32Type(), v).getResult());
      });
  return tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get({1, ShapedType::kDynamic, dim}, b.getF32Type()),
      generic.getResult(0), SmallVector<ReassociationIndices>{{0, 1}, {2}},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), length,
                                b.getIndexAttr(dim)});
}

/// Token embeddings (scaled) plus positions, [1, S, d], of `stack`
/// ("model.encoder" or "model.decoder").
Value embed(ModelEmitter &e, const Sizes &s, const std::string &stack,
            double eps) {
  bool decoder = stack == "model.decoder";
  Value x =
      e.tokenEmbedding((decoder ? s.decoderTable : s.encoderTable) + ".weight",
                       decoder ? s.decoderVocab : s.vocab, s.hidden);
  if (s.embedScale != 1.0)
    x = e.scale(x, s.embedScale);
  if (s.style.sinusoidal)
    return e.add(x, sinusoidalPositions(e, e.positions(), s.hidden));
  // Learned positions, read at position + 2 (the table has 2 more rows).
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  Value table =
      e.weight(stack + ".embed_positions.weight", {s.positions + 2, s.hidden});
  Value positions = e.positions();
  Value shifted = tensor::GenerateOp::create(
      b, loc, RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type()),
      ValueRange{e.length()}, [&](OpBuilder &nb, Location l, ValueRange at) {
        Value p = tensor::ExtractOp::create(nb, l, positions, at);
        tensor::YieldOp::create(
            nb, l,
            arith::AddIOp::create(nb, l, p,
                                  arith::ConstantIntOp::create(nb, l, 2, 64))
                .getResult());
      });
  Value ids = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({1, ShapedType::kDynamic}, b.getI64Type()),
      shifted, SmallVector<ReassociationIndices>{{0, 1}},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), e.length()});
  x = e.add(x, seq::EmbeddingOp::create(b, loc, table, ids, /*scales=*/Value(),
                                        /*offsets=*/Value()));
  return e.layernorm(x, stack + ".layernorm_embedding", s.hidden, eps);
}

/// A residual block around `f` with LayerNorm `norm`: LN(x + f(x)) post-LN,
/// x + f(LN(x)) pre-LN.
Value residual(ModelEmitter &e, const Sizes &s, Value x,
               const std::string &norm, double eps,
               llvm::function_ref<Value(Value)> f) {
  if (s.style.preNorm)
    return e.add(x, f(e.layernorm(x, norm, s.hidden, eps)));
  return e.layernorm(e.add(x, f(x)), norm, s.hidden, eps);
}

/// Self- or cross-attention's projections of `prefix`: q from `x`, k and v
/// from `kv`, each [1, S, heads, dim].
struct Projected {
  Value q, k, v;
};
Value projectHeads(ModelEmitter &e, Value in, const std::string &name,
                   int64_t hidden, int64_t heads) {
  return e.splitHeads(e.linear(in, name, hidden, hidden, true), heads,
                      hidden / heads);
}
Projected project(ModelEmitter &e, Value x, Value kv, const std::string &prefix,
                  int64_t hidden, int64_t heads) {
  return {projectHeads(e, x, prefix + ".q_proj", hidden, heads),
          kv ? projectHeads(e, kv, prefix + ".k_proj", hidden, heads) : Value(),
          kv ? projectHeads(e, kv, prefix + ".v_proj", hidden, heads)
             : Value()};
}
/// k and v only (the cross-attention's, from the encoder output).
Projected projectKeysValues(ModelEmitter &e, Value kv,
                            const std::string &prefix, int64_t hidden,
                            int64_t heads) {
  return {Value(), projectHeads(e, kv, prefix + ".k_proj", hidden, heads),
          projectHeads(e, kv, prefix + ".v_proj", hidden, heads)};
}

/// The MLP block: fc2(act(fc1 x)) with final_layer_norm.
Value feedForward(ModelEmitter &e, Value x, const std::string &p, int64_t ffn,
                  const Sizes &s, double eps) {
  return residual(e, s, x, p + ".final_layer_norm", eps, [&](Value h) {
    Value up =
        e.activation(s.act, e.linear(h, p + ".fc1", ffn, s.hidden, true));
    return e.linear(up, p + ".fc2", s.hidden, ffn, true);
  });
}

/// The encoder's self-attention of `prefix`: every source position
/// visible, then out_proj.
Value encoderAttention(ModelEmitter &e, const Sizes &s, const Projected &self,
                       const std::string &prefix) {
  OpBuilder &b = e.builder();
  Value o = seq::AttentionOp::create(
      b, e.loc(), self.q, self.k, self.v, Value(), Value(), Value(), Value(),
      nullptr, /*causal=*/false, nullptr, nullptr, nullptr, nullptr, nullptr,
      nullptr);
  return e.linear(e.mergeHeads(o), prefix + ".out_proj", s.hidden, s.hidden,
                  true);
}

/// The decoder's causal self-attention over its KV cache (per beam in
/// decode_beams).
Value selfAttention(ModelEmitter &e, const Sizes &s, Value h, int64_t layer,
                    int64_t heads, int64_t capacity, const std::string &p) {
  OpBuilder &b = e.builder();
  Projected self = project(e, h, h, p + ".self_attn", s.hidden, heads);
  ModelEmitter::KvCache cache =
      e.cacheKeysValues("decoder.layers." + std::to_string(layer), self.k,
                        self.v, capacity, /*ring=*/false);
  Value o = seq::AttentionOp::create(
      b, e.loc(), e.beamQuery(self.q), cache.keys, cache.values, Value(),
      e.selfKvLength(), cache.keyScales, cache.valueScales, nullptr,
      /*causal=*/true, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  return e.linear(e.mergeHeads(e.beamOutput(o)), p + ".self_attn.out_proj",
                  s.hidden, s.hidden, true);
}

} // namespace

static Value buildEncoderDecoder(ModelEmitter &e, HfConfig &c, StringRef arch,
                                 int64_t maxPositions, Style style) {
  Sizes s;
  s.style = style;
  s.hidden = c.size("d_model");
  s.vocab = c.size("vocab_size");
  s.positions = c.size("max_position_embeddings", 1024, INT32_MAX);
  s.encoderLayers = c.size("encoder_layers", 4096);
  s.encoderHeads = c.size("encoder_attention_heads");
  s.encoderFfn = c.size("encoder_ffn_dim");
  s.decoderLayers = c.size("decoder_layers", 4096);
  s.decoderHeads = c.size("decoder_attention_heads");
  s.decoderFfn = c.size("decoder_ffn_dim");
  s.act = activationField(c, "activation_function", "gelu");
  if (c.boolean("scale_embedding", false))
    s.embedScale = std::sqrt(static_cast<double>(s.hidden));
  // transformers' layers use LayerNorm's default epsilon.
  const double eps = 1e-5;
  // Training-only fields, and the classification heads' (not built here).
  c.irrelevant({"encoder_layerdrop", "decoder_layerdrop", "activation_dropout",
                "init_std", "classifier_dropout", "num_labels"});
  // Marian may give each stack a vocabulary of its own; shared (the
  // default), transformers ties both tables to model.shared, of
  // vocab_size rows, whatever decoder_vocab_size says.
  s.decoderVocab = s.vocab;
  if (arch == "MarianMTModel") {
    int64_t decoderVocab = c.size("decoder_vocab_size", s.vocab, INT32_MAX);
    if (!c.boolean("share_encoder_decoder_embeddings", true)) {
      s.decoderVocab = decoderVocab;
      s.encoderTable = "model.encoder.embed_tokens";
      s.decoderTable = "model.decoder.embed_tokens";
      e.setSourceVocabSize(s.vocab);
    }
  }
  for (auto [heads, key] :
       {std::pair{s.encoderHeads, "encoder_attention_heads"},
        std::pair{s.decoderHeads, "decoder_attention_heads"}})
    if (heads <= 0 || s.hidden % heads != 0)
      c.fail(key, "must divide d_model");
  if (style.sinusoidal && s.hidden % 2 != 0)
    c.fail("d_model", "must be even (sinusoidal positions)");
  if (!c.error().empty())
    return nullptr;
  // Sessions hold at most the table's positions, source and target alike.
  int64_t capacity = std::min(maxPositions, s.positions);

  OpBuilder &b = e.builder();
  Location loc = e.loc();
  int64_t dHeads = s.decoderHeads, dDim = s.hidden / dHeads;
  // The decoder, built twice: for prefill/decode and for decode_beams.
  auto decoder = [&]() -> Value {
    // Its states first (the encoder fills the cross ones).
    ModelEmitter::CrossStates cross =
        e.addCrossStates(s.decoderLayers, capacity, dHeads, dDim);
    Value x = embed(e, s, "model.decoder", eps);
    for (int64_t i = 0; i < s.decoderLayers && e.error().empty(); ++i) {
      std::string p = "model.decoder.layers." + std::to_string(i);
      e.beginLayer();
      x = residual(e, s, x, p + ".self_attn_layer_norm", eps, [&](Value h) {
        return selfAttention(e, s, h, i, dHeads, capacity, p);
      });
      // Cross-attention: every source position visible.
      x = residual(e, s, x, p + ".encoder_attn_layer_norm", eps, [&](Value h) {
        Value q =
            projectHeads(e, h, p + ".encoder_attn.q_proj", s.hidden, dHeads);
        return e.linear(e.mergeHeads(e.crossAttention(cross, i, q)),
                        p + ".encoder_attn.out_proj", s.hidden, s.hidden, true);
      });
      x = e.endLayer(feedForward(e, x, p, s.decoderFfn, s, eps));
    }
    if (!e.error().empty())
      return nullptr;
    if (style.preNorm)
      x = e.layernorm(x, "model.decoder.layer_norm", s.hidden, eps);
    // The head's bias: final_logits_bias [1, vocab] as [vocab]; the head
    // is the decoder's table unless tie_word_embeddings is false.
    Value bias = tensor::CollapseShapeOp::create(
        b, loc, e.weight("final_logits_bias", {1, s.decoderVocab}),
        SmallVector<ReassociationIndices>{{0, 1}});
    return e.linearWithBias(x, e.lmHead(c, s.decoderTable, true),
                            s.decoderVocab, s.hidden, bias);
  };
  e.beginForward();
  Value logits = decoder();
  if (!logits)
    return nullptr;

  // Encoder: the `encode` entry.
  e.emitEncodeEntry([&] {
    Value h = embed(e, s, "model.encoder", eps);
    int64_t eHeads = s.encoderHeads;
    for (int64_t i = 0; i < s.encoderLayers && e.error().empty(); ++i) {
      std::string p = "model.encoder.layers." + std::to_string(i);
      e.beginLayer();
      h = residual(e, s, h, p + ".self_attn_layer_norm", eps, [&](Value in) {
        Projected self = project(e, in, in, p + ".self_attn", s.hidden, eHeads);
        return encoderAttention(e, s, self, p + ".self_attn");
      });
      h = e.endLayer(feedForward(e, h, p, s.encoderFfn, s, eps));
    }
    if (style.preNorm && e.error().empty())
      h = e.layernorm(h, "model.encoder.layer_norm", s.hidden, eps);
    // Each decoder layer's cross keys and values, once per source.
    for (int64_t i = 0; i < s.decoderLayers && e.error().empty(); ++i) {
      std::string p = "model.decoder.layers." + std::to_string(i);
      Projected kv =
          projectKeysValues(e, h, p + ".encoder_attn", s.hidden, dHeads);
      e.writeCrossStates(i, kv.k, kv.v);
    }
    e.writeSourceLength();
  });
  e.emitBeamEntry(decoder);
  e.setMaxSourcePositions(capacity);
  return logits;
}

Value buildMarian(ModelEmitter &e, HfConfig &c, StringRef arch,
                  int64_t maxPositions) {
  return buildEncoderDecoder(e, c, arch, maxPositions,
                             {/*sinusoidal=*/true, /*preNorm=*/false});
}

Value buildBart(ModelEmitter &e, HfConfig &c, StringRef arch,
                int64_t maxPositions) {
  return buildEncoderDecoder(
      e, c, arch, maxPositions,
      {/*sinusoidal=*/false,
       /*preNorm=*/arch == "MBartForConditionalGeneration"});
}

} // namespace seqc::hf
