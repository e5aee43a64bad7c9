//===- Runtime.cpp - the C API of seq/runtime.h ---------------------------===//
//
// Thin wrappers: argument checks, C++ → status translation, and the
// thread-local last-error message. No exception crosses the C boundary.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <cstddef>

#include "ApiGuard.h"
#include "Error.h"
#include "Model.h"
#include "Session.h"

#include <cstring>
#include <new>
#include <string>

namespace {
thread_local std::string lastError;

seq_status invalid(const char *what) { return seqrt::invalidArgument(what); }
using seqrt::guarded;
} // namespace

seq_status seqrt::report(const Error &error) {
  if (error.status != SEQ_OK)
    lastError = error.message;
  return error.status;
}

extern "C" {

const char *seq_status_string(seq_status status) {
  switch (status) {
  case SEQ_OK:
    return "SEQ_OK";
  case SEQ_ERROR_INVALID_ARGUMENT:
    return "SEQ_ERROR_INVALID_ARGUMENT";
  case SEQ_ERROR_IO:
    return "SEQ_ERROR_IO";
  case SEQ_ERROR_INVALID_MODEL:
    return "SEQ_ERROR_INVALID_MODEL";
  case SEQ_ERROR_INVALID_WEIGHTS:
    return "SEQ_ERROR_INVALID_WEIGHTS";
  case SEQ_ERROR_OUT_OF_MEMORY:
    return "SEQ_ERROR_OUT_OF_MEMORY";
  case SEQ_ERROR_CAPACITY:
    return "SEQ_ERROR_CAPACITY";
  case SEQ_ERROR_UNSUPPORTED:
    return "SEQ_ERROR_UNSUPPORTED";
  case SEQ_ERROR_INTERNAL:
    return "SEQ_ERROR_INTERNAL";
  case SEQ_ERROR_DEVICE:
    return "SEQ_ERROR_DEVICE";
  }
  return "SEQ_ERROR_UNKNOWN";
}

const char *seq_last_error(void) { return lastError.c_str(); }

void seq_model_options_init(seq_model_options *options) {
  if (!options)
    return;
  options->struct_size = sizeof(*options);
  options->num_threads = 0;
  options->cuda_device = -1;
  options->validate_weights = 0;
}

seq_status seq_model_open(const char *library_path, const char *weights_path,
                          const seq_model_options *options,
                          seq_model **out_model) {
  if (!library_path || !out_model)
    return invalid("seq_model_open: library_path and out_model must not be "
                   "NULL");
  *out_model = nullptr;
  seq_model_options defaults;
  seq_model_options_init(&defaults);
  // Structs from older headers (without cuda_device or validate_weights)
  // keep the newer fields at their defaults.
  constexpr uint32_t kFirstSize = offsetof(seq_model_options, cuda_device);
  if (options && (options->struct_size < kFirstSize ||
                  options->struct_size > sizeof(seq_model_options)))
    return invalid("seq_model_open: options were not initialised with "
                   "seq_model_options_init");
  if (options)
    std::memcpy(&defaults, options, options->struct_size);
  return guarded([&] {
    std::unique_ptr<seq_model> model;
    seqrt::Error e =
        seqrt::openModel(library_path, weights_path, defaults, model);
    if (!e)
      *out_model = model.release();
    return e;
  });
}

void seq_model_close(seq_model *model) { delete model; }

size_t seq_model_vocab_size(const seq_model *model) {
  return model ? model->vocabSize : 0;
}

size_t seq_model_max_positions(const seq_model *model) {
  return model ? static_cast<size_t>(model->descriptor.maxPositions) : 0;
}

seq_status seq_model_entry_arity(const seq_model *model, const char *entry,
                                 size_t *n_inputs, size_t *n_outputs) {
  if (!model || !entry || !n_inputs || !n_outputs)
    return invalid("seq_model_entry_arity: arguments must not be NULL");
  return seqrt::report(seqrt::entryArity(*model, entry, *n_inputs, *n_outputs));
}

seq_status seq_model_entry_tensor(const seq_model *model, const char *entry,
                                  int is_output, size_t index,
                                  seq_tensor *out_spec) {
  if (!model || !entry || !out_spec)
    return invalid("seq_model_entry_tensor: arguments must not be NULL");
  return seqrt::report(
      seqrt::entryTensor(*model, entry, is_output != 0, index, *out_spec));
}

seq_status seq_model_run(seq_model *model, const char *entry,
                         const seq_tensor *inputs, size_t n_inputs,
                         seq_tensor *outputs, size_t n_outputs) {
  if (!model || !entry)
    return invalid("seq_model_run: model and entry must not be NULL");
  return guarded([&] {
    return seqrt::runEntry(*model, entry, inputs, n_inputs, outputs, n_outputs);
  });
}

void seq_session_options_init(seq_session_options *options) {
  if (!options)
    return;
  options->struct_size = sizeof(*options);
  options->prefill_chunk = 0;
  options->last_logits_only = 0;
  options->reserved = 0;
}

seq_status seq_session_create(seq_model *model,
                              const seq_session_options *options,
                              seq_session **out_session) {
  if (!model || !out_session)
    return invalid(
        "seq_session_create: model and out_session must not be NULL");
  *out_session = nullptr;
  // Callers built against an older header pass a smaller struct: the
  // fields it lacks keep their defaults.
  constexpr size_t kFirstSize = offsetof(seq_session_options, last_logits_only);
  if (options && options->struct_size < kFirstSize)
    return invalid("seq_session_create: options were not initialised with "
                   "seq_session_options_init");
  bool lastOnly =
      options &&
      options->struct_size >= offsetof(seq_session_options, reserved) &&
      options->last_logits_only != 0;
  return guarded([&] {
    auto session = std::make_unique<seq_session>();
    session->prefillChunk = options && options->prefill_chunk
                                ? options->prefill_chunk
                                : SEQ_DEFAULT_PREFILL_CHUNK;
    session->lastLogitsOnly = lastOnly;
    seqrt::Error e = seqrt::createSession(model, *session);
    if (!e)
      *out_session = session.release();
    return e;
  });
}

void seq_session_destroy(seq_session *session) { delete session; }

static seq_status runAndReturn(seq_session *session, const LmEntry &entry,
                               const int32_t *tokens, size_t n,
                               const float **out_logits) {
  if (!entry.fn)
    return seqrt::report(seqrt::makeError(
        SEQ_ERROR_UNSUPPORTED,
        session->model->libraryPath +
            " has no 'prefill' entry point; use seq_model_run"));
  return guarded([&] {
    seqrt::Error e = seqrt::runTokens(*session, entry, tokens, n);
    if (!e && out_logits)
      *out_logits = session->logits.data() +
                    (session->logitPositions - 1) * session->model->vocabSize;
    return e;
  });
}

seq_status seq_prefill(seq_session *session, const int32_t *tokens,
                       size_t n_tokens, const float **out_logits) {
  if (!session)
    return invalid("seq_prefill: session is NULL");
  const seq_model &model = *session->model;
  const LmEntry &entry = session->lastLogitsOnly && model.prefillLast.fn
                             ? model.prefillLast
                             : model.prefill;
  return runAndReturn(session, entry, tokens, n_tokens, out_logits);
}

seq_status seq_encode(seq_session *session, const int32_t *tokens,
                      size_t n_tokens) {
  if (!session)
    return invalid("seq_encode: session is NULL");
  return guarded(
      [&] { return seqrt::encodeSource(*session, tokens, n_tokens); });
}

seq_status seq_encode_features(seq_session *session, const float *features,
                               size_t n_mels, size_t n_frames) {
  if (!session)
    return invalid("seq_encode_features: session is NULL");
  return guarded([&] {
    return seqrt::encodeFeatures(*session, features, n_mels, n_frames);
  });
}

seq_status seq_model_source_features(const seq_model *model, size_t *n_mels,
                                     size_t *n_frames) {
  if (!model || !n_mels || !n_frames)
    return invalid("seq_model_source_features: arguments must not be NULL");
  *n_mels = model->featureMels;
  *n_frames = model->featureFrames;
  if (!model->featureMels)
    return seqrt::report(
        seqrt::makeError(SEQ_ERROR_UNSUPPORTED,
                         model->libraryPath + " does not encode features"));
  return SEQ_OK;
}

size_t seq_model_max_source_positions(const seq_model *model) {
  return model ? static_cast<size_t>(model->descriptor.maxSourcePositions) : 0;
}

seq_status seq_decode(seq_session *session, int32_t token,
                      const float **out_logits) {
  if (!session)
    return invalid("seq_decode: session is NULL");
  return runAndReturn(session, session->model->decode, &token, 1, out_logits);
}

seq_status seq_session_logits(const seq_session *session,
                              const float **out_logits, size_t *n_positions,
                              size_t *vocab_size) {
  if (!session || !out_logits || !n_positions || !vocab_size)
    return invalid("seq_session_logits: arguments must not be NULL");
  if (session->logitPositions == 0)
    return invalid("seq_session_logits: no prefill or decode has run yet");
  *out_logits = session->logits.data();
  *n_positions = session->logitPositions;
  *vocab_size = session->model->vocabSize;
  return SEQ_OK;
}

size_t seq_session_position(const seq_session *session) {
  return session ? session->position : 0;
}

seq_status seq_session_reset(seq_session *session) {
  if (!session)
    return invalid("seq_session_reset: session is NULL");
  return guarded(
      [&] { return seqrt::createSession(session->model, *session); });
}

seq_status seq_session_fork(const seq_session *session,
                            seq_session **out_session) {
  if (!session || !out_session)
    return invalid("seq_session_fork: arguments must not be NULL");
  *out_session = nullptr;
  return guarded([&] {
    if (seqrt::Error e = session->device.syncToHost(*session))
      return e;
    *out_session = new seq_session(*session);
    return seqrt::Error::ok();
  });
}

seq_status seq_session_snapshot(const seq_session *session,
                                seq_snapshot **out_snapshot) {
  if (!session || !out_snapshot)
    return invalid("seq_session_snapshot: arguments must not be NULL");
  *out_snapshot = nullptr;
  return guarded([&] {
    if (seqrt::Error e = session->device.syncToHost(*session))
      return e;
    *out_snapshot =
        new seq_snapshot{session->model, session->states, session->position};
    return seqrt::Error::ok();
  });
}

seq_status seq_session_restore(seq_session *session,
                               const seq_snapshot *snapshot) {
  if (!session || !snapshot)
    return invalid("seq_session_restore: arguments must not be NULL");
  if (snapshot->model != session->model)
    return invalid(
        "seq_session_restore: the snapshot comes from another model");
  return guarded([&] {
    session->states = snapshot->states;
    session->device.hostChanged();
    session->position = snapshot->position;
    session->logitPositions = 0;
    return seqrt::Error::ok();
  });
}

void seq_snapshot_destroy(seq_snapshot *snapshot) { delete snapshot; }

} // extern "C"
