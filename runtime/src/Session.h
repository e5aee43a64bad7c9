//===- Session.h - per-conversation state -----------------------*- C++ -*-===//

#ifndef SEQC_RUNTIME_SRC_SESSION_H
#define SEQC_RUNTIME_SRC_SESSION_H

#include "DeviceState.h"
#include "Error.h"
#include "Model.h"

#include <cstdint>
#include <vector>

/// The state every entry point reads and updates in place (KV caches,
/// convolution and SSM states), by the model descriptor's state order, plus
/// the position and the logits of the last call.
struct seq_session {
  seq_model *model = nullptr;
  /// The state on the host. For CUDA models the current copy lives in
  /// `device` and this one is a cache filled on demand (fork, snapshot),
  /// hence mutable.
  mutable std::vector<std::vector<uint8_t>> states;
  mutable seqrt::DeviceState device;
  size_t position = 0;
  std::vector<float> logits; ///< [positions, vocab] of the last call
  size_t logitPositions = 0;
  size_t prefillChunk = SEQ_DEFAULT_PREFILL_CHUNK; ///< tokens per model call
  bool lastLogitsOnly = false; ///< prefill through `prefill_last` if any
};

struct seq_snapshot {
  const seq_model *model = nullptr;
  std::vector<std::vector<uint8_t>> states;
  size_t position = 0;
};

namespace seqrt {

/// Allocates zeroed state for `model`.
Error createSession(seq_model *model, seq_session &out);

/// Runs the `encode` entry on source `tokens` and restarts the target at
/// position 0.
Error encodeSource(seq_session &session, const int32_t *tokens, size_t n);

/// Runs `n` tokens from the session's position through `entry`.
Error runTokens(seq_session &session, const LmEntry &entry,
                const int32_t *tokens, size_t n);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_SESSION_H
