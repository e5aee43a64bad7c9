//===- SourceSearch.h - one source's beam or greedy search --------*- C++
//-*-===//
//
// The search of one source, step by step, apart from where its rows run (a
// BeamRunner): transformers' beam search for several beams, its greedy
// search for one. A batch of sources runs one SourceSearch each over the
// rows of one runner.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_SOURCESEARCH_H
#define SEQC_RUNTIME_SRC_SOURCESEARCH_H

#include "seq/runtime.h"

#include "Error.h"

#include <cstdint>
#include <functional>
#include <vector>

struct seq_model;

struct seq_beam_result {
  struct Hypothesis {
    std::vector<int32_t> tokens; ///< generated tokens only
    float score = 0;
  };
  std::vector<Hypothesis> hypotheses;
};

namespace seqrt {

/// Checks `o` against `model` (SEQ_ERROR_INVALID_ARGUMENT naming the field;
/// `api` names the caller).
Error checkBeamOptions(const seq_model &model, const seq_beam_options &o,
                       const char *api);

class SourceSearch {
public:
  /// A search continuing `prompt` (its last token's logits come first) for
  /// at most o.max_new_tokens tokens over `vocab` logits per row.
  SourceSearch(const seq_beam_options &o, const int32_t *prompt, size_t nPrompt,
               size_t vocab);

  /// One step: `logits(j)` is row j's ([vocab]) of this source's o.beams
  /// rows. Returns true when the search has ended (its rows need not run
  /// again); else parent(j) and token(j) say what row j runs next.
  bool step(const std::function<const float *(size_t)> &logits);
  size_t parent(size_t row) const { return running[row].parent; }
  int32_t token(size_t row) const { return running[row].tokens.back(); }

  /// The o.num_return best hypotheses, best first.
  void results(seq_beam_result &out) const;

private:
  struct Beam {
    std::vector<int32_t> tokens; ///< prompt + generated
    float score = 0;
    size_t parent = 0; ///< the row it continues, in the previous step
  };
  struct Finished {
    std::vector<int32_t> tokens;
    float score = 0;
    bool done = false;
  };
  bool greedyStep(const float *logits);
  bool beamStep(const std::function<const float *(size_t)> &logits);

  const seq_beam_options &o;
  size_t vocab, promptLength, maxLength, length;
  std::vector<Beam> running;
  std::vector<Finished> finished;
  bool improvable = true;
  std::vector<float> candidates, row;
};

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_SOURCESEARCH_H
