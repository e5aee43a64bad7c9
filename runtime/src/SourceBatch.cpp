//===- SourceBatch.cpp - beam or greedy search over a batch of sources ----===//
//
// seq_beam_search_batch: every source is encoded on its own (exactly as
// seq_encode would, no padding enters the encoder), its source states are
// packed into one row per source, and all sources' beams then decode
// together, one `decode_beams` call per step, so the decoder's weights are
// read once per step for the whole batch. Each source runs its own search
// (as transformers' batched generate does per batch element); a source
// whose search ended leaves the batch.
//
//===----------------------------------------------------------------------===//

#include "ApiGuard.h"
#include "BeamRunner.h"
#include "Error.h"
#include "Session.h"
#include "SourceSearch.h"

#include "Limits.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using seqrt::Error;
using seqrt::makeError;

/// Rows (sources × beams) one decode_beams call takes at most.
constexpr uint64_t kMaxRows = 1 << 16;

/// Encodes each source in `scratch` and packs decode_beams' per-source
/// states: source i's rows of state `<name>` into row i of
/// `sources.<name>`, `longest` positions each.
Error encodeSources(seq_session &scratch, const int32_t *sources,
                    const size_t *lengths, size_t n, size_t stride,
                    seqrt::SourceStates &packed) {
  const seq_model &model = *scratch.model;
  packed.sources = n;
  packed.longest = *std::max_element(lengths, lengths + n);
  std::vector<size_t> sessionState, positionBytes;
  for (const seqrt::EntryArg &arg : model.decodeBeams.entry->args) {
    if (arg.kind != seqrt::EntryArg::Kind::State ||
        arg.name.compare(0, 8, "sources.") != 0)
      continue;
    const std::vector<int64_t> &shape = arg.spec.shape;
    bool positions = shape.size() > 1 && shape[1] < 0;
    size_t bytes = static_cast<size_t>(arg.spec.staticBytes());
    for (size_t i = 0; i < model.descriptor.states.size(); ++i)
      if (model.descriptor.states[i].name == arg.name.substr(8))
        sessionState.push_back(i);
    positionBytes.push_back(bytes);
    packed.names.push_back(arg.name);
    packed.data.emplace_back(bytes * (positions ? packed.longest : 1) * n, 0);
  }
  for (size_t s = 0; s < n; ++s) {
    if (Error e =
            seqrt::encodeSource(scratch, sources + s * stride, lengths[s]))
      return makeError(e.status,
                       "source " + std::to_string(s) + ": " + e.message);
    for (size_t k = 0; k < packed.names.size(); ++k) {
      std::vector<uint8_t> &to = packed.data[k];
      size_t row = to.size() / n;
      // A position-major state's first lengths[s] positions; the rest of
      // the row stays zero (masked).
      size_t bytes =
          row == positionBytes[k] ? row : positionBytes[k] * lengths[s];
      std::memcpy(to.data() + s * row, scratch.states[sessionState[k]].data(),
                  bytes);
    }
  }
  return Error::ok();
}

Error searchBatch(seq_model &model, const int32_t *sources,
                  const size_t *lengths, size_t n, size_t stride,
                  const int32_t *prompt, size_t nPrompt,
                  const seq_beam_options &o,
                  std::vector<std::unique_ptr<seq_beam_result>> &results) {
  const char *api = "seq_beam_search_batch";
  auto bad = [&](const std::string &what) {
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     std::string(api) + ": " + what);
  };
  if (!model.encode.fn || model.featureMels)
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     std::string(api) + ": " + model.libraryPath +
                         " does not encode token sources (not a text "
                         "encoder-decoder model)");
  if (!model.decodeBeams.fn || model.cuda.alloc)
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     std::string(api) + ": " + model.libraryPath +
                         " has no 'decode_beams' entry on the CPU");
  if (n == 0 || !sources || !lengths)
    return bad("no sources (sources and lengths must not be NULL)");
  size_t maxSource = static_cast<size_t>(model.descriptor.maxSourcePositions);
  for (size_t s = 0; s < n; ++s) {
    if (lengths[s] == 0 || lengths[s] > stride)
      return bad("source " + std::to_string(s) + " has length " +
                 std::to_string(lengths[s]) + ", outside [1, " +
                 std::to_string(stride) + "] (the padded row length)");
    // Before anything is sized by it (encode would refuse it later).
    if (lengths[s] > maxSource)
      return makeError(SEQ_ERROR_CAPACITY,
                       std::string(api) + ": source " + std::to_string(s) +
                           " has " + std::to_string(lengths[s]) +
                           " tokens; the model encodes at most " +
                           std::to_string(maxSource));
  }
  size_t longest = *std::max_element(lengths, lengths + n);
  if (Error e = seqrt::checkBeamOptions(model, o, api))
    return e;
  // Every row's caches are allocated up front: bound them.
  uint64_t rowBytes = 0, total = 0;
  for (const seqrt::EntryArg &arg : model.decodeBeams.entry->args)
    if (arg.kind == seqrt::EntryArg::Kind::State)
      rowBytes +=
          arg.spec.staticBytes() * (longest + nPrompt + o.max_new_tokens);
  if (n > kMaxRows / o.beams ||
      !seqrt::checkedMul(rowBytes, n * o.beams, total) ||
      total > seqrt::kMaxTensorBytes)
    return makeError(SEQ_ERROR_OUT_OF_MEMORY,
                     std::string(api) + ": " + std::to_string(n) +
                         " sources of " + std::to_string(o.beams) +
                         " beams exceed what one batch holds (" +
                         std::to_string(kMaxRows) + " rows, 1 TiB of state)");
  if (nPrompt == 0 || !prompt)
    return bad("the prompt (the decoder start token) is empty");
  for (size_t t = 0; t < nPrompt; ++t)
    if (prompt[t] < 0 || static_cast<size_t>(prompt[t]) >= model.vocabSize)
      return bad("prompt token #" + std::to_string(t) + " (" +
                 std::to_string(prompt[t]) +
                 ") is outside the vocabulary [0, " +
                 std::to_string(model.vocabSize) + ")");
  size_t positions = nPrompt + o.max_new_tokens;
  size_t limit = static_cast<size_t>(model.descriptor.maxPositions);
  if (limit && positions > limit)
    return makeError(SEQ_ERROR_CAPACITY,
                     std::string(api) + ": a prompt of " +
                         std::to_string(nPrompt) + " and " +
                         std::to_string(o.max_new_tokens) +
                         " new tokens exceed the model's maximum of " +
                         std::to_string(limit) + " positions");

  seq_session scratch;
  if (Error e = seqrt::createSession(&model, scratch))
    return e;
  seqrt::SourceStates packed;
  if (Error e = encodeSources(scratch, sources, lengths, n, stride, packed))
    return e;
  std::unique_ptr<seqrt::BeamRunner> runner;
  if (Error e =
          seqrt::makeSourceBatchRunner(model, std::move(packed), o.beams,
                                       positions, prompt, nPrompt, runner))
    return e;

  std::vector<std::unique_ptr<seqrt::SourceSearch>> searches;
  for (size_t s = 0; s < n; ++s)
    searches.push_back(std::make_unique<seqrt::SourceSearch>(o, prompt, nPrompt,
                                                             model.vocabSize));
  std::vector<size_t> active(n); // the sources in the batch, in row order
  for (size_t s = 0; s < n; ++s)
    active[s] = s;
  const size_t beams = o.beams;
  while (!active.empty()) {
    std::vector<size_t> kept, parents;
    std::vector<int32_t> tokens;
    for (size_t i = 0; i < active.size(); ++i) {
      seqrt::SourceSearch &search = *searches[active[i]];
      bool ended = search.step(
          [&](size_t row) { return runner->logits(i * beams + row); });
      if (ended)
        continue;
      kept.push_back(active[i]);
      for (size_t j = 0; j < beams; ++j) {
        parents.push_back(i * beams + search.parent(j));
        tokens.push_back(search.token(j));
      }
    }
    active = std::move(kept);
    if (active.empty())
      break;
    if (Error e = runner->advance(parents, tokens))
      return e;
  }
  for (size_t s = 0; s < n; ++s) {
    results.push_back(std::make_unique<seq_beam_result>());
    searches[s]->results(*results.back());
  }
  return Error::ok();
}

} // namespace

extern "C" {

seq_status seq_beam_search_batch(seq_model *model, const int32_t *sources,
                                 const size_t *source_lengths, size_t n_sources,
                                 size_t source_stride, const int32_t *prompt,
                                 size_t n_prompt,
                                 const seq_beam_options *options,
                                 seq_beam_result **out_results) {
  if (!model || !options || !out_results)
    return seqrt::invalidArgument("seq_beam_search_batch: model, options and "
                                  "out_results must not be NULL");
  for (size_t s = 0; s < n_sources; ++s)
    out_results[s] = nullptr;
  if (options->struct_size != sizeof(seq_beam_options))
    return seqrt::invalidArgument("seq_beam_search_batch: options were not "
                                  "initialised with seq_beam_options_init");
  return seqrt::guarded([&] {
    std::vector<std::unique_ptr<seq_beam_result>> results;
    Error e = searchBatch(*model, sources, source_lengths, n_sources,
                          source_stride, prompt, n_prompt, *options, results);
    if (!e)
      for (size_t s = 0; s < n_sources; ++s)
        out_results[s] = results[s].release();
    return e;
  });
}

} // extern "C"
