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
#include <string>
#include <vector>

namespace seqrt {

class BeamRunner {
public:
  virtual ~BeamRunner() = default;
  /// Row `row`'s logits for its next token ([vocab]). Before the first
  /// advance every beam is the session after the prompt.
  virtual const float *logits(size_t row) const = 0;
  /// Row j continues row parents[j] with tokens[j]. A runner of several
  /// sources (rows source-major, the same beams per source) takes fewer
  /// rows to drop the sources whose search ended; a kept source's rows
  /// continue its own.
  virtual Error advance(const std::vector<size_t> &parents,
                        const std::vector<int32_t> &tokens) = 0;
};

/// `beams` beams continuing `session` (after its prompt; it is not
/// changed) up to position `positions`: all in one `decode_beams` call per
/// step when the model has that entry and runs on the CPU, else one copy
/// of the session per beam.
Error makeBeamRunner(seq_session &session, size_t beams, size_t positions,
                     std::unique_ptr<BeamRunner> &out);

/// The per-source states of `decode_beams` for a batch of encoded sources:
/// for each state name, `sources` rows of `longest` positions (or one
/// value) each.
struct SourceStates {
  size_t sources = 0, longest = 0;
  std::vector<std::string> names;
  std::vector<std::vector<uint8_t>> data;
};

/// `beams` rows per source of `packed`, all running `prompt` (the decoder
/// start) from position 0 in `decode_beams` calls, up to position
/// `positions`.
Error makeSourceBatchRunner(seq_model &model, SourceStates packed, size_t beams,
                            size_t positions, const int32_t *prompt,
                            size_t nPrompt, std::unique_ptr<BeamRunner> &out);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_BEAMRUNNER_H
