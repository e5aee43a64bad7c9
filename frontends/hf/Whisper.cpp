//===- Whisper.cpp - WhisperForConditionalGeneration ----------------------===//
//
// Whisper (speech to text) as transformers computes it. The `encode` entry
// reads log-mel features [1, mels, 2·S] (S = max_source_positions, the
// only length transformers accepts): two convolutions of width 3 and
// padding 1 (the second with stride 2), each followed by exact GELU, the
// stored positions of all S rows, pre-LN layers and a final LayerNorm; it
// writes each decoder layer's cross keys and values. The decoder: token
// embeddings (scaled with scale_embedding) plus learned positions, pre-LN
// layers with causal self-attention and cross-attention, a final
// LayerNorm and the head (proj_out, tied to the token table). Every
// attention's k_proj has no bias.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

struct WhisperSizes {
  int64_t hidden = 0, vocab = 0, mels = 0;
  int64_t sourcePositions = 0, targetPositions = 0;
  int64_t encoderLayers = 0, encoderHeads = 0, encoderFfn = 0;
  int64_t decoderLayers = 0, decoderHeads = 0, decoderFfn = 0;
  double embedScale = 1.0;
  seq::ActivationKind act = seq::ActivationKind::gelu;
};

/// transformers' nn.LayerNorm default.
constexpr double kEpsilon = 1e-5;

/// conv1d of width 3, padding 1 and `stride` over the time axis of `x`,
/// then exact GELU: [1, T', out] from `x` [1, channels, T] (channels first,
/// the features) or [1, T, channels] (time first, the first conv's
/// output). As im2col [1, T', channels·3] — element c·3 + j is the input
/// at channel c, time stride·t + j - 1 (zero outside) — times the stored
/// weight [out, channels, 3] read as [out, channels·3].
Value convolution(ModelEmitter &e, Value x, bool channelsFirst,
                  int64_t channels, int64_t time, int64_t stride, int64_t out,
                  const std::string &prefix) {
  OpBuilder &b = e.builder();
  Location loc = e.loc();
  int64_t outTime = (time + 2 - 3) / stride + 1;
  auto colsType =
      RankedTensorType::get({1, outTime, channels * 3}, b.getF32Type());
  Value cols = tensor::GenerateOp::create(
      b, loc, colsType, ValueRange{},
      [&](OpBuilder &nb, Location l, ValueRange at) {
        auto c = [&](int64_t v) {
          return arith::ConstantIndexOp::create(nb, l, v).getResult();
        };
        Value channel = arith::DivUIOp::create(nb, l, at[2], c(3));
        Value tap = arith::RemUIOp::create(nb, l, at[2], c(3));
        // Input time stride·t + tap - 1, in [0, time) or padding.
        Value shifted = arith::AddIOp::create(
            nb, l, arith::MulIOp::create(nb, l, at[1], c(stride)), tap);
        Value inside = arith::AndIOp::create(
            nb, l,
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::uge, shifted,
                                  c(1)),
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ule, shifted,
                                  c(time)));
        Value value =
            scf::IfOp::create(
                nb, l, inside,
                [&](OpBuilder &tb, Location tl) {
                  Value t = arith::SubIOp::create(tb, tl, shifted, c(1));
                  SmallVector<Value> index =
                      channelsFirst ? SmallVector<Value>{c(0), channel, t}
                                    : SmallVector<Value>{c(0), t, channel};
                  scf::YieldOp::create(
                      tb, tl,
                      tensor::ExtractOp::create(tb, tl, x, index).getResult());
                },
                [&](OpBuilder &fb, Location fl) {
                  scf::YieldOp::create(
                      fb, fl,
                      arith::ConstantOp::create(fb, fl, fb.getF32FloatAttr(0))
                          .getResult());
                })
                .getResult(0);
        tensor::YieldOp::create(nb, l, value);
      });
  Value weight = tensor::CollapseShapeOp::create(
      b, loc, e.weight(prefix + ".weight", {out, channels, 3}),
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value y = seq::LinearOp::create(b, loc, cols, weight,
                                  e.weight(prefix + ".bias", {out}),
                                  /*scales=*/Value(), /*offsets=*/Value(), 8);
  return e.activation(seq::ActivationKind::gelu, y);
}

/// [1, S, hidden] -> [1, S, heads, hidden / heads].
Value heads(ModelEmitter &e, Value x, const std::string &name, int64_t hidden,
            int64_t count, bool bias) {
  return e.splitHeads(e.linear(x, name, hidden, hidden, bias), count,
                      hidden / count);
}

/// softmax(q·kᵀ / sqrt(d))·v, then out_proj; `perBeam` for the decoder's
/// self-attention (per-beam caches in decode_beams).
Value attend(ModelEmitter &e, Value q, Value k, Value v, Value kvLength,
             bool causal, Value keyScales, Value valueScales,
             const std::string &prefix, int64_t hidden, bool perBeam) {
  OpBuilder &b = e.builder();
  if (perBeam)
    q = e.beamQuery(q);
  Value o = seq::AttentionOp::create(
      b, e.loc(), q, k, v, Value(), kvLength, keyScales, valueScales, nullptr,
      causal, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (perBeam)
    o = e.beamOutput(o);
  return e.linear(e.mergeHeads(o), prefix + ".out_proj", hidden, hidden, true);
}

/// x + f(LayerNorm(x)).
Value preNorm(ModelEmitter &e, Value x, const std::string &norm, int64_t hidden,
              llvm::function_ref<Value(Value)> f) {
  return e.add(x, f(e.layernorm(x, norm, hidden, kEpsilon)));
}

Value feedForward(ModelEmitter &e, Value x, const std::string &p,
                  const WhisperSizes &s, int64_t ffn) {
  return preNorm(e, x, p + ".final_layer_norm", s.hidden, [&](Value h) {
    Value up =
        e.activation(s.act, e.linear(h, p + ".fc1", ffn, s.hidden, true));
    return e.linear(up, p + ".fc2", s.hidden, ffn, true);
  });
}

} // namespace

Value buildWhisper(ModelEmitter &e, HfConfig &c, StringRef arch,
                   int64_t maxPositions) {
  WhisperSizes s;
  s.hidden = c.size("d_model");
  s.vocab = c.size("vocab_size");
  s.mels = c.size("num_mel_bins", 80, 4096);
  s.sourcePositions = c.size("max_source_positions", 1500, 1 << 20);
  s.targetPositions = c.size("max_target_positions", 448, INT32_MAX);
  s.encoderLayers = c.size("encoder_layers", 4096);
  s.encoderHeads = c.size("encoder_attention_heads");
  s.encoderFfn = c.size("encoder_ffn_dim");
  s.decoderLayers = c.size("decoder_layers", 4096);
  s.decoderHeads = c.size("decoder_attention_heads");
  s.decoderFfn = c.size("decoder_ffn_dim");
  s.act = activationField(c, "activation_function", "gelu");
  if (c.boolean("scale_embedding", false))
    s.embedScale = std::sqrt(static_cast<double>(s.hidden));
  // Training-only fields (SpecAugment, layer drop), the audio
  // classification head's, and the timestamp aligner's.
  c.irrelevant({"encoder_layerdrop",
                "decoder_layerdrop",
                "activation_dropout",
                "init_std",
                "apply_spec_augment",
                "mask_time_prob",
                "mask_time_length",
                "mask_time_min_masks",
                "mask_feature_prob",
                "mask_feature_length",
                "mask_feature_min_masks",
                "classifier_proj_size",
                "use_weighted_layer_sum",
                "median_filter_width",
                "suppress_tokens",
                "begin_suppress_tokens",
                "forced_decoder_ids",
                "alignment_heads",
                "lang_ids",
                "max_initial_timestamp_index",
                "no_timestamps_token_id",
                "prev_sot_token_id",
                "is_multilingual",
                "task_to_id",
                "lang_to_id"});
  for (auto [heads, key] :
       {std::pair{s.encoderHeads, "encoder_attention_heads"},
        std::pair{s.decoderHeads, "decoder_attention_heads"}})
    if (heads <= 0 || s.hidden % heads != 0)
      c.fail(key, "must divide d_model");
  if (!c.error().empty())
    return nullptr;
  (void)arch;
  int64_t capacity = std::min(maxPositions, s.targetPositions);
  e.limitPositions(capacity);
  int64_t dHeads = s.decoderHeads, dDim = s.hidden / dHeads;
  OpBuilder &b = e.builder();
  Location loc = e.loc();

  // The decoder, built twice: for prefill/decode and for decode_beams.
  auto decoder = [&]() -> Value {
    ModelEmitter::CrossStates cross =
        e.addCrossStates(s.decoderLayers, s.sourcePositions, dHeads, dDim);
    Value x = e.tokenEmbedding("model.decoder.embed_tokens.weight", s.vocab,
                               s.hidden);
    if (s.embedScale != 1.0)
      x = e.scale(x, s.embedScale);
    // Learned positions, read at the tokens' positions.
    Value positions = tensor::ExpandShapeOp::create(
        b, loc,
        RankedTensorType::get({1, ShapedType::kDynamic}, b.getI64Type()),
        e.positions(), SmallVector<ReassociationIndices>{{0, 1}},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), e.length()});
    x = e.add(x, seq::EmbeddingOp::create(
                     b, loc,
                     e.weight("model.decoder.embed_positions.weight",
                              {s.targetPositions, s.hidden}),
                     positions, /*scales=*/Value(), /*offsets=*/Value()));
    for (int64_t i = 0; i < s.decoderLayers && e.error().empty(); ++i) {
      std::string p = "model.decoder.layers." + std::to_string(i);
      e.beginLayer();
      x = preNorm(e, x, p + ".self_attn_layer_norm", s.hidden, [&](Value h) {
        std::string a = p + ".self_attn";
        ModelEmitter::KvCache cache = e.cacheKeysValues(
            "decoder.layers." + std::to_string(i),
            heads(e, h, a + ".k_proj", s.hidden, dHeads, false),
            heads(e, h, a + ".v_proj", s.hidden, dHeads, true), capacity,
            /*ring=*/false);
        return attend(e, heads(e, h, a + ".q_proj", s.hidden, dHeads, true),
                      cache.keys, cache.values, e.selfKvLength(),
                      /*causal=*/true, cache.keyScales, cache.valueScales, a,
                      s.hidden, /*perBeam=*/true);
      });
      x = preNorm(e, x, p + ".encoder_attn_layer_norm", s.hidden, [&](Value h) {
        std::string a = p + ".encoder_attn";
        Value o = e.crossAttention(
            cross, i, heads(e, h, a + ".q_proj", s.hidden, dHeads, true));
        return e.linear(e.mergeHeads(o), a + ".out_proj", s.hidden, s.hidden,
                        true);
      });
      x = e.endLayer(feedForward(e, x, p, s, s.decoderFfn));
    }
    if (!e.error().empty())
      return nullptr;
    x = e.layernorm(x, "model.decoder.layer_norm", s.hidden, kEpsilon);
    // proj_out is tied to the token table unless tie_word_embeddings is
    // false (then the checkpoint holds proj_out.weight).
    std::string head = c.boolean("tie_word_embeddings", true) &&
                               !e.hasWeight("proj_out.weight")
                           ? "model.decoder.embed_tokens"
                           : "proj_out";
    return e.linear(x, head, s.vocab, s.hidden, false);
  };
  e.beginForward();
  Value logits = decoder();
  if (!logits)
    return nullptr;

  // Encoder: the `encode` entry over the features.
  int64_t frames = 2 * s.sourcePositions;
  e.emitEncodeEntry(
      [&] {
        int64_t eHeads = s.encoderHeads;
        Value h = convolution(e, e.ids(), /*channelsFirst=*/true, s.mels,
                              frames, 1, s.hidden, "model.encoder.conv1");
        h = convolution(e, h, /*channelsFirst=*/false, s.hidden, frames, 2,
                        s.hidden, "model.encoder.conv2");
        Value table = e.weight("model.encoder.embed_positions.weight",
                               {s.sourcePositions, s.hidden});
        h = e.add(h,
                  tensor::ExpandShapeOp::create(
                      b, loc,
                      RankedTensorType::get({1, s.sourcePositions, s.hidden},
                                            b.getF32Type()),
                      table, SmallVector<ReassociationIndices>{{0, 1}, {2}}));
        // Rows as the layers take them: [1, ?, hidden] (length() of them).
        h = tensor::CastOp::create(
            b, loc,
            RankedTensorType::get({1, ShapedType::kDynamic, s.hidden},
                                  b.getF32Type()),
            h);
        for (int64_t i = 0; i < s.encoderLayers && e.error().empty(); ++i) {
          std::string p = "model.encoder.layers." + std::to_string(i);
          e.beginLayer();
          h = preNorm(
              e, h, p + ".self_attn_layer_norm", s.hidden, [&](Value n) {
                std::string a = p + ".self_attn";
                return attend(
                    e, heads(e, n, a + ".q_proj", s.hidden, eHeads, true),
                    heads(e, n, a + ".k_proj", s.hidden, eHeads, false),
                    heads(e, n, a + ".v_proj", s.hidden, eHeads, true), Value(),
                    /*causal=*/false, Value(), Value(), a, s.hidden,
                    /*perBeam=*/false);
              });
          h = e.endLayer(feedForward(e, h, p, s, s.encoderFfn));
        }
        if (e.error().empty())
          h = e.layernorm(h, "model.encoder.layer_norm", s.hidden, kEpsilon);
        // Each decoder layer's cross keys and values, once per source.
        for (int64_t i = 0; i < s.decoderLayers && e.error().empty(); ++i) {
          std::string a =
              "model.decoder.layers." + std::to_string(i) + ".encoder_attn";
          e.writeCrossStates(
              i, heads(e, h, a + ".k_proj", s.hidden, dHeads, false),
              heads(e, h, a + ".v_proj", s.hidden, dHeads, true));
        }
        e.writeSourceLength();
      },
      RankedTensorType::get({1, s.mels, frames}, b.getF32Type()),
      s.sourcePositions);
  e.emitBeamEntry(decoder);
  e.setMaxSourcePositions(s.sourcePositions);
  return logits;
}

} // namespace seqc::hf
