//===- ModelEmitter.h - build a language model in the seq dialect -*- C++
//-*-===//
//
// The building blocks every importer shares: weights checked against the
// checkpoint (a missing tensor or a shape that disagrees with the config is
// an error naming the tensor), projections, norms, head reshapes, positions,
// per-layer state (KV caches, conv and SSM states), and the `prefill` /
// `decode` entry points around one `forward` function.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_FRONTENDS_HF_MODELEMITTER_H
#define SEQC_FRONTENDS_HF_MODELEMITTER_H

#include "dialects/seq/IR/SeqOps.h"
#include "frontends/hf/Importer.h"

#include "frontends/hf/WeightsFile.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringMap.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace seqrt {
class WeightStore;
} // namespace seqrt

namespace seqc::hf {

class HfConfig;

class ModelEmitter {
public:
  ModelEmitter(mlir::MLIRContext *context, const seqrt::WeightStore &weights,
               std::string source);

  mlir::OpBuilder &builder() { return b; }
  mlir::Location loc() const { return location; }

  /// Starts `forward(ids: [1, ?] i64, pos: index, states...)`.
  void beginForward();
  mlir::Value ids() const { return idsArg; }
  mlir::Value position() const { return posArg; }
  /// The number of tokens of this call (dim 1 of ids).
  mlir::Value length() const { return lengthValue; }

  /// A checkpoint tensor of exactly `shape`, bound by name at load time.
  /// With `transposed`, the checkpoint stores the 2-D transpose of `shape`
  /// (GPT-2's Conv1D) and the runtime transposes it once at load. The
  /// element type is f32 unless `element` says otherwise.
  mlir::Value weight(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                     bool transposed = false, mlir::Type element = {});
  /// MoE experts' weights: what seq.moe reads for one of gate, up, down.
  struct StackedWeights {
    mlir::Value values, scales, offsets; ///< scales: block-quantized only
    int64_t bits = 8;
  };
  /// `count` checkpoint tensors [rows, cols], named by `pattern` with its
  /// `{}` replaced by 0, 1, ..., stacked along a new dim 0 once at load time
  /// (MoE experts). With `quantize`, each is block-quantized in the
  /// --weights format (blockQuantizes(cols) must hold); otherwise kept as
  /// --weights keeps float projections (bf16/f16 as stored under auto).
  /// Experts the checkpoint already holds block-quantized (a GGUF file's)
  /// are read as stored, whatever `quantize` says.
  StackedWeights stackedWeights(llvm::StringRef pattern, int64_t count,
                                int64_t rows, int64_t cols, bool quantize);
  /// Whether --weights quantizes a projection of `in` input features (a
  /// block format whose blocks divide them).
  bool blockQuantizes(int64_t in) const;
  bool hasWeight(llvm::StringRef name) const;
  /// The prefix of the LM head's weight: `headPrefix` when the checkpoint
  /// has it (transformers then uses it even when tied), else `embedding`
  /// when tie_word_embeddings (default `tiedByDefault`) holds; records an
  /// error when neither, where transformers would start from random weights.
  std::string lmHead(HfConfig &config, llvm::StringRef embedding,
                     bool tiedByDefault,
                     llvm::StringRef headPrefix = "lm_head");
  /// Records an error naming the checkpoint tensors no weight() or
  /// stackedWeights() used, except those `ignorable` accepts (buffers such as
  /// rotary inv_freq that are not parameters).
  void checkAllTensorsUsed(llvm::StringRef architecture,
                           bool (*ignorable)(llvm::StringRef name));

  /// The rows of token embedding table `name` [vocab, hidden] for ids(),
  /// as f32; the table is kept in the projection weights' format (so that
  /// a tied LM head reads the same tensor).
  mlir::Value tokenEmbedding(llvm::StringRef name, int64_t vocab,
                             int64_t hidden);
  /// x · Wᵀ (+ b) with W = `prefix`.weight [out, in] (and `prefix`.bias).
  mlir::Value linear(mlir::Value x, llvm::StringRef prefix, int64_t out,
                     int64_t in, bool bias, bool transposed = false);
  /// linear() with `bias` [out] of its own instead of `prefix`.bias
  /// (Marian's final_logits_bias on the LM head).
  mlir::Value linearWithBias(mlir::Value x, llvm::StringRef prefix, int64_t out,
                             int64_t in, mlir::Value bias,
                             bool transposed = false);
  /// x · factor, elementwise in f32 (embedding scales).
  mlir::Value scale(mlir::Value x, double factor);
  /// An MoE router x · Wᵀ, W = `prefix`.weight [experts, in]: never
  /// block-quantized (as llama.cpp keeps ffn_gate_inp), since the expert
  /// choice turns on small logit gaps; bf16/f16 as --weights says.
  mlir::Value router(mlir::Value x, llvm::StringRef prefix, int64_t experts,
                     int64_t in);
  mlir::Value rmsnorm(mlir::Value x, llvm::StringRef weightName, int64_t dim,
                      double epsilon, double weightOffset = 0.0);
  mlir::Value layernorm(mlir::Value x, llvm::StringRef prefix, int64_t dim,
                        double epsilon, bool bias = true);
  mlir::Value add(mlir::Value a, mlir::Value b);
  mlir::Value activation(seq::ActivationKind kind, mlir::Value x);
  mlir::Value glu(seq::ActivationKind kind, mlir::Value gate, mlir::Value up);

  /// [1, S, heads·dim] <-> [1, S, heads, dim].
  mlir::Value splitHeads(mlir::Value x, int64_t heads, int64_t dim);
  mlir::Value mergeHeads(mlir::Value x);
  /// The last-dim slice [offset, offset + size) of a [1, S, n] tensor.
  mlir::Value sliceLast(mlir::Value x, int64_t offset, int64_t size);
  /// [1, S, a], [1, S, b], ... joined along the last dim: [1, S, a + b + ...].
  mlir::Value concatLast(llvm::ArrayRef<mlir::Value> parts);
  /// Absolute positions pos .. pos+S-1, as [S] i64.
  mlir::Value positions();
  /// Writes `values` [1, S, ...] into `cache` [1, cap, ...] at `pos`.
  mlir::Value appendToCache(mlir::Value cache, mlir::Value values);

  /// Slots of a sliding-window layer's ring cache — window + tokens per call
  /// - 1 — or 0 when a plain cache of `maxPositions` is no larger.
  int64_t ringSlots(int64_t window, int64_t maxPositions) const;
  /// Writes `values` [1, S, ...] into the ring `cache` [1, slots, ...] at
  /// slots (pos + t) mod slots; the model then takes at most
  /// maxTokensPerCall tokens per call (seq.max_tokens_per_call).
  mlir::Value appendToRing(mlir::Value cache, mlir::Value values);
  void setMaxTokensPerCall(int64_t tokens) { maxTokensPerCall = tokens; }
  /// Per-pair divisors of the rotary frequencies (a GGUF file's rope_freqs:
  /// Llama 3.1's scaling, evaluated); empty: none.
  void setRopeFrequencyFactors(std::vector<double> factors) {
    ropeFactors = std::move(factors);
  }
  const std::vector<double> &ropeFrequencyFactors() const {
    return ropeFactors;
  }
  /// Records checkpoint tensor `name` as used though no weight reads it (one
  /// the import read itself).
  void markUsed(llvm::StringRef name) { usedWeights.insert(name.str()); }
  /// What linear() keeps its weights in.
  void setProjectionWeights(WeightFormat format) { projectionWeights = format; }
  /// A GPTQ/AWQ checkpoint: linear() reads `<prefix>.qweight`, `.qzeros`,
  /// `.scales` (and `.g_idx`) where the checkpoint has them.
  void setPackedInt4Format(const PackedInt4Format &format) {
    packedFormat = format;
  }
  /// How many layers were read packed.
  int packedLayerCount() const { return packedLayers; }
  /// The tensors the model reads, as the weights file to write when some
  /// are quantized (WeightsFile::rewritesWeights).
  WeightsFile takeWeightsFile() { return std::move(rewritten); }

  /// A state buffer of the model (zero at session start); returns its value
  /// at the start of the call. `setState` gives its value at the end.
  mlir::Value addState(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                       mlir::Type element = {});
  /// An attention KV cache [1, slots, heads, dim]: a state in the KV-cache
  /// element type (f32, or bf16/f16 with --kv-cache; appendToCache and
  /// appendToRing round the new keys and values to it).
  mlir::Value addKvCache(llvm::StringRef name, llvm::ArrayRef<int64_t> shape);
  /// The KV caches' element type: f32, bf16, f16, or i8 for 8-bit blocks
  /// with f16 scales (cacheKeysValues).
  void setKvCacheElement(mlir::Type element) { kvElement = element; }

  /// One attention layer's caches after this call's keys and values are
  /// written: what seq.attention reads (the scales null unless 8-bit).
  struct KvCache {
    mlir::Value keys, values, keyScales, valueScales;
  };
  /// Adds the states `<prefix>.k_cache` and `.v_cache` [1, slots, heads,
  /// dim] (8-bit caches also `.k_scales` and `.v_scales`, a scale per
  /// block of 32 along dim, or per head vector when 32 does not divide
  /// it), writes `k` and `v` [1, S, heads, dim] at this call's positions
  /// (into a ring with `ring`) and sets the states.
  KvCache cacheKeysValues(llvm::StringRef prefix, mlir::Value k, mlir::Value v,
                          int64_t slots, bool ring);
  /// Whether the model has a KV cache.
  bool hasKvCache() const { return kvCaches > 0; }
  void setState(llvm::StringRef name, mlir::Value next);
  /// The names of the states of the function being built, in order.
  std::vector<std::string> stateNames() const;
  /// State `name`'s value so far in the function being built.
  mlir::Value stateValue(llvm::StringRef name) const;

  /// Adds the entry `encode(source: [1, ?] i64, states...) -> states` of an
  /// encoder-decoder model, over the states `build` sets only (the runtime
  /// shares those between the beams of a source): `build` emits the encoder
  /// into it — ids(), length() and positions() are then the source's,
  /// position() 0 — and sets the states the decoder reads (its cross-attention
  /// keys and values). Call with the decoder's forward built (its states
  /// added), before finish(); `build` adds no state. With `input` (Whisper's
  /// log-mel features [1, mels, frames] f32) the source is that tensor
  /// (ids()) and length() is `inputPositions` (the encoder's positions).
  void emitEncodeEntry(llvm::function_ref<void()> build,
                       mlir::RankedTensorType input = {},
                       int64_t inputPositions = 0);
  /// An encoder-decoder's cross-attention states, read by the decoder:
  /// `source_length` [1] i64 and `decoder.layers.<i>.cross.k`/`.v` [1,
  /// capacity, heads, dim] per decoder layer (their values at the start of
  /// forward; kvLength the source length as an index). In decode_beams they
  /// are per source: `sources.source_length` [?] and
  /// `sources.decoder.layers.<i>.cross.k`/`.v` [?, ?, heads, dim] (sources,
  /// then the longest source's positions), with bias [?, 1, 1, ?] masking
  /// each source's padding.
  struct CrossStates {
    mlir::Value kvLength, bias;
    std::vector<std::pair<mlir::Value, mlir::Value>> layers;
  };
  CrossStates addCrossStates(int64_t layers, int64_t capacity, int64_t heads,
                             int64_t dim);
  /// Decoder layer `layer`'s cross-attention of queries `q` [1, rows, heads,
  /// dim] over its source (`scale` null: 1/sqrt(dim)): every source position
  /// visible; in decode_beams each row reads its own source's (rows are the
  /// sources' beams, source-major).
  mlir::Value crossAttention(const CrossStates &cross, int64_t layer,
                             mlir::Value q, mlir::FloatAttr scale = {});
  /// In emitEncodeEntry's `build`: decoder layer `layer`'s cross keys and
  /// values [1, S, heads, dim] for this source; writeSourceLength once.
  void writeCrossStates(int64_t layer, mlir::Value keys, mlir::Value values);
  void writeSourceLength();
  /// Adds the entry `decode_beams(ids: [1, ?] i64, pos: index, states...)
  /// -> (logits [1, ?, vocab], states...)` of an encoder-decoder model: one
  /// decoder step for every beam of a source in one call (the weights are
  /// read once for all beams). Token t of ids is beam t's next token, all at
  /// position pos. `build` emits the decoder again and returns its logits;
  /// meanwhile positions() is pos for every row, cacheKeysValues keeps
  /// per-beam caches `beams.<prefix>.k_cache` [?, slots, heads, dim] (beams
  /// first), selfKvLength() is pos + 1, and beamQuery/beamOutput move a
  /// self-attention's queries and output between the rows' [1, B, heads,
  /// dim] and the caches' [B, 1, heads, dim]. Cross-attention reads
  /// per-source states (addCrossStates): the beams of a source share them.
  void emitBeamEntry(llvm::function_ref<mlir::Value()> build);
  /// The keys a self-attention sees after this call's are cached: position
  /// + rowTokens().
  mlir::Value selfKvLength();
  /// The tokens each sequence advances by in this call: length(), 1 in
  /// decode_beams (its rows are beams).
  mlir::Value rowTokens();
  /// Identity outside emitBeamEntry; there [1, B, h, d] <-> [B, 1, h, d].
  mlir::Value beamQuery(mlir::Value q);
  mlir::Value beamOutput(mlir::Value o);
  /// A bound on the session's positions below the importer's (Whisper's
  /// max_target_positions); finish() takes the smaller.
  void limitPositions(int64_t positions) { positionLimit = positions; }
  /// Caps the logits as cap · tanh(logits / cap) (Gemma's soft cap), after
  /// the head in forward and forward_last alike.
  void setLogitsSoftCap(double cap) { logitsSoftCap = cap; }
  /// The encoder's own vocabulary, when it has one (seq.source_vocab_size).
  void setSourceVocabSize(int64_t vocab) { sourceVocabSize = vocab; }
  /// The most source tokens `encode` takes (seq.max_source_positions).
  void setMaxSourcePositions(int64_t positions) {
    maxSourcePositions = positions;
  }

  /// Starts one block of the model (a decoder layer): the ops built until
  /// endLayer go into a `seq.layer`, which the compiler builds once per
  /// distinct body instead of once per layer.
  void beginLayer();
  /// Ends the block: yields `output` and the states set since beginLayer,
  /// and returns the layer's `output` (the states' next values become the
  /// layer's results too).
  mlir::Value endLayer(mlir::Value output);

  /// For encoders: returns the last hidden state [1, S, H] from forward and
  /// adds `embed(ids) -> (hidden [1, S, H], mean over tokens [1, H])`.
  mlir::OwningOpRef<mlir::ModuleOp> finishEncoder(mlir::Value hidden);

  /// Returns `logits` [1, S, V] from forward and adds `prefill`/`decode`.
  /// A model with a KV cache gets `maxPositions` as seq.max_positions;
  /// purely recurrent models have no limit.
  mlir::OwningOpRef<mlir::ModuleOp> finish(mlir::Value logits,
                                           int64_t maxPositions);

  /// The first problem met (a missing or mis-shaped tensor), or "".
  const std::string &error() const { return firstError; }
  void fail(const std::string &message);

  mlir::RankedTensorType f32(llvm::ArrayRef<int64_t> shape) const;

private:
  /// A copy of forward whose head runs on the last position only
  /// (`forward_last`), or null when forward's logits do not come from a
  /// seq.linear head on [1, S, H].
  mlir::func::FuncOp lastPositionForward();

  /// Records an error unless checkpoint tensor `name` exists with shape
  /// `stored` and a float dtype.
  void checkWeight(llvm::StringRef name, llvm::ArrayRef<int64_t> stored);
  /// Records that tensor `name` is read as `element` (one type per name).
  void claimElement(llvm::StringRef name, mlir::Type element);
  /// The element type linear() reads weight `name` in (checked to exist),
  /// i8 for a block-quantized one (`in`, its input features, a multiple of
  /// the block).
  mlir::Type projectionElement(llvm::StringRef name, int64_t in) const;
  /// The float type a projection weight `name` is kept in when not block
  /// quantized: f32, bf16 or f16 as --weights says (auto: as stored).
  mlir::Type floatProjectionElement(llvm::StringRef name) const;
  /// Bits per value of quantized weights (--weights=q8_0: 8, else 4).
  int64_t quantizedBits() const {
    return projectionWeights == WeightFormat::Q8_0 ? 8 : 4;
  }
  /// The --weights= block format (Q8_0 .. Q4_G128).
  WeightsFile::Format blockFormat() const;
  /// The seq.weight ops of a block-quantized weight.
  /// The values of a weight the checkpoint holds block-quantized (I8 with
  /// `_scale`, as a GGUF file's are seen), or null.
  const seqrt::TensorInfo *storedQuantized(llvm::StringRef name) const;
  /// The seq.weight of `count` stacked tensors named by `pattern`, each
  /// `slice` of `element`.
  mlir::Value stackedWeightOp(llvm::StringRef pattern, int64_t count,
                              llvm::ArrayRef<int64_t> slice,
                              mlir::Type element);
  /// stackedWeights of block-quantized tensors read as stored.
  StackedWeights storedStackedWeights(llvm::StringRef pattern, int64_t count,
                                      int64_t rows, int64_t cols);
  struct QuantizedWeight;
  /// Such a weight of logical `shape` [out, in], read as stored.
  QuantizedWeight storedQuantizedWeight(llvm::StringRef name,
                                        llvm::ArrayRef<int64_t> shape);
  struct QuantizedWeight {
    mlir::Value values, scales, offsets; ///< offsets: affine formats only
    /// Act-order GPTQ: the order (i32 [in]) the layer reads its input in.
    mlir::Value order;
    int64_t bits = 8;
  };
  /// Block-quantized weight `name` [out, in] (stored [in, out] when
  /// `transposed`): its values, scales (and offsets), written by the import.
  QuantizedWeight quantizedWeight(llvm::StringRef name,
                                  llvm::ArrayRef<int64_t> shape,
                                  bool transposed);
  /// GPTQ/AWQ layer `prefix` [out, in], unpacked by the import into values
  /// `<prefix>.weight`, its scales and (unless symmetric) offsets.
  QuantizedWeight packedWeight(llvm::StringRef prefix, int64_t out, int64_t in);
  /// `x` [1, S, in] with its features in `order` (i32 [in]): one gather
  /// per input and order, shared by the layers that read both.
  mlir::Value inOrder(mlir::Value x, mlir::Value order,
                      const std::vector<int32_t> &values);
  /// Checkpoint tensor `name` of a packed layer, checked to have shape
  /// `stored` and dtype I32 (`words`) or F16/BF16/F32; null (with the error
  /// recorded) otherwise.
  const seqrt::TensorInfo *packedTensor(const std::string &name,
                                        llvm::ArrayRef<int64_t> stored,
                                        bool words);

  struct State {
    std::string name;
    mlir::RankedTensorType type;
    mlir::BlockArgument in;
    mlir::Value out;
  };

  mlir::MLIRContext *context;
  mlir::OpBuilder b;
  mlir::Location location;
  const seqrt::WeightStore &weights;
  std::string source;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp forward;
  mlir::Value idsArg, posArg, lengthValue;
  std::vector<State> states;
  int64_t maxSourcePositions = 0; ///< encoder-decoder models only
  bool beamMode = false;          ///< building decode_beams
  int64_t sourceVocabSize = 0;    ///< encoder-decoders with two vocabularies
  int64_t positionLimit = 0;      ///< limitPositions; 0: none
  double logitsSoftCap = 0;       ///< setLogitsSoftCap; 0: none
  bool usesCache = false;         ///< a KV cache bounds the session length
  bool usesRing = false; ///< calls are limited to maxTokensPerCall tokens
  int64_t maxTokensPerCall = 512;
  std::vector<double> ropeFactors;
  WeightFormat projectionWeights = WeightFormat::Auto;
  std::optional<PackedInt4Format> packedFormat;
  /// inOrder's gathers by input and order.
  std::map<std::pair<void *, std::vector<int32_t>>, mlir::Value> gathered;
  /// The order each act-order weight's `order` op holds.
  llvm::DenseMap<void *, std::vector<int32_t>> packedOrders;
  mlir::Type kvElement;
  int kvCaches = 0;
  int packedLayers = 0;
  /// The element type each emitted weight name is read in.
  llvm::StringMap<mlir::Type> weightElements;
  std::string firstError;
  /// The open layer's body and where the layer goes, while one is open.
  mlir::Block *layerBody = nullptr;
  mlir::OpBuilder::InsertPoint afterLayer;
  std::set<std::string> usedWeights; ///< checkpoint tensors the model binds
  /// Every tensor the model reads, for the file written when weights are
  /// quantized.
  WeightsFile rewritten;
};

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_MODELEMITTER_H
