//===- Session.cpp - run entry points over a session's state --------------===//

#include "Session.h"

#include "Limits.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace seqrt {

/// Whether `encode` writes state `name` (decode entries only read it).
static bool isSourceState(const seq_model &model, const std::string &name) {
  if (!model.encode.entry)
    return false;
  for (const EntryArg &arg : model.encode.entry->args)
    if (arg.kind == EntryArg::Kind::State && arg.name == name)
      return true;
  return false;
}

Error createSession(seq_model *model, seq_session &out) {
  out.model = model;
  out.states.clear();
  // Sizes were bounded when the descriptor was parsed; a failed
  // allocation surfaces as SEQ_ERROR_OUT_OF_MEMORY.
  // Per-beam and per-source states belong to a beam search, which
  // allocates them.
  for (const StateSpec &state : model->descriptor.states)
    out.states.emplace_back(
        state.perRow() ? 0 : static_cast<size_t>(state.spec.staticBytes()),
        isSourceState(*model, state.name));
  out.device.hostChanged();
  out.position = 0;
  out.logitPositions = 0;
  return Error::ok();
}

/// The session's buffer for state `name`.
static uint8_t *stateBuffer(seq_session &session, const std::string &name) {
  const auto &states = session.model->descriptor.states;
  for (size_t i = 0; i < states.size(); ++i)
    if (states[i].name == name)
      return session.states[i].data();
  return nullptr;
}

/// Appends the dynamic dims of `spec` to `ints`: dim 0 is the batch (1),
/// dim 1 the number of tokens in this call.
static Error pushDims(const TensorSpec &spec, size_t n,
                      std::vector<int64_t> &ints, const std::string &what) {
  for (size_t d = 0; d < spec.shape.size(); ++d) {
    int64_t size = spec.shape[d];
    int64_t want = d == 0 ? 1 : d == 1 ? static_cast<int64_t>(n) : -1;
    if (size < 0) {
      if (want < 0)
        return makeError(SEQ_ERROR_UNSUPPORTED,
                         what + " " + spec.str() +
                             " has a dynamic dim beyond batch and sequence");
      ints.push_back(want);
    } else if (d < 2 && size != want) {
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       what + " " + spec.str() + " takes exactly " +
                           std::to_string(size) +
                           (d == 0 ? " sequence(s)" : " token(s) per call") +
                           ", got " + std::to_string(want));
    }
  }
  return Error::ok();
}

namespace {

/// prefill_last: the logits output is [1, 1, vocab] for any token count.
bool returnsLastRowOnly(const LmEntry &lm) {
  for (const EntryArg &arg : lm.entry->args)
    if (arg.kind == EntryArg::Kind::Output)
      return arg.spec.shape.size() == 3 && arg.spec.shape[1] == 1 &&
             lm.entry->name == "prefill_last";
  return false;
}

/// One call of the model's entry for `n` tokens at the session's position;
/// their logits go to `logits` ([n, vocab]). The position moves on by `n`
/// unless `encoding` (the `encode` entry, which has no logits).
Error callEntry(seq_session &session, const LmEntry &lm, const int32_t *tokens,
                size_t n, float *logits, bool encoding = false,
                const float *features = nullptr) {
  seq_model &model = *session.model;
  std::vector<int64_t> ids64;
  std::vector<int32_t> ids32;
  std::vector<void *> buffers;
  std::vector<int64_t> ints;
  // For CUDA models: bytes and direction of each buffer.
  std::vector<StagedBuffer> staging;
  const auto &states = model.descriptor.states;
  // CUDA models: the state stays on the device between calls.
  std::vector<void *> deviceStates;
  if (model.cuda.alloc)
    if (Error e = session.device.acquire(session, deviceStates))
      return e;
  for (const EntryArg &arg : lm.entry->args) {
    switch (arg.kind) {
    case EntryArg::Kind::Input:
      if (features) { // [1, mels, frames] f32, static
        buffers.push_back(const_cast<float *>(features));
        staging.push_back(
            {static_cast<size_t>(arg.spec.staticBytes()), true, false});
        break;
      }
      if (arg.spec.dtype == "i64") {
        ids64.assign(tokens, tokens + n);
        buffers.push_back(ids64.data());
        staging.push_back({n * sizeof(int64_t), true, false});
      } else {
        ids32.assign(tokens, tokens + n);
        buffers.push_back(ids32.data());
        staging.push_back({n * sizeof(int32_t), true, false});
      }
      if (Error e = pushDims(arg.spec, n, ints, "token input"))
        return e;
      break;
    case EntryArg::Kind::Index:
      ints.push_back(static_cast<int64_t>(session.position));
      break;
    case EntryArg::Kind::State: {
      buffers.push_back(stateBuffer(session, arg.name));
      StagedBuffer stage;
      for (size_t i = 0; i < states.size(); ++i)
        if (states[i].name == arg.name) {
          stage.bytes = session.states[i].size();
          stage.resident = deviceStates.empty() ? nullptr : deviceStates[i];
        }
      staging.push_back(stage);
      break;
    }
    case EntryArg::Kind::Output:
      buffers.push_back(logits);
      staging.push_back(
          {(returnsLastRowOnly(lm) ? 1 : n) * model.vocabSize * sizeof(float),
           false, true});
      // A last-position entry returns one row whatever n is.
      if (Error e = pushDims(arg.spec, returnsLastRowOnly(lm) ? 1 : n, ints,
                             "logits output"))
        return e;
      break;
    }
  }
  if (model.cuda.alloc) {
    if (Error e = callOnDevice(model, lm.fn, buffers, staging, ints.data(),
                               "'" + lm.entry->name + "'"))
      return e;
  } else {
    model.call(lm.fn, buffers.data(), ints.data());
  }
  if (!encoding)
    session.position += n;
  return Error::ok();
}

} // namespace

/// Detaches the source states (other sessions, the beams of the previous
/// source, may read them), runs `encode` and restarts the target.
static Error runEncode(seq_session &session, const int32_t *tokens, size_t n,
                       const float *features) {
  for (StateBuffer &state : session.states)
    if (state.isSourceState())
      state.detach();
  if (Error e = callEntry(session, session.model->encode, tokens, n, nullptr,
                          /*encoding=*/true, features))
    return e;
  // A new target: the decoder's self-attention starts over.
  session.position = 0;
  session.logitPositions = 0;
  return Error::ok();
}

Error encodeFeatures(seq_session &session, const float *features, size_t mels,
                     size_t frames) {
  seq_model &model = *session.model;
  if (!model.encode.fn)
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     model.libraryPath + " has no 'encode' entry point (not an "
                                         "encoder-decoder model)");
  if (!model.featureMels)
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     model.libraryPath +
                         " encodes token ids, not features: use seq_encode");
  if (!features)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, "features is NULL");
  if (mels != model.featureMels || frames != model.featureFrames)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     "features of " + std::to_string(mels) + " x " +
                         std::to_string(frames) + "; the model takes " +
                         std::to_string(model.featureMels) + " mel bins x " +
                         std::to_string(model.featureFrames) +
                         " frames (pad or cut the audio to fit)");
  for (size_t i = 0; i < mels * frames; ++i)
    if (!std::isfinite(features[i]))
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       "feature [" + std::to_string(i / frames) + ", " +
                           std::to_string(i % frames) + "] is not finite");
  return runEncode(session, nullptr, 0, features);
}

Error encodeSource(seq_session &session, const int32_t *tokens, size_t n) {
  seq_model &model = *session.model;
  if (!model.encode.fn)
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     model.libraryPath + " has no 'encode' entry point (not an "
                                         "encoder-decoder model)");
  if (model.featureMels)
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     model.libraryPath +
                         " encodes log-mel features, not token ids: use "
                         "seq_encode_features");
  if (n == 0 || !tokens)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, "no source tokens to encode");
  size_t limit = static_cast<size_t>(model.descriptor.maxSourcePositions);
  if (n > limit)
    return makeError(SEQ_ERROR_CAPACITY,
                     std::to_string(n) +
                         " source tokens; the model encodes "
                         "at most " +
                         std::to_string(limit));
  // The encoder's own vocabulary where it has one (Marian without shared
  // embeddings), else the decoder's.
  size_t vocab = model.descriptor.sourceVocabSize > 0
                     ? static_cast<size_t>(model.descriptor.sourceVocabSize)
                     : model.vocabSize;
  for (size_t i = 0; i < n; ++i)
    if (tokens[i] < 0 || static_cast<size_t>(tokens[i]) >= vocab)
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       "source token #" + std::to_string(i) + " (" +
                           std::to_string(tokens[i]) +
                           ") is outside the source vocabulary [0, " +
                           std::to_string(vocab) + ")");
  return runEncode(session, tokens, n, nullptr);
}

Error runTokens(seq_session &session, const LmEntry &lm, const int32_t *tokens,
                size_t n) {
  seq_model &model = *session.model;
  if (n == 0)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, "no tokens to run");
  if (!tokens)
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, "tokens is NULL");
  if (n > static_cast<size_t>(kMaxPositions))
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     std::to_string(n) + " tokens in one call; at most " +
                         std::to_string(kMaxPositions) + " are allowed");
  size_t limit = static_cast<size_t>(model.descriptor.maxPositions);
  // Written so that no sum can wrap: position <= limit always holds.
  if (limit && (session.position > limit || n > limit - session.position))
    return makeError(SEQ_ERROR_CAPACITY,
                     "the session holds " + std::to_string(session.position) +
                         " positions; " + std::to_string(n) +
                         " more exceed the model's maximum of " +
                         std::to_string(limit));
  for (size_t i = 0; i < n; ++i)
    if (tokens[i] < 0 || static_cast<size_t>(tokens[i]) >= model.vocabSize)
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       "token #" + std::to_string(i) + " (" +
                           std::to_string(tokens[i]) +
                           ") is outside the "
                           "vocabulary [0, " +
                           std::to_string(model.vocabSize) + ")");

  // Long prompts run in chunks: the model's scratch memory is bounded by
  // the chunk, and each chunk continues from the state the previous one
  // left (KV caches, scan states), so the result equals one call.
  // Every position's logits, or only the last one's (prefill_last: each
  // chunk overwrites the row, the last chunk's stays).
  bool lastOnly = returnsLastRowOnly(lm);
  size_t rows = lastOnly ? 1 : n;
  uint64_t logitCount = 0;
  if (!checkedMul(rows, model.vocabSize, logitCount) ||
      logitCount > kMaxTensorBytes / sizeof(float))
    return makeError(SEQ_ERROR_OUT_OF_MEMORY,
                     "the logits of " + std::to_string(rows) +
                         " positions exceed 1 TiB; prefill with "
                         "last_logits_only or fewer tokens");
  session.logits.assign(static_cast<size_t>(logitCount), 0.0f);
  size_t chunk = session.prefillChunk ? session.prefillChunk : n;
  // Ring caches take at most this many new positions per call.
  if (model.descriptor.maxTokensPerCall > 0)
    chunk = std::min(chunk, size_t(model.descriptor.maxTokensPerCall));
  for (size_t done = 0; done < n; done += chunk) {
    size_t count = std::min(chunk, n - done);
    float *out =
        session.logits.data() + (lastOnly ? 0 : done * model.vocabSize);
    if (Error e = callEntry(session, lm, tokens + done, count, out))
      return e;
  }
  session.logitPositions = rows;
  return Error::ok();
}
} // namespace seqrt
