//===- BeamRunner.h - where a beam search's beams run ------------*- C++
//-*-===//
//
// A beam search keeps its beams' model state (KV caches) in a runner: the
// search picks each step's continuations, the runner reorders the beams'
// state to follow their parents and runs their next tokens.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_BEAMRUNNER_H
#define SEQC_RUNTIME_SRC_BEAMRUNNER_H

#include "Error.h"
#include "Session.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace seqrt {

class BeamRunner {
public:
  virtual ~BeamRunner() = default;
  /// Beam `beam`'s logits for its next token ([vocab]). Before the first
  /// advance every beam is the session after the prompt.
  virtual const float *logits(size_t beam) const = 0;
  /// Beam j continues beam parents[j] with tokens[j].
  virtual Error advance(const std::vector<size_t> &parents,
                        const std::vector<int32_t> &tokens) = 0;
};

/// `beams` beams continuing `session` (after its prompt; it is not
/// changed): all in one `decode_beams` call per step when the model has
/// that entry and runs on the CPU, else one copy of the session per beam.
Error makeBeamRunner(seq_session &session, size_t beams,
                     std::unique_ptr<BeamRunner> &out);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_BEAMRUNNER_H
