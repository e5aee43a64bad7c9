//===- Session.h - per-conversation state -----------------------*- C++ -*-===//

#ifndef SEQC_RUNTIME_SRC_SESSION_H
#define SEQC_RUNTIME_SRC_SESSION_H

#include "DeviceState.h"
#include "Error.h"
#include "Model.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace seqrt {

/// One state's bytes. A source state — written only by `encode`: an
/// encoder-decoder's cross-attention keys and values and its source length
/// — is shared by the copies of a session (the beams of one source, forks,
/// snapshots) instead of copied; encoding a new source gives the session a
/// buffer of its own first (detach).
class StateBuffer {
public:
  StateBuffer(size_t bytes, bool sourceState)
      : bytes(std::make_shared<std::vector<uint8_t>>(bytes, 0)),
        source(sourceState) {}
  StateBuffer(const StateBuffer &other)
      : bytes(other.source
                  ? other.bytes
                  : std::make_shared<std::vector<uint8_t>>(*other.bytes)),
        source(other.source) {}
  StateBuffer &operator=(const StateBuffer &other) {
    if (this != &other)
      *this = StateBuffer(other);
    return *this;
  }
  StateBuffer(StateBuffer &&) = default;
  StateBuffer &operator=(StateBuffer &&) = default;

  uint8_t *data() const { return bytes->data(); }
  size_t size() const { return bytes->size(); }
  bool empty() const { return bytes->empty(); }
  bool isSourceState() const { return source; }
  /// Whether other sessions read these bytes too.
  bool isShared() const { return bytes.use_count() > 1; }
  /// Before `encode` writes a source state: fresh zeroed bytes that no
  /// other session reads (the rows encode does not write are never read).
  void detach() {
    if (isShared())
      bytes = std::make_shared<std::vector<uint8_t>>(bytes->size(), 0);
  }

private:
  std::shared_ptr<std::vector<uint8_t>> bytes;
  bool source = false;
};

} // namespace seqrt

/// The state every entry point reads and updates in place (KV caches,
/// convolution and SSM states), by the model descriptor's state order, plus
/// the position and the logits of the last call.
struct seq_session {
  seq_model *model = nullptr;
  /// The state on the host. For CUDA models the current copy lives in
  /// `device` and this one is a cache filled on demand (fork, snapshot),
  /// hence mutable.
  mutable std::vector<seqrt::StateBuffer> states;
  mutable seqrt::DeviceState device;
  size_t position = 0;
  std::vector<float> logits; ///< [positions, vocab] of the last call
  size_t logitPositions = 0;
  size_t prefillChunk = SEQ_DEFAULT_PREFILL_CHUNK; ///< tokens per model call
  bool lastLogitsOnly = false; ///< prefill through `prefill_last` if any
};

struct seq_snapshot {
  const seq_model *model = nullptr;
  std::vector<seqrt::StateBuffer> states;
  size_t position = 0;
};

namespace seqrt {

/// Allocates zeroed state for `model`.
Error createSession(seq_model *model, seq_session &out);

/// Runs the `encode` entry on source `tokens` and restarts the target at
/// position 0.
Error encodeSource(seq_session &session, const int32_t *tokens, size_t n);
/// The same for a model whose `encode` reads features (Whisper's log-mel
/// [mels, frames]).
Error encodeFeatures(seq_session &session, const float *features, size_t mels,
                     size_t frames);

/// Runs `n` tokens from the session's position through `entry`.
Error runTokens(seq_session &session, const LmEntry &entry,
                const int32_t *tokens, size_t n);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_SESSION_H
