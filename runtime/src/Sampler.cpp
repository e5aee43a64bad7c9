//===- Sampler.cpp - the next token from a logits row ---------------------===//
//
// transformers' generate() processors, in its order: the repetition penalty
// on the raw scores (RepetitionPenaltyLogitsProcessor), then the warpers
// temperature, top-k, top-p, min-p (TemperatureLogitsWarper, ...), then a
// draw from the softmax of what is left. Masked tokens get -inf, as there.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include "ApiGuard.h"
#include "Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <numeric>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

struct seq_sampler {
  seq_sampler_options options;
  std::mt19937_64 rng;
  std::vector<float> scores;
  std::vector<uint32_t> order;
};

namespace {

constexpr float kMasked = -std::numeric_limits<float>::infinity();

seq_status invalid(const std::string &what) {
  return seqrt::invalidArgument(what);
}

/// Softmax of the unmasked scores, in `probs` (masked: 0).
void softmax(const std::vector<float> &scores, std::vector<double> &probs) {
  float top = *std::max_element(scores.begin(), scores.end());
  probs.resize(scores.size());
  double sum = 0;
  for (size_t i = 0; i < scores.size(); ++i)
    sum += probs[i] = scores[i] == kMasked ? 0.0 : std::exp(scores[i] - top);
  for (double &p : probs)
    p /= sum;
}

int32_t sample(seq_sampler &s, const float *logits, size_t vocab,
               const int32_t *history, size_t historyLength) {
  const seq_sampler_options &o = s.options;
  s.scores.assign(logits, logits + vocab);
  std::vector<float> &scores = s.scores;
  if (o.repetition_penalty != 1.0f) {
    std::unordered_set<int32_t> seen(history, history + historyLength);
    for (int32_t id : seen) {
      float &x = scores[static_cast<size_t>(id)];
      x = x < 0 ? x * o.repetition_penalty : x / o.repetition_penalty;
    }
  }
  if (o.temperature == 0.0f) // greedy: the first arg max
    return static_cast<int32_t>(std::max_element(scores.begin(), scores.end()) -
                                scores.begin());
  for (float &x : scores)
    x /= o.temperature;
  // Tokens by descending score (ties: lower id first), for top-k and top-p.
  std::vector<uint32_t> &order = s.order;
  order.resize(vocab);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return scores[a] > scores[b];
  });
  if (o.top_k > 0 && static_cast<size_t>(o.top_k) < vocab) {
    // Everything below the k-th score (ties with it are kept).
    float kth = scores[order[static_cast<size_t>(o.top_k) - 1]];
    for (float &x : scores)
      if (x < kth)
        x = kMasked;
  }
  std::vector<double> probs;
  if (o.top_p < 1.0f) {
    // Ascending cumulative mass; drop what stays within 1 - top_p, keep
    // the most likely token.
    softmax(scores, probs);
    double cumulative = 0;
    for (size_t r = vocab; r-- > 1;) {
      uint32_t id = order[r];
      cumulative += probs[id];
      if (cumulative <= 1.0 - o.top_p)
        scores[id] = kMasked;
    }
  }
  if (o.min_p > 0.0f) {
    softmax(scores, probs);
    double top = *std::max_element(probs.begin(), probs.end());
    for (size_t i = 0; i < vocab; ++i)
      if (probs[i] < o.min_p * top)
        scores[i] = kMasked;
  }
  softmax(scores, probs);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  double r = uniform(s.rng);
  for (size_t i = 0; i < vocab; ++i)
    if (probs[i] > 0 && (r -= probs[i]) < 0)
      return static_cast<int32_t>(i);
  // Rounding left r a hair above the total: the last kept token.
  for (size_t i = vocab; i-- > 0;)
    if (probs[i] > 0)
      return static_cast<int32_t>(i);
  return 0;
}

} // namespace

extern "C" {

void seq_sampler_options_init(seq_sampler_options *options) {
  if (!options)
    return;
  *options = seq_sampler_options{};
  options->struct_size = sizeof(seq_sampler_options);
  options->top_p = 1.0f;
  options->repetition_penalty = 1.0f;
}

seq_status seq_sampler_create(const seq_sampler_options *options,
                              seq_sampler **out) {
  if (!options || !out)
    return invalid("seq_sampler_create: null options or out_sampler");
  *out = nullptr;
  if (options->struct_size != sizeof(seq_sampler_options))
    return invalid("seq_sampler_create: options not set up by "
                   "seq_sampler_options_init");
  const seq_sampler_options &o = *options;
  auto finite = [](float x) { return std::isfinite(x); };
  if (!finite(o.temperature) || o.temperature < 0)
    return invalid("temperature must be >= 0, got " +
                   std::to_string(o.temperature));
  if (o.top_k < 0)
    return invalid("top_k must be >= 0, got " + std::to_string(o.top_k));
  if (!finite(o.top_p) || !(o.top_p > 0 && o.top_p <= 1))
    return invalid("top_p must be in (0, 1], got " + std::to_string(o.top_p));
  if (!finite(o.min_p) || !(o.min_p >= 0 && o.min_p <= 1))
    return invalid("min_p must be in [0, 1], got " + std::to_string(o.min_p));
  if (!finite(o.repetition_penalty) || !(o.repetition_penalty > 0))
    return invalid("repetition_penalty must be > 0, got " +
                   std::to_string(o.repetition_penalty));
  seq_sampler *sampler =
      new (std::nothrow) seq_sampler{o, std::mt19937_64(o.seed), {}, {}};
  if (!sampler)
    return seqrt::report(
        seqrt::makeError(SEQ_ERROR_OUT_OF_MEMORY, "out of memory"));
  *out = sampler;
  return SEQ_OK;
}

seq_status seq_sampler_sample(seq_sampler *sampler, const float *logits,
                              size_t vocab, const int32_t *history,
                              size_t historyLength, int32_t *out) {
  if (!sampler || !logits || !out || vocab == 0 || (!history && historyLength))
    return invalid("seq_sampler_sample: null sampler, logits, history or "
                   "out_token, or an empty vocabulary");
  for (size_t i = 0; i < historyLength; ++i)
    if (history[i] < 0 || static_cast<size_t>(history[i]) >= vocab)
      return invalid("seq_sampler_sample: history token " +
                     std::to_string(history[i]) + " at " + std::to_string(i) +
                     " is outside the vocabulary of " + std::to_string(vocab));
  try {
    *out = sample(*sampler, logits, vocab, history, historyLength);
  } catch (const std::bad_alloc &) {
    return seqrt::report(
        seqrt::makeError(SEQ_ERROR_OUT_OF_MEMORY, "out of memory"));
  }
  return SEQ_OK;
}

void seq_sampler_destroy(seq_sampler *sampler) { delete sampler; }

} // extern "C"
