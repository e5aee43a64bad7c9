//===- SeqReference.h - plain C++ reference semantics of the seq ops
//-------===//
//
// An independent, deliberately naive implementation of every `seq` dialect op
// (dialects/seq/IR/*.td are the spec). End-to-end tests compare compiled code
// against it; test/unit/reference/SeqReferenceTest.cpp checks it against
// goldens computed with PyTorch (tools/goldens/make_op_goldens.py).
//
// Conventions:
//  * Tensors are row-major float32 values; every op computes in double and
//    rounds its results to float32 once, at the end. Recurrent states are
//    carried in double between steps.
//  * Optional operands are pointers that may be null; attributes are an
//    options struct whose defaults are the op's defaults.
//  * Shape errors (and other spec violations, e.g. an out-of-range token id)
//    print a message naming the op and abort: this is test code.
//  * No exceptions and no RTTI are used, so it builds with LLVM's flags.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_E2E_REFERENCE_SEQREFERENCE_H
#define SEQC_TEST_E2E_REFERENCE_SEQREFERENCE_H

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace seqref {

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

/// Number of elements of a shape (1 for rank 0).
int64_t numElements(const std::vector<int64_t> &shape);

/// "[2, 7, 12]".
std::string shapeToString(const std::vector<int64_t> &shape);

/// Prints "seqref: <message>" to stderr and aborts.
[[noreturn]] void fail(const std::string &message);

/// A dense row-major float32 tensor.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  Tensor() = default;
  /// Zero-filled tensor of the given shape.
  explicit Tensor(std::vector<int64_t> shape);
  /// Takes ownership of `data`, which must hold numElements(shape) values.
  Tensor(std::vector<int64_t> shape, std::vector<float> data);

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numel() const { return numElements(shape); }
  /// Dimension `i`; negative values count from the back.
  int64_t dim(int64_t i) const;
};

/// A dense row-major integer tensor (token ids, positions).
struct IntTensor {
  std::vector<int64_t> shape;
  std::vector<int64_t> data;

  IntTensor() = default;
  explicit IntTensor(std::vector<int64_t> shape);
  IntTensor(std::vector<int64_t> shape, std::vector<int64_t> data);

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numel() const { return numElements(shape); }
  int64_t dim(int64_t i) const;
};

//===----------------------------------------------------------------------===//
// Enums (mirror dialects/seq/IR/SeqEnums.td)
//===----------------------------------------------------------------------===//

enum class Activation { relu, gelu, gelu_tanh, silu, sigmoid, tanh, softplus };
enum class RopeScaling { none, linear, llama3 };
enum class MoeRouting { softmax_topk, topk_softmax, sigmoid_topk };

/// Parses the enum keyword as it prints in the IR ("gelu_tanh", "llama3",
/// "topk_softmax"); aborts on an unknown keyword.
Activation parseActivation(const std::string &name);
RopeScaling parseRopeScaling(const std::string &name);
MoeRouting parseMoeRouting(const std::string &name);

/// One activation function applied to a scalar:
///   relu: max(x, 0);  gelu: x/2 (1 + erf(x/sqrt 2));
///   gelu_tanh: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)));
///   silu: x sigmoid(x);  sigmoid: 1/(1+e^-x);  tanh;
///   softplus: torch's default (beta 1, threshold 20): x > 20 ? x : log1p(e^x).
double activate(Activation kind, double x);

//===----------------------------------------------------------------------===//
// Channel mixers
//===----------------------------------------------------------------------===//

/// seq.embedding: table [vocab, dim], indices [...] -> [..., dim].
/// Out-of-range ids abort.
Tensor embedding(const Tensor &table, const IntTensor &indices);

/// seq.linear: input [..., in], weight [out, in], bias [out] -> [..., out].
Tensor linear(const Tensor &input, const Tensor &weight,
              const Tensor *bias = nullptr);

struct RMSNormOptions {
  float epsilon = 1.0e-6f;
  /// Normalise over consecutive groups of this many channels (must divide
  /// the last dim); absent: the whole last dim.
  std::optional<int64_t> groupSize;
  /// 1.0 gives Gemma's (1 + w) form.
  float weightOffset = 0.0f;
};

/// seq.rmsnorm: x = gate ? input * silu(gate) : input;
/// result = x / sqrt(mean(x^2 over group) + eps) * (weightOffset + weight).
/// input [..., C], weight [C], gate shaped like input.
Tensor rmsnorm(const Tensor &input, const Tensor &weight,
               const Tensor *gate = nullptr,
               const RMSNormOptions &options = {});

struct LayerNormOptions {
  float epsilon = 1.0e-5f;
};

/// seq.layernorm: (x - mean) / sqrt(biased var + eps) * weight (+ bias) over
/// the last dim. input [..., C], weight [C], bias [C].
Tensor layernorm(const Tensor &input, const Tensor &weight,
                 const Tensor *bias = nullptr,
                 const LayerNormOptions &options = {});

struct RopeOptions {
  double theta = 10000.0;
  /// Channels that rotate (even, <= head dim); absent: all of them.
  std::optional<int64_t> rotaryDim;
  /// Pairs (2i, 2i+1) (GPT-J) instead of (i, i + rotary_dim/2) (NeoX/Llama).
  bool interleaved = false;
  RopeScaling scaling = RopeScaling::none;
  /// Required by linear and llama3.
  std::optional<double> scalingFactor;
  /// Required by llama3 only.
  std::optional<double> lowFreqFactor;
  std::optional<double> highFreqFactor;
  std::optional<int64_t> originalMaxPositions;
};

/// The rotary_dim/2 inverse frequencies theta^(-2i/rotary_dim), rescaled as
/// `options.scaling` says (llama3: Hugging Face's _compute_llama3_parameters).
std::vector<double> ropeInverseFrequencies(int64_t rotaryDim,
                                           const RopeOptions &options);

/// seq.rope: input [B, S, H, D], positions [S] or [B, S] -> [B, S, H, D].
Tensor rope(const Tensor &input, const IntTensor &positions,
            const RopeOptions &options = {});

/// seq.activation: `kind` elementwise.
Tensor activation(Activation kind, const Tensor &input);

/// seq.glu: kind(gate) * up; gate and up have one shape.
Tensor glu(Activation kind, const Tensor &gate, const Tensor &up);

struct SoftmaxOptions {
  /// Negative values count from the last dim.
  int64_t axis = -1;
};

/// seq.softmax: exp(x - max) / sum(exp(x - max)) along `axis`.
Tensor softmax(const Tensor &input, const SoftmaxOptions &options = {});

struct MoeOptions {
  /// Required (the op has no default): 1 <= topK <= experts.
  int64_t topK = 0;
  MoeRouting routing = MoeRouting::softmax_topk;
  /// Rescale the kept weights to sum to one (sigmoid_topk: divide by their
  /// sum plus normalizeEpsilon).
  bool normalize = false;
  double normalizeEpsilon = 0.0;
  /// Every kept weight times this, last.
  double routedScale = 1.0;
  /// sigmoid_topk: added to the sigmoids to choose experts ([experts];
  /// empty: none).
  std::vector<double> selectionBias;
  /// sigmoid_topk, group-limited: the experts' groups and how many of them
  /// (the best by their two best choice scores) each token draws from.
  int64_t expertGroups = 1;
  int64_t keptGroups = 1;
  Activation activation = Activation::silu;
};

/// The routing of one token: the kept experts (best first; ties go to the
/// lower expert index) and their weights.
std::vector<std::pair<int64_t, double>>
moeRoute(const double *logits, int64_t experts, const MoeOptions &options);

/// seq.moe: input [..., D], router_logits [..., E], gate/up [E, F, D],
/// down [E, D, F] -> [..., D]:
///   result = sum_e p_e * down_e(act(gate_e x) * up_e x).
Tensor moe(const Tensor &input, const Tensor &routerLogits,
           const Tensor &gateWeight, const Tensor &upWeight,
           const Tensor &downWeight, const MoeOptions &options);

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

struct AttentionOptions {
  /// Softmax scale; absent: 1/sqrt(Dk).
  std::optional<float> scale;
  bool causal = false;
  std::optional<int64_t> slidingWindow;
  /// dilation_rate and dilation_segment go together.
  std::optional<int64_t> dilationRate;
  std::optional<int64_t> dilationSegment;
  std::optional<int64_t> globalTokens;
  /// block_size and block_layout go together; the layout is a square
  /// row-major R x R map of booleans (layout[i/n][j/n]).
  std::optional<int64_t> blockSize;
  std::vector<bool> blockLayout;
  /// mask_mod(b, h, i, j) -> visible, with h the query head and i, j the
  /// absolute query and key positions. Empty: always true.
  std::function<bool(int64_t b, int64_t h, int64_t i, int64_t j)> maskMod;
  /// score_mod(score, b, h, i, j) -> score, applied to each scaled score
  /// (scale * q.k) before the bias is added. Empty: identity.
  std::function<double(double score, int64_t b, int64_t h, int64_t i,
                       int64_t j)>
      scoreMod;
  /// Ring cache: slot j holds position kvLength-1 - ((kvLength-1-j) mod Skv).
  bool ring = false;
};

/// The mask algebra of seq.attention for key position `j` and query position
/// `i` (absolute positions), exactly as the .td states it:
///   j < kvLength && (!causal || j <= i) &&
///   (global(i, j) || (window(i, j) && dilated(i, j) && block(i, j))) &&
///   mask_mod(b, h, i, j).
bool attentionVisible(const AttentionOptions &options, int64_t kvLength,
                      int64_t b, int64_t h, int64_t i, int64_t j);

/// seq.attention: query [B, Sq, Hq, Dk], key [B, Skv, Hkv, Dk],
/// value [B, Skv, Hkv, Dv], bias broadcastable to [B, Hq, Sq, Skv],
/// kv_length (default Skv) -> [B, Sq, Hq, Dv]. Query head h reads KV head
/// h / (Hq / Hkv); query row i sits at position kvLength - Sq + i. A query
/// with no visible key yields zeros.
Tensor attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *bias = nullptr,
                 std::optional<int64_t> kvLength = std::nullopt,
                 const AttentionOptions &options = {});

//===----------------------------------------------------------------------===//
// Recurrences
//===----------------------------------------------------------------------===//

/// The output of a recurrent op and its state after the last step.
struct RecurrenceResult {
  Tensor output;
  Tensor finalState;
};

struct SelectiveScanOptions {
  bool deltaSoftplus = false;
};

/// seq.selective_scan (Mamba's selective_scan_ref, token-major):
/// u, delta, z [B, L, D]; A [D, N]; B, C [B, L, N]; D, delta_bias [D];
/// initial_state [B, D, N] -> output [B, L, D], final_state [B, D, N].
RecurrenceResult selective_scan(const Tensor &u, const Tensor &delta,
                                const Tensor &A, const Tensor &B,
                                const Tensor &C, const Tensor *D = nullptr,
                                const Tensor *z = nullptr,
                                const Tensor *deltaBias = nullptr,
                                const Tensor *initialState = nullptr,
                                const SelectiveScanOptions &options = {});

struct SSDOptions {
  bool dtSoftplus = false;
  /// [min, max] clamp of the step size; absent: no clamp.
  std::optional<std::pair<float, float>> dtLimit;
  /// Schedule hint; never changes the result (ignored here).
  std::optional<int64_t> chunkSize;
};

/// seq.ssd (Mamba2): x, z [B, L, H, P]; dt [B, L, H]; A, D, dt_bias [H];
/// B, C [B, L, G, N]; initial_state [B, H, P, N]
/// -> output [B, L, H, P], final_state [B, H, P, N].
RecurrenceResult ssd(const Tensor &x, const Tensor &dt, const Tensor &A,
                     const Tensor &B, const Tensor &C,
                     const Tensor *D = nullptr, const Tensor *z = nullptr,
                     const Tensor *dtBias = nullptr,
                     const Tensor *initialState = nullptr,
                     const SSDOptions &options = {});

struct LinearAttentionOptions {
  float scale = 1.0f;
  /// Schedule hint; never changes the result (ignored here).
  std::optional<int64_t> chunkSize;
};

/// seq.linear_attention: query, key [B, L, H, K]; value [B, L, H, V];
/// log_decay [H], [B, L, H] or [B, L, H, K]; initial_state [B, H, K, V]
/// -> output [B, L, H, V], final_state [B, H, K, V].
RecurrenceResult linear_attention(const Tensor &query, const Tensor &key,
                                  const Tensor &value,
                                  const Tensor *logDecay = nullptr,
                                  const Tensor *initialState = nullptr,
                                  const LinearAttentionOptions &options = {});

struct DeltaRuleOptions {
  float scale = 1.0f;
  /// Schedule hint; never changes the result (ignored here).
  std::optional<int64_t> chunkSize;
};

/// seq.delta_rule: query, key [B, L, H, K]; value [B, L, H, V]; beta and
/// log_decay [B, L, H]; initial_state [B, H, K, V]
/// -> output [B, L, H, V], final_state [B, H, K, V].
RecurrenceResult delta_rule(const Tensor &query, const Tensor &key,
                            const Tensor &value, const Tensor &beta,
                            const Tensor *logDecay = nullptr,
                            const Tensor *initialState = nullptr,
                            const DeltaRuleOptions &options = {});

struct MlstmOptions {
  /// The query scale; absent: K^-1/2.
  std::optional<float> scale;
  float epsilon = 1e-6f;
  /// Schedule hint; never changes the result (ignored here).
  std::optional<int64_t> chunkSize;
};

/// seq.mlstm (xLSTM): query, key [B, L, H, K]; value [B, L, H, V]; igate,
/// fgate [B, L, H]; initial memory [B, H, K, V], normaliser [B, H, K] and
/// stabiliser [B, H] (all or none) -> output [B, L, H, V] and the three
/// final states.
struct MlstmResult {
  Tensor output, memory, normalizer, stabilizer;
};
MlstmResult mlstm(const Tensor &query, const Tensor &key, const Tensor &value,
                  const Tensor &igate, const Tensor &fgate,
                  const Tensor *initialMemory = nullptr,
                  const Tensor *initialNormalizer = nullptr,
                  const Tensor *initialStabilizer = nullptr,
                  const MlstmOptions &options = {});

/// seq.wkv (RWKV-4): log_decay, bonus [C]; key, value [B, L, C];
/// initial_state [B, 3, C] (rows a, d, m; a row with d = 0 is empty)
/// -> output [B, L, C], final_state [B, 3, C].
RecurrenceResult wkv(const Tensor &logDecay, const Tensor &bonus,
                     const Tensor &key, const Tensor &value,
                     const Tensor *initialState = nullptr);

struct CausalConv1dOptions {
  std::optional<Activation> activation;
};

/// seq.causal_conv1d: input [B, L, C], weight [C, K], bias [C],
/// state [B, C, K-1] -> output [B, L, C], final_state [B, C, K-1] (the last
/// K-1 entries of concat(state, input) along time).
RecurrenceResult causal_conv1d(const Tensor &input, const Tensor &weight,
                               const Tensor *bias = nullptr,
                               const Tensor *state = nullptr,
                               const CausalConv1dOptions &options = {});

} // namespace seqref

#endif // SEQC_TEST_E2E_REFERENCE_SEQREFERENCE_H
