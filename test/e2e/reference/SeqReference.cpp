//===- SeqReference.cpp - plain C++ reference semantics of the seq ops
//-----===//
//
// Every op is written as the loop nest its .td description states, with no
// attempt at speed: clarity is the point. See SeqReference.h.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/reference/SeqReference.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace seqref {

//===----------------------------------------------------------------------===//
// Tensors and checks
//===----------------------------------------------------------------------===//

int64_t numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      fail("negative dimension in shape " + shapeToString(shape));
    n *= d;
  }
  return n;
}

std::string shapeToString(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

void fail(const std::string &message) {
  std::fprintf(stderr, "seqref: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

static int64_t dimOf(const std::vector<int64_t> &shape, int64_t i) {
  int64_t rank = static_cast<int64_t>(shape.size());
  int64_t k = i < 0 ? i + rank : i;
  if (k < 0 || k >= rank)
    fail("dimension " + std::to_string(i) + " out of range for shape " +
         shapeToString(shape));
  return shape[k];
}

Tensor::Tensor(std::vector<int64_t> s)
    : shape(std::move(s)), data(static_cast<size_t>(numElements(shape)), 0.0f) {
}

Tensor::Tensor(std::vector<int64_t> s, std::vector<float> d)
    : shape(std::move(s)), data(std::move(d)) {
  if (static_cast<int64_t>(data.size()) != numElements(shape))
    fail("tensor of shape " + shapeToString(shape) + " given " +
         std::to_string(data.size()) + " values");
}

int64_t Tensor::dim(int64_t i) const { return dimOf(shape, i); }

IntTensor::IntTensor(std::vector<int64_t> s)
    : shape(std::move(s)), data(static_cast<size_t>(numElements(shape)), 0) {}

IntTensor::IntTensor(std::vector<int64_t> s, std::vector<int64_t> d)
    : shape(std::move(s)), data(std::move(d)) {
  if (static_cast<int64_t>(data.size()) != numElements(shape))
    fail("int tensor of shape " + shapeToString(shape) + " given " +
         std::to_string(data.size()) + " values");
}

int64_t IntTensor::dim(int64_t i) const { return dimOf(shape, i); }

namespace {

/// Aborts with "<op>: <what>" unless `ok`.
void check(bool ok, const char *op, const std::string &what) {
  if (!ok)
    fail(std::string(op) + ": " + what);
}

void checkRank(const char *op, const char *name,
               const std::vector<int64_t> &shape,
               std::initializer_list<int64_t> ranks) {
  for (int64_t r : ranks)
    if (static_cast<int64_t>(shape.size()) == r)
      return;
  std::string allowed;
  for (int64_t r : ranks)
    allowed += (allowed.empty() ? "" : " or ") + std::to_string(r);
  fail(std::string(op) + ": expected " + name + " of rank " + allowed +
       ", got shape " + shapeToString(shape));
}

void checkShape(const char *op, const char *name, const Tensor &t,
                const std::vector<int64_t> &expected) {
  if (t.shape != expected)
    fail(std::string(op) + ": expected " + name + " of shape " +
         shapeToString(expected) + ", got " + shapeToString(t.shape));
}

void checkDim(const char *op, const char *name, int64_t dim, int64_t actual,
              int64_t expected) {
  if (actual != expected)
    fail(std::string(op) + ": expected " + name + " dim " +
         std::to_string(dim) + " to be " + std::to_string(expected) + ", got " +
         std::to_string(actual));
}

/// Number of rows of a [..., last] tensor.
int64_t leadingElements(const std::vector<int64_t> &shape) {
  return numElements(std::vector<int64_t>(shape.begin(), shape.end() - 1));
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double silu(double x) { return x * sigmoid(x); }
double softplus(double x) { return x > 20.0 ? x : std::log1p(std::exp(x)); }

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

int64_t floorMod(int64_t a, int64_t b) { return a - floorDiv(a, b) * b; }

} // namespace

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

Activation parseActivation(const std::string &name) {
  if (name == "relu")
    return Activation::relu;
  if (name == "gelu")
    return Activation::gelu;
  if (name == "gelu_tanh")
    return Activation::gelu_tanh;
  if (name == "silu")
    return Activation::silu;
  if (name == "sigmoid")
    return Activation::sigmoid;
  if (name == "tanh")
    return Activation::tanh;
  if (name == "softplus")
    return Activation::softplus;
  fail("unknown activation kind '" + name + "'");
}

RopeScaling parseRopeScaling(const std::string &name) {
  if (name == "none")
    return RopeScaling::none;
  if (name == "linear")
    return RopeScaling::linear;
  if (name == "llama3")
    return RopeScaling::llama3;
  fail("unknown rope scaling kind '" + name + "'");
}

MoeRouting parseMoeRouting(const std::string &name) {
  if (name == "softmax_topk")
    return MoeRouting::softmax_topk;
  if (name == "topk_softmax")
    return MoeRouting::topk_softmax;
  if (name == "sigmoid_topk")
    return MoeRouting::sigmoid_topk;
  fail("unknown moe routing kind '" + name + "'");
}

double activate(Activation kind, double x) {
  const double pi = 3.14159265358979323846;
  switch (kind) {
  case Activation::relu:
    return x > 0.0 ? x : 0.0;
  case Activation::gelu:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case Activation::gelu_tanh:
    return 0.5 * x *
           (1.0 + std::tanh(std::sqrt(2.0 / pi) * (x + 0.044715 * x * x * x)));
  case Activation::silu:
    return silu(x);
  case Activation::sigmoid:
    return sigmoid(x);
  case Activation::tanh:
    return std::tanh(x);
  case Activation::softplus:
    return softplus(x);
  }
  fail("invalid activation kind");
}

//===----------------------------------------------------------------------===//
// embedding, linear
//===----------------------------------------------------------------------===//

Tensor embedding(const Tensor &table, const IntTensor &indices) {
  const char *op = "embedding";
  checkRank(op, "table", table.shape, {2});
  int64_t vocab = table.dim(0), dim = table.dim(1);
  std::vector<int64_t> shape = indices.shape;
  shape.push_back(dim);
  Tensor result(shape);
  for (int64_t i = 0; i < indices.numel(); ++i) {
    int64_t id = indices.data[i];
    check(id >= 0 && id < vocab, op,
          "token id " + std::to_string(id) + " at flat index " +
              std::to_string(i) + " is out of range [0, " +
              std::to_string(vocab) + ")");
    for (int64_t c = 0; c < dim; ++c)
      result.data[i * dim + c] = table.data[id * dim + c];
  }
  return result;
}

Tensor linear(const Tensor &input, const Tensor &weight, const Tensor *bias) {
  const char *op = "linear";
  check(input.rank() >= 1, op, "expected input of rank >= 1");
  checkRank(op, "weight", weight.shape, {2});
  int64_t in = input.dim(-1), out = weight.dim(0);
  checkDim(op, "weight", 1, weight.dim(1), in);
  if (bias)
    checkShape(op, "bias", *bias, {out});
  std::vector<int64_t> shape = input.shape;
  shape.back() = out;
  Tensor result(shape);
  int64_t rows = leadingElements(input.shape);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double acc = bias ? bias->data[o] : 0.0;
      for (int64_t i = 0; i < in; ++i)
        acc += static_cast<double>(input.data[r * in + i]) *
               weight.data[o * in + i];
      result.data[r * out + o] = static_cast<float>(acc);
    }
  return result;
}

//===----------------------------------------------------------------------===//
// rmsnorm, layernorm
//===----------------------------------------------------------------------===//

Tensor rmsnorm(const Tensor &input, const Tensor &weight, const Tensor *gate,
               const RMSNormOptions &options) {
  const char *op = "rmsnorm";
  check(input.rank() >= 1, op, "expected input of rank >= 1");
  int64_t channels = input.dim(-1);
  checkShape(op, "weight", weight, {channels});
  if (gate)
    checkShape(op, "gate", *gate, input.shape);
  check(options.epsilon >= 0.0f, op, "expected epsilon >= 0");
  int64_t group = options.groupSize.value_or(channels);
  check(group > 0 && channels % group == 0, op,
        "expected group_size (" + std::to_string(group) +
            ") to be positive and divide the last dim (" +
            std::to_string(channels) + ")");
  Tensor result(input.shape);
  int64_t rows = leadingElements(input.shape);
  std::vector<double> x(static_cast<size_t>(channels));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < channels; ++c) {
      x[c] = input.data[r * channels + c];
      if (gate)
        x[c] *= silu(gate->data[r * channels + c]);
    }
    for (int64_t g0 = 0; g0 < channels; g0 += group) {
      double sumSq = 0.0;
      for (int64_t c = g0; c < g0 + group; ++c)
        sumSq += x[c] * x[c];
      double inv = 1.0 / std::sqrt(sumSq / group + options.epsilon);
      for (int64_t c = g0; c < g0 + group; ++c)
        result.data[r * channels + c] = static_cast<float>(
            x[c] * inv *
            (static_cast<double>(options.weightOffset) + weight.data[c]));
    }
  }
  return result;
}

Tensor layernorm(const Tensor &input, const Tensor &weight, const Tensor *bias,
                 const LayerNormOptions &options) {
  const char *op = "layernorm";
  check(input.rank() >= 1, op, "expected input of rank >= 1");
  int64_t channels = input.dim(-1);
  checkShape(op, "weight", weight, {channels});
  if (bias)
    checkShape(op, "bias", *bias, {channels});
  check(options.epsilon >= 0.0f, op, "expected epsilon >= 0");
  Tensor result(input.shape);
  int64_t rows = leadingElements(input.shape);
  for (int64_t r = 0; r < rows; ++r) {
    const float *x = &input.data[r * channels];
    double mean = 0.0;
    for (int64_t c = 0; c < channels; ++c)
      mean += x[c];
    mean /= channels;
    double var = 0.0;
    for (int64_t c = 0; c < channels; ++c)
      var += (x[c] - mean) * (x[c] - mean);
    var /= channels; // biased
    double inv = 1.0 / std::sqrt(var + options.epsilon);
    for (int64_t c = 0; c < channels; ++c) {
      double y = (x[c] - mean) * inv * weight.data[c];
      if (bias)
        y += bias->data[c];
      result.data[r * channels + c] = static_cast<float>(y);
    }
  }
  return result;
}

//===----------------------------------------------------------------------===//
// rope
//===----------------------------------------------------------------------===//

std::vector<double> ropeInverseFrequencies(int64_t rotaryDim,
                                           const RopeOptions &options) {
  const char *op = "rope";
  const double pi = 3.14159265358979323846;
  check(options.theta > 0.0, op, "expected theta > 0");
  check(rotaryDim > 0 && rotaryDim % 2 == 0, op,
        "expected a positive, even rotary dim, got " +
            std::to_string(rotaryDim));
  bool needsFactor = options.scaling != RopeScaling::none;
  bool needsLlama3 = options.scaling == RopeScaling::llama3;
  check(options.scalingFactor.has_value() == needsFactor, op,
        needsFactor ? "scaling needs scaling_factor"
                    : "scaling none takes no scaling_factor");
  check(options.lowFreqFactor.has_value() == needsLlama3 &&
            options.highFreqFactor.has_value() == needsLlama3 &&
            options.originalMaxPositions.has_value() == needsLlama3,
        op,
        "low_freq_factor, high_freq_factor and original_max_positions go "
        "with llama3 scaling, and only with it");

  std::vector<double> invFreq(static_cast<size_t>(rotaryDim / 2));
  for (int64_t i = 0; i < rotaryDim / 2; ++i)
    invFreq[i] =
        1.0 / std::pow(options.theta, static_cast<double>(2 * i) /
                                          static_cast<double>(rotaryDim));

  if (options.scaling == RopeScaling::linear) {
    double factor = *options.scalingFactor;
    check(factor > 0.0, op, "expected scaling_factor > 0");
    for (double &f : invFreq)
      f /= factor;
  } else if (options.scaling == RopeScaling::llama3) {
    // Hugging Face's _compute_llama3_parameters, term by term.
    double factor = *options.scalingFactor;
    double low = *options.lowFreqFactor, high = *options.highFreqFactor;
    double oldContext = static_cast<double>(*options.originalMaxPositions);
    check(factor > 0.0, op, "expected scaling_factor > 0");
    check(high > low, op, "expected high_freq_factor > low_freq_factor");
    check(oldContext > 0, op, "expected original_max_positions > 0");
    double lowFreqWavelen = oldContext / low;
    double highFreqWavelen = oldContext / high;
    for (double &f : invFreq) {
      double wavelen = 2.0 * pi / f;
      if (wavelen < highFreqWavelen) {
        // High frequency: unchanged.
      } else if (wavelen > lowFreqWavelen) {
        f = f / factor;
      } else {
        double smooth = (oldContext / wavelen - low) / (high - low);
        f = (1.0 - smooth) * f / factor + smooth * f;
      }
    }
  }
  return invFreq;
}

Tensor rope(const Tensor &input, const IntTensor &positions,
            const RopeOptions &options) {
  const char *op = "rope";
  checkRank(op, "input", input.shape, {4});
  checkRank(op, "positions", positions.shape, {1, 2});
  int64_t batch = input.dim(0), seq = input.dim(1), heads = input.dim(2),
          headDim = input.dim(3);
  if (positions.rank() == 2)
    checkDim(op, "positions", 0, positions.dim(0), batch);
  checkDim(op, "positions", positions.rank() - 1, positions.dim(-1), seq);
  int64_t rotaryDim = options.rotaryDim.value_or(headDim);
  check(rotaryDim <= headDim, op,
        "expected rotary_dim (" + std::to_string(rotaryDim) +
            ") <= head dim (" + std::to_string(headDim) + ")");
  std::vector<double> invFreq = ropeInverseFrequencies(rotaryDim, options);
  int64_t half = rotaryDim / 2;

  Tensor result = input; // channels >= rotary_dim pass through
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < seq; ++s) {
      int64_t pos = positions.rank() == 2 ? positions.data[b * seq + s]
                                          : positions.data[s];
      for (int64_t h = 0; h < heads; ++h) {
        int64_t base = ((b * seq + s) * heads + h) * headDim;
        for (int64_t i = 0; i < half; ++i) {
          double angle = static_cast<double>(pos) * invFreq[i];
          double c = std::cos(angle), sn = std::sin(angle);
          int64_t i1 = options.interleaved ? 2 * i : i;
          int64_t i2 = options.interleaved ? 2 * i + 1 : i + half;
          double x1 = input.data[base + i1], x2 = input.data[base + i2];
          result.data[base + i1] = static_cast<float>(x1 * c - x2 * sn);
          result.data[base + i2] = static_cast<float>(x2 * c + x1 * sn);
        }
      }
    }
  return result;
}

//===----------------------------------------------------------------------===//
// activation, glu, softmax
//===----------------------------------------------------------------------===//

Tensor activation(Activation kind, const Tensor &input) {
  Tensor result(input.shape);
  for (int64_t i = 0; i < input.numel(); ++i)
    result.data[i] = static_cast<float>(activate(kind, input.data[i]));
  return result;
}

Tensor glu(Activation kind, const Tensor &gate, const Tensor &up) {
  checkShape("glu", "up", up, gate.shape);
  Tensor result(gate.shape);
  for (int64_t i = 0; i < gate.numel(); ++i)
    result.data[i] = static_cast<float>(activate(kind, gate.data[i]) *
                                        static_cast<double>(up.data[i]));
  return result;
}

Tensor softmax(const Tensor &input, const SoftmaxOptions &options) {
  const char *op = "softmax";
  int64_t rank = input.rank();
  check(rank >= 1, op, "expected input of rank >= 1");
  check(options.axis >= -rank && options.axis < rank, op,
        "axis " + std::to_string(options.axis) + " out of range for rank " +
            std::to_string(rank));
  int64_t axis = options.axis < 0 ? options.axis + rank : options.axis;
  int64_t outer = 1, inner = 1, len = input.shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= input.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= input.shape[d];
  Tensor result(input.shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      auto at = [&](int64_t k) { return (o * len + k) * inner + in; };
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < len; ++k)
        mx = std::max(mx, static_cast<double>(input.data[at(k)]));
      double sum = 0.0;
      for (int64_t k = 0; k < len; ++k)
        sum += std::exp(input.data[at(k)] - mx);
      for (int64_t k = 0; k < len; ++k)
        result.data[at(k)] =
            static_cast<float>(std::exp(input.data[at(k)] - mx) / sum);
    }
  return result;
}

//===----------------------------------------------------------------------===//
// moe
//===----------------------------------------------------------------------===//

std::vector<std::pair<int64_t, double>>
moeRoute(const double *logits, int64_t experts, const MoeOptions &options) {
  check(options.topK >= 1 && options.topK <= experts, "moe",
        "expected 1 <= top_k (" + std::to_string(options.topK) +
            ") <= experts (" + std::to_string(experts) + ")");
  bool sigmoid = options.routing == MoeRouting::sigmoid_topk;
  check(options.selectionBias.empty() ||
            (sigmoid &&
             static_cast<int64_t>(options.selectionBias.size()) == experts),
        "moe",
        "expected a selection bias of one value per expert, with "
        "sigmoid_topk only");
  // The scores experts are chosen by: logits (softmax is monotonic, so
  // this is also the order of the probabilities), or sigmoid + bias.
  std::vector<double> sigmoids(static_cast<size_t>(experts)),
      choice(logits, logits + experts);
  for (int64_t e = 0; e < experts; ++e) {
    sigmoids[e] = 1.0 / (1.0 + std::exp(-logits[e]));
    if (sigmoid)
      choice[e] =
          sigmoids[e] +
          (options.selectionBias.empty() ? 0.0 : options.selectionBias[e]);
  }
  if (options.keptGroups < options.expertGroups) {
    int64_t groups = options.expertGroups;
    check(sigmoid && groups >= 1 && experts % groups == 0 &&
              options.keptGroups >= 1,
          "moe",
          "expected group-limited routing with sigmoid_topk and groups that "
          "divide the experts");
    int64_t per = experts / groups;
    // A group's score: its two best choices (ties: the lower index).
    std::vector<double> score(static_cast<size_t>(groups));
    for (int64_t g = 0; g < groups; ++g) {
      std::vector<double> members(choice.begin() + g * per,
                                  choice.begin() + (g + 1) * per);
      std::stable_sort(members.begin(), members.end(),
                       [](double a, double b) { return a > b; });
      score[g] = members[0] + members[1];
    }
    std::vector<int64_t> groupOrder(static_cast<size_t>(groups));
    for (int64_t g = 0; g < groups; ++g)
      groupOrder[g] = g;
    std::stable_sort(groupOrder.begin(), groupOrder.end(),
                     [&](int64_t a, int64_t b) { return score[a] > score[b]; });
    std::vector<bool> keptGroup(static_cast<size_t>(groups), false);
    for (int64_t r = 0; r < options.keptGroups; ++r)
      keptGroup[groupOrder[r]] = true;
    for (int64_t e = 0; e < experts; ++e)
      if (!keptGroup[e / per])
        choice[e] = -std::numeric_limits<double>::infinity();
  }
  // Experts by decreasing score; equal scores keep the lower index first.
  std::vector<int64_t> order(static_cast<size_t>(experts));
  for (int64_t e = 0; e < experts; ++e)
    order[e] = e;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return choice[a] > choice[b]; });
  order.resize(static_cast<size_t>(options.topK));

  std::vector<std::pair<int64_t, double>> kept;
  if (sigmoid) {
    for (int64_t e : order)
      kept.push_back({e, sigmoids[e]});
  } else if (options.routing == MoeRouting::softmax_topk) {
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t e = 0; e < experts; ++e)
      mx = std::max(mx, logits[e]);
    double sum = 0.0;
    for (int64_t e = 0; e < experts; ++e)
      sum += std::exp(logits[e] - mx);
    for (int64_t e : order)
      kept.push_back({e, std::exp(logits[e] - mx) / sum});
  } else {
    double mx = logits[order[0]];
    double sum = 0.0;
    for (int64_t e : order)
      sum += std::exp(logits[e] - mx);
    for (int64_t e : order)
      kept.push_back({e, std::exp(logits[e] - mx) / sum});
  }
  if (options.normalize) {
    double total = sigmoid ? options.normalizeEpsilon : 0.0;
    for (auto &kv : kept)
      total += kv.second;
    for (auto &kv : kept)
      kv.second /= total;
  }
  for (auto &kv : kept)
    kv.second *= options.routedScale;
  return kept;
}

Tensor moe(const Tensor &input, const Tensor &routerLogits,
           const Tensor &gateWeight, const Tensor &upWeight,
           const Tensor &downWeight, const MoeOptions &options) {
  const char *op = "moe";
  check(input.rank() >= 1, op, "expected input of rank >= 1");
  check(routerLogits.rank() == input.rank(), op,
        "expected router_logits of the input's rank, got " +
            shapeToString(routerLogits.shape));
  for (int64_t d = 0; d + 1 < input.rank(); ++d)
    checkDim(op, "router_logits", d, routerLogits.shape[d], input.shape[d]);
  checkRank(op, "gate_weight", gateWeight.shape, {3});
  int64_t dim = input.dim(-1), experts = routerLogits.dim(-1),
          ffn = gateWeight.dim(1);
  checkShape(op, "gate_weight", gateWeight, {experts, ffn, dim});
  checkShape(op, "up_weight", upWeight, {experts, ffn, dim});
  checkShape(op, "down_weight", downWeight, {experts, dim, ffn});

  Tensor result(input.shape);
  int64_t tokens = leadingElements(input.shape);
  std::vector<double> logits(static_cast<size_t>(experts));
  std::vector<double> hidden(static_cast<size_t>(ffn));
  std::vector<double> acc(static_cast<size_t>(dim));
  for (int64_t t = 0; t < tokens; ++t) {
    const float *x = &input.data[t * dim];
    for (int64_t e = 0; e < experts; ++e)
      logits[e] = routerLogits.data[t * experts + e];
    std::fill(acc.begin(), acc.end(), 0.0);
    for (auto [e, p] : moeRoute(logits.data(), experts, options)) {
      for (int64_t f = 0; f < ffn; ++f) {
        double g = 0.0, u = 0.0;
        for (int64_t d = 0; d < dim; ++d) {
          g += static_cast<double>(gateWeight.data[(e * ffn + f) * dim + d]) *
               x[d];
          u += static_cast<double>(upWeight.data[(e * ffn + f) * dim + d]) *
               x[d];
        }
        hidden[f] = activate(options.activation, g) * u;
      }
      for (int64_t d = 0; d < dim; ++d) {
        double y = 0.0;
        for (int64_t f = 0; f < ffn; ++f)
          y += static_cast<double>(downWeight.data[(e * dim + d) * ffn + f]) *
               hidden[f];
        acc[d] += p * y;
      }
    }
    for (int64_t d = 0; d < dim; ++d)
      result.data[t * dim + d] = static_cast<float>(acc[d]);
  }
  return result;
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

bool attentionVisible(const AttentionOptions &o, int64_t kvLength, int64_t b,
                      int64_t h, int64_t i, int64_t j) {
  if (j < 0 || j >= kvLength)
    return false;
  if (o.causal && !(j <= i))
    return false;

  bool global =
      o.globalTokens ? (i < *o.globalTokens || j < *o.globalTokens) : false;
  bool window = true;
  if (o.slidingWindow)
    window = o.causal ? (i - j < *o.slidingWindow)
                      : (std::llabs(i - j) < *o.slidingWindow);
  bool dilated = true;
  if (o.dilationRate || o.dilationSegment) {
    check(o.dilationRate && o.dilationSegment && *o.dilationRate > 0 &&
              *o.dilationSegment > 0,
          "attention",
          "expected positive dilation_rate and dilation_segment together");
    int64_t r = *o.dilationRate, s = *o.dilationSegment;
    dilated = floorDiv(i, s) == floorDiv(j, s) && floorMod(i - j, r) == 0;
  }
  bool block = true;
  if (o.blockSize) {
    int64_t n = *o.blockSize;
    int64_t blocks = static_cast<int64_t>(
        std::llround(std::sqrt(static_cast<double>(o.blockLayout.size()))));
    check(n > 0 &&
              blocks * blocks == static_cast<int64_t>(o.blockLayout.size()),
          "attention", "expected block_size > 0 and a square block_layout");
    int64_t bi = floorDiv(i, n), bj = floorDiv(j, n);
    check(bi >= 0 && bi < blocks && bj >= 0 && bj < blocks, "attention",
          "block_layout (" + std::to_string(blocks) + " blocks of " +
              std::to_string(n) + ") does not cover query position " +
              std::to_string(i) + " / key position " + std::to_string(j));
    block = o.blockLayout[bi * blocks + bj];
  }
  if (!(global || (window && dilated && block)))
    return false;
  if (o.maskMod && !o.maskMod(b, h, i, j))
    return false;
  return true;
}

Tensor attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *bias, std::optional<int64_t> kvLength,
                 const AttentionOptions &options) {
  const char *op = "attention";
  checkRank(op, "query", query.shape, {4});
  checkRank(op, "key", key.shape, {4});
  checkRank(op, "value", value.shape, {4});
  int64_t B = query.dim(0), Sq = query.dim(1), Hq = query.dim(2),
          Dk = query.dim(3);
  int64_t Skv = key.dim(1), Hkv = key.dim(2), Dv = value.dim(3);
  checkDim(op, "key", 0, key.dim(0), B);
  checkDim(op, "key", 3, key.dim(3), Dk);
  checkDim(op, "value", 0, value.dim(0), B);
  checkDim(op, "value", 1, value.dim(1), Skv);
  checkDim(op, "value", 2, value.dim(2), Hkv);
  check(Hkv > 0 && Hq % Hkv == 0, op,
        "expected query heads (" + std::to_string(Hq) +
            ") to be a multiple of key/value heads (" + std::to_string(Hkv) +
            ")");
  int64_t scoreShape[4] = {B, Hq, Sq, Skv};
  if (bias) {
    checkRank(op, "bias", bias->shape, {4});
    for (int d = 0; d < 4; ++d)
      check(bias->shape[d] == 1 || bias->shape[d] == scoreShape[d], op,
            "bias of shape " + shapeToString(bias->shape) +
                " does not broadcast to [B, Hq, Sq, Skv] = " +
                shapeToString({B, Hq, Sq, Skv}));
  }
  int64_t L = kvLength.value_or(Skv);
  check(L >= 0 && (options.ring || L <= Skv), op,
        "expected 0 <= kv_length (" + std::to_string(L) + ") <= key dim 1 (" +
            std::to_string(Skv) + ")");
  check(!options.slidingWindow || *options.slidingWindow > 0, op,
        "expected sliding_window > 0");
  check(!options.globalTokens || *options.globalTokens > 0, op,
        "expected global_tokens > 0");
  check(options.dilationRate.has_value() == options.dilationSegment.has_value(),
        op, "expected dilation_rate and dilation_segment together");
  check(options.blockSize.has_value() == !options.blockLayout.empty(), op,
        "expected block_size and block_layout together");
  if (options.blockSize) {
    int64_t blocks = static_cast<int64_t>(std::llround(
        std::sqrt(static_cast<double>(options.blockLayout.size()))));
    check(blocks * *options.blockSize >= Skv, op,
          "expected block_layout to cover key dim 1");
  }
  double scale = options.scale ? static_cast<double>(*options.scale)
                               : 1.0 / std::sqrt(static_cast<double>(Dk));
  check(std::isfinite(scale) && scale != 0.0, op,
        "expected a finite non-zero scale");

  auto biasAt = [&](int64_t b, int64_t h, int64_t i, int64_t j) -> double {
    int64_t idx[4] = {b, h, i, j};
    int64_t flat = 0;
    for (int d = 0; d < 4; ++d)
      flat = flat * bias->shape[d] + (bias->shape[d] == 1 ? 0 : idx[d]);
    return bias->data[flat];
  };

  Tensor result({B, Sq, Hq, Dv});
  int64_t group = Hq / std::max<int64_t>(Hkv, 1);
  std::vector<double> scores(static_cast<size_t>(Skv));
  std::vector<bool> visible(static_cast<size_t>(Skv));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      int64_t kh = h / group;
      for (int64_t qi = 0; qi < Sq; ++qi) {
        int64_t i = L - Sq + qi; // absolute query position
        const float *q = &query.data[((b * Sq + qi) * Hq + h) * Dk];
        bool any = false;
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < Skv; ++j) {
          // A ring's slot j holds the latest position ≡ j (mod Skv).
          int64_t pos = options.ring && j < L ? L - 1 - (L - 1 - j) % Skv : j;
          visible[j] = attentionVisible(options, L, b, h, i, pos);
          if (!visible[j])
            continue;
          any = true;
          const float *k = &key.data[((b * Skv + j) * Hkv + kh) * Dk];
          double dot = 0.0;
          for (int64_t d = 0; d < Dk; ++d)
            dot += static_cast<double>(q[d]) * k[d];
          double s = scale * dot;
          if (options.scoreMod)
            s = options.scoreMod(s, b, h, i, pos);
          if (bias)
            s += biasAt(b, h, qi, j);
          scores[j] = s;
          mx = std::max(mx, s);
        }
        float *out = &result.data[((b * Sq + qi) * Hq + h) * Dv];
        if (!any)
          continue; // no visible key: zeros
        double sum = 0.0;
        for (int64_t j = 0; j < Skv; ++j)
          if (visible[j]) {
            scores[j] = std::exp(scores[j] - mx);
            sum += scores[j];
          }
        for (int64_t dv = 0; dv < Dv; ++dv) {
          double acc = 0.0;
          for (int64_t j = 0; j < Skv; ++j)
            if (visible[j])
              acc += scores[j] *
                     static_cast<double>(
                         value.data[((b * Skv + j) * Hkv + kh) * Dv + dv]);
          out[dv] = static_cast<float>(acc / sum);
        }
      }
    }
  return result;
}

//===----------------------------------------------------------------------===//
// selective_scan
//===----------------------------------------------------------------------===//

RecurrenceResult selective_scan(const Tensor &u, const Tensor &delta,
                                const Tensor &A, const Tensor &B,
                                const Tensor &C, const Tensor *D,
                                const Tensor *z, const Tensor *deltaBias,
                                const Tensor *initialState,
                                const SelectiveScanOptions &options) {
  const char *op = "selective_scan";
  checkRank(op, "u", u.shape, {3});
  checkRank(op, "A", A.shape, {2});
  int64_t Bn = u.dim(0), L = u.dim(1), Dn = u.dim(2), N = A.dim(1);
  checkShape(op, "delta", delta, {Bn, L, Dn});
  checkShape(op, "A", A, {Dn, N});
  checkShape(op, "B", B, {Bn, L, N});
  checkShape(op, "C", C, {Bn, L, N});
  if (D)
    checkShape(op, "D", *D, {Dn});
  if (z)
    checkShape(op, "z", *z, {Bn, L, Dn});
  if (deltaBias)
    checkShape(op, "delta_bias", *deltaBias, {Dn});
  if (initialState)
    checkShape(op, "initial_state", *initialState, {Bn, Dn, N});

  RecurrenceResult r{Tensor({Bn, L, Dn}), Tensor({Bn, Dn, N})};
  std::vector<double> h(static_cast<size_t>(N));
  for (int64_t b = 0; b < Bn; ++b)
    for (int64_t d = 0; d < Dn; ++d) {
      for (int64_t n = 0; n < N; ++n)
        h[n] = initialState ? initialState->data[(b * Dn + d) * N + n] : 0.0;
      for (int64_t t = 0; t < L; ++t) {
        int64_t btd = (b * L + t) * Dn + d;
        double dt = delta.data[btd];
        if (deltaBias)
          dt += deltaBias->data[d];
        if (options.deltaSoftplus)
          dt = softplus(dt);
        double x = u.data[btd];
        double y = 0.0;
        for (int64_t n = 0; n < N; ++n) {
          int64_t btn = (b * L + t) * N + n;
          h[n] = std::exp(dt * A.data[d * N + n]) * h[n] + dt * B.data[btn] * x;
          y += h[n] * C.data[btn];
        }
        if (D)
          y += static_cast<double>(D->data[d]) * x;
        if (z)
          y *= silu(z->data[btd]);
        r.output.data[btd] = static_cast<float>(y);
      }
      for (int64_t n = 0; n < N; ++n)
        r.finalState.data[(b * Dn + d) * N + n] = static_cast<float>(h[n]);
    }
  return r;
}

//===----------------------------------------------------------------------===//
// ssd
//===----------------------------------------------------------------------===//

RecurrenceResult ssd(const Tensor &x, const Tensor &dt, const Tensor &A,
                     const Tensor &B, const Tensor &C, const Tensor *D,
                     const Tensor *z, const Tensor *dtBias,
                     const Tensor *initialState, const SSDOptions &options) {
  const char *op = "ssd";
  checkRank(op, "x", x.shape, {4});
  checkRank(op, "B", B.shape, {4});
  int64_t Bn = x.dim(0), L = x.dim(1), H = x.dim(2), P = x.dim(3);
  int64_t G = B.dim(2), N = B.dim(3);
  checkShape(op, "dt", dt, {Bn, L, H});
  checkShape(op, "A", A, {H});
  checkShape(op, "B", B, {Bn, L, G, N});
  checkShape(op, "C", C, {Bn, L, G, N});
  check(G > 0 && H % G == 0, op,
        "expected heads (" + std::to_string(H) +
            ") to be a multiple of groups (" + std::to_string(G) + ")");
  if (D)
    checkShape(op, "D", *D, {H});
  if (z)
    checkShape(op, "z", *z, {Bn, L, H, P});
  if (dtBias)
    checkShape(op, "dt_bias", *dtBias, {H});
  if (initialState)
    checkShape(op, "initial_state", *initialState, {Bn, H, P, N});
  if (options.dtLimit)
    check(options.dtLimit->first <= options.dtLimit->second, op,
          "expected dt_limit min <= max");
  check(!options.chunkSize || *options.chunkSize > 0, op,
        "expected chunk_size > 0");

  RecurrenceResult r{Tensor({Bn, L, H, P}), Tensor({Bn, H, P, N})};
  int64_t headsPerGroup = H / std::max<int64_t>(G, 1);
  std::vector<double> S(static_cast<size_t>(P * N));
  for (int64_t b = 0; b < Bn; ++b)
    for (int64_t h = 0; h < H; ++h) {
      int64_t g = h / headsPerGroup;
      for (int64_t i = 0; i < P * N; ++i)
        S[i] = initialState ? initialState->data[(b * H + h) * P * N + i] : 0.0;
      for (int64_t t = 0; t < L; ++t) {
        double step = dt.data[(b * L + t) * H + h];
        if (dtBias)
          step += dtBias->data[h];
        if (options.dtSoftplus)
          step = softplus(step);
        if (options.dtLimit)
          step =
              std::min<double>(std::max<double>(step, options.dtLimit->first),
                               options.dtLimit->second);
        double decay = std::exp(step * A.data[h]);
        const float *Bt = &B.data[((b * L + t) * G + g) * N];
        const float *Ct = &C.data[((b * L + t) * G + g) * N];
        for (int64_t p = 0; p < P; ++p) {
          int64_t bthp = ((b * L + t) * H + h) * P + p;
          double xv = x.data[bthp];
          double y = 0.0;
          for (int64_t n = 0; n < N; ++n) {
            double &s = S[p * N + n];
            s = decay * s + step * xv * Bt[n];
            y += s * Ct[n];
          }
          if (D)
            y += static_cast<double>(D->data[h]) * xv;
          if (z)
            y *= silu(z->data[bthp]);
          r.output.data[bthp] = static_cast<float>(y);
        }
      }
      for (int64_t i = 0; i < P * N; ++i)
        r.finalState.data[(b * H + h) * P * N + i] = static_cast<float>(S[i]);
    }
  return r;
}

//===----------------------------------------------------------------------===//
// linear_attention
//===----------------------------------------------------------------------===//

RecurrenceResult linear_attention(const Tensor &query, const Tensor &key,
                                  const Tensor &value, const Tensor *logDecay,
                                  const Tensor *initialState,
                                  const LinearAttentionOptions &options) {
  const char *op = "linear_attention";
  checkRank(op, "query", query.shape, {4});
  checkRank(op, "value", value.shape, {4});
  int64_t Bn = query.dim(0), L = query.dim(1), H = query.dim(2),
          K = query.dim(3), V = value.dim(3);
  checkShape(op, "key", key, {Bn, L, H, K});
  checkShape(op, "value", value, {Bn, L, H, V});
  if (logDecay) {
    checkRank(op, "log_decay", logDecay->shape, {1, 3, 4});
    if (logDecay->rank() == 1)
      checkShape(op, "log_decay", *logDecay, {H});
    else if (logDecay->rank() == 3)
      checkShape(op, "log_decay", *logDecay, {Bn, L, H});
    else
      checkShape(op, "log_decay", *logDecay, {Bn, L, H, K});
  }
  if (initialState)
    checkShape(op, "initial_state", *initialState, {Bn, H, K, V});
  check(!options.chunkSize || *options.chunkSize > 0, op,
        "expected chunk_size > 0");

  RecurrenceResult r{Tensor({Bn, L, H, V}), Tensor({Bn, H, K, V})};
  std::vector<double> S(static_cast<size_t>(K * V));
  for (int64_t b = 0; b < Bn; ++b)
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t i = 0; i < K * V; ++i)
        S[i] = initialState ? initialState->data[(b * H + h) * K * V + i] : 0.0;
      for (int64_t t = 0; t < L; ++t) {
        int64_t bth = (b * L + t) * H + h;
        const float *q = &query.data[bth * K];
        const float *k = &key.data[bth * K];
        const float *v = &value.data[bth * V];
        for (int64_t kk = 0; kk < K; ++kk) {
          double g = 0.0; // log of the decay of row kk
          if (logDecay) {
            if (logDecay->rank() == 1)
              g = logDecay->data[h];
            else if (logDecay->rank() == 3)
              g = logDecay->data[bth];
            else
              g = logDecay->data[bth * K + kk];
          }
          double decay = std::exp(g);
          for (int64_t vv = 0; vv < V; ++vv)
            S[kk * V + vv] =
                decay * S[kk * V + vv] + static_cast<double>(k[kk]) * v[vv];
        }
        for (int64_t vv = 0; vv < V; ++vv) {
          double y = 0.0;
          for (int64_t kk = 0; kk < K; ++kk)
            y += S[kk * V + vv] * (static_cast<double>(options.scale) * q[kk]);
          r.output.data[bth * V + vv] = static_cast<float>(y);
        }
      }
      for (int64_t i = 0; i < K * V; ++i)
        r.finalState.data[(b * H + h) * K * V + i] = static_cast<float>(S[i]);
    }
  return r;
}

//===----------------------------------------------------------------------===//
// delta_rule
//===----------------------------------------------------------------------===//

RecurrenceResult delta_rule(const Tensor &query, const Tensor &key,
                            const Tensor &value, const Tensor &beta,
                            const Tensor *logDecay, const Tensor *initialState,
                            const DeltaRuleOptions &options) {
  const char *op = "delta_rule";
  checkRank(op, "query", query.shape, {4});
  checkRank(op, "value", value.shape, {4});
  int64_t Bn = query.dim(0), L = query.dim(1), H = query.dim(2),
          K = query.dim(3), V = value.dim(3);
  checkShape(op, "key", key, {Bn, L, H, K});
  checkShape(op, "value", value, {Bn, L, H, V});
  checkShape(op, "beta", beta, {Bn, L, H});
  if (logDecay)
    checkShape(op, "log_decay", *logDecay, {Bn, L, H});
  if (initialState)
    checkShape(op, "initial_state", *initialState, {Bn, H, K, V});
  check(!options.chunkSize || *options.chunkSize > 0, op,
        "expected chunk_size > 0");

  RecurrenceResult r{Tensor({Bn, L, H, V}), Tensor({Bn, H, K, V})};
  std::vector<double> S(static_cast<size_t>(K * V)), u(V);
  for (int64_t b = 0; b < Bn; ++b)
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t i = 0; i < K * V; ++i)
        S[i] = initialState ? initialState->data[(b * H + h) * K * V + i] : 0.0;
      for (int64_t t = 0; t < L; ++t) {
        int64_t bth = (b * L + t) * H + h;
        const float *q = &query.data[bth * K];
        const float *k = &key.data[bth * K];
        const float *v = &value.data[bth * V];
        double decay = logDecay ? std::exp(double(logDecay->data[bth])) : 1.0;
        for (double &s : S)
          s *= decay;
        // u = β (v − Sᵀk)
        for (int64_t vv = 0; vv < V; ++vv) {
          double predicted = 0.0;
          for (int64_t kk = 0; kk < K; ++kk)
            predicted += S[kk * V + vv] * k[kk];
          u[vv] = double(beta.data[bth]) * (v[vv] - predicted);
        }
        for (int64_t kk = 0; kk < K; ++kk)
          for (int64_t vv = 0; vv < V; ++vv)
            S[kk * V + vv] += static_cast<double>(k[kk]) * u[vv];
        for (int64_t vv = 0; vv < V; ++vv) {
          double y = 0.0;
          for (int64_t kk = 0; kk < K; ++kk)
            y += S[kk * V + vv] * (static_cast<double>(options.scale) * q[kk]);
          r.output.data[bth * V + vv] = static_cast<float>(y);
        }
      }
      for (int64_t i = 0; i < K * V; ++i)
        r.finalState.data[(b * H + h) * K * V + i] = static_cast<float>(S[i]);
    }
  return r;
}

//===----------------------------------------------------------------------===//
// mlstm
//===----------------------------------------------------------------------===//

MlstmResult mlstm(const Tensor &query, const Tensor &key, const Tensor &value,
                  const Tensor &igate, const Tensor &fgate,
                  const Tensor *initialMemory, const Tensor *initialNormalizer,
                  const Tensor *initialStabilizer,
                  const MlstmOptions &options) {
  const char *op = "mlstm";
  checkRank(op, "query", query.shape, {4});
  checkRank(op, "value", value.shape, {4});
  int64_t Bn = query.dim(0), L = query.dim(1), H = query.dim(2),
          K = query.dim(3), V = value.dim(3);
  checkShape(op, "key", key, {Bn, L, H, K});
  checkShape(op, "value", value, {Bn, L, H, V});
  checkShape(op, "igate", igate, {Bn, L, H});
  checkShape(op, "fgate", fgate, {Bn, L, H});
  check(!initialMemory == !initialNormalizer &&
            !initialMemory == !initialStabilizer,
        op, "expected the three initial states together or none");
  if (initialMemory) {
    checkShape(op, "initial_memory", *initialMemory, {Bn, H, K, V});
    checkShape(op, "initial_normalizer", *initialNormalizer, {Bn, H, K});
    checkShape(op, "initial_stabilizer", *initialStabilizer, {Bn, H});
  }
  double scale = options.scale ? *options.scale : 1.0 / std::sqrt(double(K));

  MlstmResult r{Tensor({Bn, L, H, V}), Tensor({Bn, H, K, V}),
                Tensor({Bn, H, K}), Tensor({Bn, H})};
  std::vector<double> C(static_cast<size_t>(K * V)), n(K);
  for (int64_t b = 0; b < Bn; ++b)
    for (int64_t h = 0; h < H; ++h) {
      int64_t bh = b * H + h;
      for (int64_t i = 0; i < K * V; ++i)
        C[i] = initialMemory ? initialMemory->data[bh * K * V + i] : 0.0;
      for (int64_t i = 0; i < K; ++i)
        n[i] = initialNormalizer ? initialNormalizer->data[bh * K + i] : 0.0;
      double m = initialStabilizer ? initialStabilizer->data[bh] : 0.0;
      for (int64_t t = 0; t < L; ++t) {
        int64_t bth = (b * L + t) * H + h;
        double f = fgate.data[bth], i = igate.data[bth];
        double g = std::min(f, 0.0) - std::log1p(std::exp(-std::fabs(f)));
        double mNext = std::max(g + m, i);
        double fa = std::exp(g + m - mNext), ia = std::exp(i - mNext);
        m = mNext;
        const float *q = &query.data[bth * K];
        const float *k = &key.data[bth * K];
        const float *v = &value.data[bth * V];
        for (int64_t kk = 0; kk < K; ++kk) {
          n[kk] = fa * n[kk] + ia * k[kk];
          for (int64_t vv = 0; vv < V; ++vv)
            C[kk * V + vv] =
                fa * C[kk * V + vv] + ia * double(k[kk]) * double(v[vv]);
        }
        double qn = 0.0;
        for (int64_t kk = 0; kk < K; ++kk)
          qn += n[kk] * scale * q[kk];
        double denominator =
            std::max(std::fabs(qn), std::exp(-m)) + double(options.epsilon);
        for (int64_t vv = 0; vv < V; ++vv) {
          double num = 0.0;
          for (int64_t kk = 0; kk < K; ++kk)
            num += C[kk * V + vv] * scale * q[kk];
          r.output.data[bth * V + vv] = static_cast<float>(num / denominator);
        }
      }
      for (int64_t i = 0; i < K * V; ++i)
        r.memory.data[bh * K * V + i] = static_cast<float>(C[i]);
      for (int64_t i = 0; i < K; ++i)
        r.normalizer.data[bh * K + i] = static_cast<float>(n[i]);
      r.stabilizer.data[bh] = static_cast<float>(m);
    }
  return r;
}

//===----------------------------------------------------------------------===//
// wkv
//===----------------------------------------------------------------------===//

RecurrenceResult wkv(const Tensor &logDecay, const Tensor &bonus,
                     const Tensor &key, const Tensor &value,
                     const Tensor *initialState) {
  const char *op = "wkv";
  checkRank(op, "key", key.shape, {3});
  int64_t Bn = key.dim(0), L = key.dim(1), Cn = key.dim(2);
  checkShape(op, "value", value, {Bn, L, Cn});
  checkShape(op, "log_decay", logDecay, {Cn});
  checkShape(op, "bonus", bonus, {Cn});
  if (initialState)
    checkShape(op, "initial_state", *initialState, {Bn, 3, Cn});

  RecurrenceResult r{Tensor({Bn, L, Cn}), Tensor({Bn, 3, Cn})};
  for (int64_t b = 0; b < Bn; ++b)
    for (int64_t c = 0; c < Cn; ++c) {
      // The true sums are a·e^m and d·e^m; an empty state has d = 0.
      double a = 0.0, d = 0.0, m = -1e38;
      if (initialState) {
        const float *s = &initialState->data[b * 3 * Cn + c];
        a = s[0];
        d = s[Cn];
        if (d != 0.0)
          m = s[2 * Cn];
      }
      double w = logDecay.data[c], u = bonus.data[c];
      for (int64_t t = 0; t < L; ++t) {
        int64_t i = (b * L + t) * Cn + c;
        double k = key.data[i], v = value.data[i];
        double p = std::max(m, u + k);
        double e1 = std::exp(m - p), e2 = std::exp(u + k - p);
        r.output.data[i] =
            static_cast<float>((e1 * a + e2 * v) / (e1 * d + e2));
        double q = std::max(m + w, k);
        double f1 = std::exp(m + w - q), f2 = std::exp(k - q);
        a = f1 * a + f2 * v;
        d = f1 * d + f2;
        m = q;
      }
      float *s = &r.finalState.data[b * 3 * Cn + c];
      s[0] = static_cast<float>(a);
      s[Cn] = static_cast<float>(d);
      s[2 * Cn] = static_cast<float>(m);
    }
  return r;
}

//===----------------------------------------------------------------------===//
// causal_conv1d
//===----------------------------------------------------------------------===//

RecurrenceResult causal_conv1d(const Tensor &input, const Tensor &weight,
                               const Tensor *bias, const Tensor *state,
                               const CausalConv1dOptions &options) {
  const char *op = "causal_conv1d";
  checkRank(op, "input", input.shape, {3});
  checkRank(op, "weight", weight.shape, {2});
  int64_t Bn = input.dim(0), L = input.dim(1), Cn = input.dim(2);
  int64_t K = weight.dim(1);
  checkDim(op, "weight", 0, weight.dim(0), Cn);
  check(K >= 1, op, "expected at least one tap in weight dim 1");
  if (bias)
    checkShape(op, "bias", *bias, {Cn});
  if (state)
    checkShape(op, "state", *state, {Bn, Cn, K - 1});

  RecurrenceResult r{Tensor({Bn, L, Cn}), Tensor({Bn, Cn, K - 1})};
  std::vector<double> xs(static_cast<size_t>(K - 1 + L));
  for (int64_t b = 0; b < Bn; ++b)
    for (int64_t c = 0; c < Cn; ++c) {
      // xs = concat(state[b, c, :], input[b, :, c])
      for (int64_t j = 0; j < K - 1; ++j)
        xs[j] = state ? state->data[(b * Cn + c) * (K - 1) + j] : 0.0;
      for (int64_t t = 0; t < L; ++t)
        xs[K - 1 + t] = input.data[(b * L + t) * Cn + c];
      for (int64_t t = 0; t < L; ++t) {
        double acc = bias ? bias->data[c] : 0.0;
        for (int64_t j = 0; j < K; ++j)
          acc += static_cast<double>(weight.data[c * K + j]) * xs[t + j];
        if (options.activation)
          acc = activate(*options.activation, acc);
        r.output.data[(b * L + t) * Cn + c] = static_cast<float>(acc);
      }
      for (int64_t j = 0; j < K - 1; ++j)
        r.finalState.data[(b * Cn + c) * (K - 1) + j] =
            static_cast<float>(xs[L + j]);
    }
  return r;
}

} // namespace seqref
