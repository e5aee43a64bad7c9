//===- BeamSearch.cpp - transformers' beam and greedy search --------------===//
//
// The algorithm of transformers' GenerationMixin._beam_search (v5), for one
// source: float32 scores as there, the 2·N best continuations per step, the
// finished hypotheses merged by score, its early-stopping heuristic; for one
// beam its greedy search. The rows' model state lives in a BeamRunner;
// seq_beam_search runs one session's source.
//
//===----------------------------------------------------------------------===//

#include "SourceSearch.h"

#include "ApiGuard.h"
#include "BeamRunner.h"
#include "Error.h"
#include "LogSoftmax.h"
#include "Session.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace {

using seqrt::Error;
using seqrt::makeError;

constexpr float kMasked = -std::numeric_limits<float>::infinity();
/// transformers' stand-in for an impossible score.
constexpr float kImpossible = -1.0e9f;
constexpr uint32_t kMaxBeams = 256;

/// The log-softmax of logits `row`, in float as torch computes it.
void logProbabilities(const float *row, size_t vocab, std::vector<float> &out) {
  out.resize(vocab);
  seqrt::logSoftmax(row, vocab, out.data());
}

/// Force `token`: every other score -inf, its own 0.
void force(std::vector<float> &scores, int32_t token) {
  std::fill(scores.begin(), scores.end(), kMasked);
  scores[static_cast<size_t>(token)] = 0;
}

/// transformers' logits processors, in its order, on a beam's log-probs:
/// no-repeat n-grams, min new tokens, forced BOS, forced EOS, suppression,
/// suppression at the beginning.
void process(const seq_beam_options &o, const std::vector<int32_t> &tokens,
             size_t promptLength, size_t maxLength,
             std::vector<float> &scores) {
  size_t length = tokens.size();
  size_t n = o.no_repeat_ngram_size;
  if (n > 0 && length + 1 >= n) {
    // Tokens that followed the last n-1 tokens anywhere before.
    const int32_t *prefix = tokens.data() + (length + 1 - n);
    for (size_t start = 0; start + n <= length; ++start)
      if (std::equal(prefix, prefix + (n - 1), tokens.data() + start))
        scores[static_cast<size_t>(tokens[start + n - 1])] = kMasked;
  }
  if (o.eos_token_id >= 0 && length - promptLength < o.min_new_tokens)
    scores[static_cast<size_t>(o.eos_token_id)] = kMasked;
  if (o.forced_bos_token_id >= 0 && length == 1)
    force(scores, o.forced_bos_token_id);
  if (o.forced_eos_token_id >= 0 && length == maxLength - 1)
    force(scores, o.forced_eos_token_id);
  for (size_t i = 0; i < o.n_suppress_tokens; ++i)
    scores[static_cast<size_t>(o.suppress_tokens[i])] = kMasked;
  // transformers' begin_index: the prompt's length, one more when a forced
  // BOS follows a one-token prompt.
  size_t begin =
      promptLength + (promptLength == 1 && o.forced_bos_token_id >= 0);
  if (length == begin)
    for (size_t i = 0; i < o.n_begin_suppress_tokens; ++i)
      scores[static_cast<size_t>(o.begin_suppress_tokens[i])] = kMasked;
}

/// The indices of the `k` largest `values`, largest first; ties keep the
/// lower index first (as torch.topk on CPU does in practice). One pass,
/// keeping the best k so far in order (k is small: at most 2 · beams).
std::vector<size_t> topK(const std::vector<float> &values, size_t k) {
  k = std::min(k, values.size());
  std::vector<size_t> best;
  if (k == 0)
    return best;
  best.reserve(k + 1);
  for (size_t i = 0; i < values.size(); ++i) {
    float v = values[i];
    // An equal value with a higher index is never better than a kept one.
    if (best.size() == k && !(v > values[best.back()]))
      continue;
    size_t at = best.size();
    while (at > 0 && v > values[best[at - 1]])
      --at;
    best.insert(best.begin() + static_cast<ptrdiff_t>(at), i);
    if (best.size() > k)
      best.pop_back();
  }
  return best;
}

} // namespace

Error seqrt::checkBeamOptions(const seq_model &model, const seq_beam_options &o,
                              const char *api) {
  auto bad = [&](const std::string &what) {
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     std::string(api) + ": " + what);
  };
  if (o.beams == 0 || o.beams > kMaxBeams)
    return bad("beams must be in [1, " + std::to_string(kMaxBeams) + "], got " +
               std::to_string(o.beams));
  if (o.num_return == 0 || o.num_return > o.beams)
    return bad("num_return must be in [1, beams], got " +
               std::to_string(o.num_return));
  if (o.max_new_tokens == 0)
    return bad("max_new_tokens must be at least 1");
  if (!std::isfinite(o.length_penalty))
    return bad("length_penalty must be finite");
  if (o.early_stopping < -1 || o.early_stopping > 1)
    return bad("early_stopping must be -1, 0 or 1, got " +
               std::to_string(o.early_stopping));
  if (o.n_suppress_tokens && !o.suppress_tokens)
    return bad("suppress_tokens is NULL");
  if (o.n_begin_suppress_tokens && !o.begin_suppress_tokens)
    return bad("begin_suppress_tokens is NULL");
  auto checkId = [&](int32_t id, const char *what, bool optional) -> Error {
    if ((optional && id == -1) ||
        (id >= 0 && static_cast<size_t>(id) < model.vocabSize))
      return Error::ok();
    return bad(std::string(what) + " " + std::to_string(id) +
               " is outside the vocabulary [0, " +
               std::to_string(model.vocabSize) + ")");
  };
  if (Error e = checkId(o.eos_token_id, "eos_token_id", true))
    return e;
  if (Error e = checkId(o.forced_bos_token_id, "forced_bos_token_id", true))
    return e;
  if (Error e = checkId(o.forced_eos_token_id, "forced_eos_token_id", true))
    return e;
  for (size_t i = 0; i < o.n_suppress_tokens; ++i)
    if (Error e = checkId(o.suppress_tokens[i], "suppressed token", false))
      return e;
  for (size_t i = 0; i < o.n_begin_suppress_tokens; ++i)
    if (Error e = checkId(o.begin_suppress_tokens[i], "begin-suppressed token",
                          false))
      return e;
  return Error::ok();
}

namespace seqrt {

SourceSearch::SourceSearch(const seq_beam_options &options,
                           const int32_t *prompt, size_t nPrompt, size_t v)
    : o(options), vocab(v), promptLength(nPrompt),
      maxLength(nPrompt + options.max_new_tokens), length(nPrompt),
      running(options.beams), finished(options.beams) {
  // Every beam starts as the prompt; only the first may be extended at
  // first (the others score -1e9, as in transformers).
  for (size_t b = 0; b < running.size(); ++b) {
    running[b].tokens.assign(prompt, prompt + nPrompt);
    running[b].score = b == 0 ? 0.0f : kImpossible;
  }
  for (Finished &f : finished)
    f.score = kImpossible;
}

bool SourceSearch::step(const std::function<const float *(size_t)> &logits) {
  bool ended = o.beams == 1 ? greedyStep(logits(0)) : beamStep(logits);
  ++length;
  return ended;
}

/// transformers' greedy search: the processed logits' argmax (the first
/// on ties); the score is the hypothesis' as one beam would have it.
bool SourceSearch::greedyStep(const float *logits) {
  logProbabilities(logits, vocab, row);
  Beam &beam = running[0];
  process(o, beam.tokens, promptLength, maxLength, row);
  int32_t token = static_cast<int32_t>(topK(row, 1)[0]);
  beam.tokens.push_back(token);
  beam.score += row[static_cast<size_t>(token)];
  beam.parent = 0;
  if (token != o.eos_token_id && length + 1 < maxLength)
    return false;
  float divisor = static_cast<float>(
      std::pow(static_cast<double>(length + 1 - promptLength),
               static_cast<double>(o.length_penalty)));
  finished[0] = {beam.tokens, beam.score / divisor, true};
  return true;
}

bool SourceSearch::beamStep(
    const std::function<const float *(size_t)> &logits) {
  const size_t beams = o.beams;
  const size_t keep = 2 * beams; // max(2, 1 + one EOS) · beams
  const float penalty = o.length_penalty;
  // Every beam's accumulated log-probabilities of each next token.
  candidates.resize(beams * vocab);
  for (size_t b = 0; b < beams; ++b) {
    logProbabilities(logits(b), vocab, row);
    process(o, running[b].tokens, promptLength, maxLength, row);
    for (size_t v = 0; v < vocab; ++v)
      candidates[b * vocab + v] = row[v] + running[b].score;
  }
  std::vector<size_t> top = topK(candidates, keep);
  // Each continuation: hits a stopping rule (EOS or the length limit)?
  std::vector<float> topScores(keep), runningScores(keep);
  std::vector<bool> stops(keep);
  bool allStop = true;
  for (size_t k = 0; k < top.size(); ++k) {
    int32_t token = static_cast<int32_t>(top[k] % vocab);
    topScores[k] = candidates[top[k]];
    stops[k] = token == o.eos_token_id || length + 1 >= maxLength;
    allStop = allStop && stops[k];
    runningScores[k] = topScores[k] + (stops[k] ? kImpossible : 0.0f);
  }
  auto extend = [&](size_t k) {
    std::vector<int32_t> tokens = running[top[k] / vocab].tokens;
    tokens.push_back(static_cast<int32_t>(top[k] % vocab));
    return tokens;
  };

  // The finished hypotheses: the best `beams` of those so far and the
  // continuations among the top `beams` that just stopped.
  bool allDone = std::all_of(finished.begin(), finished.end(),
                             [](const Finished &f) { return f.done; });
  float divisor = static_cast<float>(
      std::pow(static_cast<double>(length + 1 - promptLength), penalty));
  std::vector<float> merged;
  for (const Finished &f : finished)
    merged.push_back(f.score);
  for (size_t k = 0; k < top.size(); ++k) {
    bool justDone = stops[k] && k < beams;
    float score = topScores[k] / divisor;
    if (allDone && o.early_stopping == 1)
      score += kImpossible;
    if (!improvable)
      score += kImpossible;
    if (!justDone)
      score += kImpossible;
    merged.push_back(score);
  }
  std::vector<Finished> nextFinished;
  for (size_t m : topK(merged, beams)) {
    if (m < beams) {
      nextFinished.push_back(finished[m]);
      continue;
    }
    size_t k = m - beams;
    nextFinished.push_back({extend(k), merged[m], stops[k] && k < beams});
  }
  finished = std::move(nextFinished);

  // The running beams of the next step: the best continuations that did
  // not stop (stopped ones only when too few did not).
  std::vector<size_t> chosen = topK(runningScores, beams);
  std::vector<Beam> next(chosen.size());
  for (size_t j = 0; j < chosen.size(); ++j) {
    next[j].tokens = extend(chosen[j]);
    next[j].score = runningScores[chosen[j]];
    next[j].parent = top[chosen[j]] / vocab;
  }

  // Stopping rules, after the step (cur_len + 1).
  size_t reached = length + 1;
  size_t hypothetical = o.early_stopping == -1 && penalty > 0
                            ? maxLength - promptLength
                            : reached - promptLength;
  float best =
      next[0].score /
      static_cast<float>(std::pow(static_cast<double>(hypothetical), penalty));
  bool done = std::all_of(finished.begin(), finished.end(),
                          [](const Finished &f) { return f.done; });
  float worst = std::numeric_limits<float>::infinity();
  for (const Finished &f : finished)
    worst = std::min(worst, f.score);
  bool canImprove = false;
  for (const Finished &f : finished)
    canImprove = canImprove || best > (f.done ? worst : kImpossible);
  improvable = improvable && canImprove;
  running = std::move(next);
  return !improvable || (done && o.early_stopping == 1) || allStop;
}

void SourceSearch::results(seq_beam_result &out) const {
  for (size_t i = 0; i < o.num_return; ++i) {
    const Finished &f = finished[i];
    out.hypotheses.push_back(
        {std::vector<int32_t>(f.tokens.begin() +
                                  static_cast<ptrdiff_t>(promptLength),
                              f.tokens.end()),
         f.score});
  }
}

} // namespace seqrt

namespace {

Error beamSearch(seq_session &session, const int32_t *prompt, size_t nPrompt,
                 const seq_beam_options &o, seq_beam_result &result) {
  seq_model &model = *session.model;
  if (!model.prefill.fn)
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     model.libraryPath + " has no 'prefill' entry point");
  if (Error e = seqrt::checkBeamOptions(model, o, "seq_beam_search"))
    return e;
  if (nPrompt == 0 || !prompt)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     "seq_beam_search: the prompt is empty (an "
                     "encoder-decoder's is its decoder start token)");
  size_t limit = static_cast<size_t>(model.descriptor.maxPositions);
  if (limit && (session.position > limit ||
                nPrompt + o.max_new_tokens > limit - session.position))
    return makeError(SEQ_ERROR_CAPACITY,
                     "seq_beam_search: the session holds " +
                         std::to_string(session.position) +
                         " positions; a prompt of " + std::to_string(nPrompt) +
                         " and " + std::to_string(o.max_new_tokens) +
                         " new tokens exceed the model's maximum of " +
                         std::to_string(limit));
  const LmEntry &promptEntry =
      model.prefillLast.fn ? model.prefillLast : model.prefill;
  if (Error e = seqrt::runTokens(session, promptEntry, prompt, nPrompt))
    return e;

  std::unique_ptr<seqrt::BeamRunner> runner;
  if (Error e = seqrt::makeBeamRunner(
          session, o.beams, session.position + o.max_new_tokens, runner))
    return e;
  seqrt::SourceSearch search(o, prompt, nPrompt, model.vocabSize);
  auto rowLogits = [&](size_t row) { return runner->logits(row); };
  while (!search.step(rowLogits)) {
    // The beams' state follows their parents; then each runs its token.
    std::vector<size_t> parents;
    std::vector<int32_t> tokens;
    for (size_t j = 0; j < o.beams; ++j) {
      parents.push_back(search.parent(j));
      tokens.push_back(search.token(j));
    }
    if (Error e = runner->advance(parents, tokens))
      return e;
  }
  search.results(result);
  return Error::ok();
}

} // namespace

extern "C" {

void seq_beam_options_init(seq_beam_options *options) {
  if (!options)
    return;
  *options = seq_beam_options{};
  options->struct_size = sizeof(seq_beam_options);
  options->beams = 4;
  options->max_new_tokens = 64;
  options->num_return = 1;
  options->length_penalty = 1.0f;
  options->eos_token_id = -1;
  options->forced_bos_token_id = -1;
  options->forced_eos_token_id = -1;
}

seq_status seq_beam_search(seq_session *session, const int32_t *prompt,
                           size_t n_prompt, const seq_beam_options *options,
                           seq_beam_result **out_result) {
  if (!session || !options || !out_result)
    return seqrt::invalidArgument(
        "seq_beam_search: session, options and out_result must not be NULL");
  *out_result = nullptr;
  if (options->struct_size != sizeof(seq_beam_options))
    return seqrt::invalidArgument("seq_beam_search: options were not "
                                  "initialised with seq_beam_options_init");
  return seqrt::guarded([&] {
    auto result = std::make_unique<seq_beam_result>();
    Error e = beamSearch(*session, prompt, n_prompt, *options, *result);
    if (!e)
      *out_result = result.release();
    return e;
  });
}

size_t seq_beam_result_count(const seq_beam_result *result) {
  return result ? result->hypotheses.size() : 0;
}

seq_status seq_beam_result_get(const seq_beam_result *result, size_t index,
                               const int32_t **tokens, size_t *n_tokens,
                               float *score) {
  if (!result || !tokens || !n_tokens || !score)
    return seqrt::invalidArgument(
        "seq_beam_result_get: arguments must not be NULL");
  if (index >= result->hypotheses.size())
    return seqrt::invalidArgument("seq_beam_result_get: hypothesis " +
                                  std::to_string(index) + " of " +
                                  std::to_string(result->hypotheses.size()));
  const auto &h = result->hypotheses[index];
  *tokens = h.tokens.data();
  *n_tokens = h.tokens.size();
  *score = h.score;
  return SEQ_OK;
}

void seq_beam_result_destroy(seq_beam_result *result) { delete result; }

} // extern "C"
