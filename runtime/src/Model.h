//===- Model.h - a loaded model: code, descriptor, bound weights -*- C++ -*-===//

#ifndef SEQC_RUNTIME_SRC_MODEL_H
#define SEQC_RUNTIME_SRC_MODEL_H

#include "Error.h"
#include "ModelDescriptor.h"
#include "SafeTensors.h"

#include <memory>
#include <vector>

/// The calling convention of every compiled entry point (docs/abi.md).
using SeqEntryFn = void (*)(void *const *buffers, const int64_t *ints,
                            void *const *weights);

/// How the runtime's language-model calls (prefill/decode) map onto one
/// entry point: which argument gets the tokens, the position, the logits.
struct LmEntry {
  const seqrt::Entry *entry = nullptr;
  SeqEntryFn fn = nullptr;
  std::vector<void *> weightPtrs; ///< in the entry's weight order
};

struct seq_model {
  std::string libraryPath;
  void *library = nullptr; ///< dlopen handle
  seqrt::ModelDescriptor descriptor;
  std::unique_ptr<seqrt::WeightStore> store;
  /// Weights converted to the compiled type (or copied for alignment); the
  /// others point into the mmap'd files.
  std::vector<std::vector<float>> converted;
  std::vector<void *> weightData; ///< per descriptor weight
  LmEntry prefill, decode;        ///< decode may alias prefill's entry
  size_t vocabSize = 0;
  int numThreads = 1;

  ~seq_model();
};

namespace seqrt {

/// Opens the library, reads and checks its descriptor, binds the weights.
Error openModel(const char *libraryPath, const char *weightsPath,
                const seq_model_options &options,
                std::unique_ptr<seq_model> &out);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_MODEL_H
