//===- Model.h - a loaded model: code, descriptor, bound weights -*- C++
//-*-===//

#ifndef SEQC_RUNTIME_SRC_MODEL_H
#define SEQC_RUNTIME_SRC_MODEL_H

#include "CudaDevice.h"
#include "Error.h"
#include "ModelDescriptor.h"
#include "SafeTensors.h"
#include "WeightBuffer.h"

#include <memory>
#include <vector>

/// The calling convention of every compiled entry point (docs/abi.md).
using SeqEntryFn = void (*)(void *const *buffers, const int64_t *ints,
                            void *const *weights);

/// An entry point resolved in the loaded library.
struct LmEntry {
  const seqrt::Entry *entry = nullptr;
  SeqEntryFn fn = nullptr;
};

struct seq_model {
  std::string libraryPath;
  void *library = nullptr; ///< dlopen handle
  seqrt::ModelDescriptor descriptor;
  std::unique_ptr<seqrt::WeightStore> store;
  /// Weights converted to the compiled type (or copied for alignment); the
  /// others point into the mmap'd files.
  std::vector<std::unique_ptr<seqrt::WeightBuffer>> converted;
  std::vector<void *> weightData; ///< per descriptor weight
  LmEntry prefill, decode; ///< unset without a 'prefill' entry; decode may
                           ///< alias prefill's
  LmEntry prefillLast;     ///< optional: the last position's logits only
  LmEntry encode;          ///< encoder-decoder models: the source's encoder
  /// An `encode` reading features [1, mels, frames] (Whisper); 0: ids.
  size_t featureMels = 0, featureFrames = 0;
  /// Optional (encoder-decoder models): one decoder step of every beam of
  /// a source (or of a batch of sources) in one call, over per-row states
  /// (StateSpec::perRow).
  LmEntry decodeBeams;
  size_t vocabSize = 0;
  int numThreads = 1;
  /// omp_set_num_threads of the libomp an OpenMP-parallel model links; null
  /// for single-threaded models. OpenMP's thread count is per calling thread,
  /// so it is set before every call.
  void (*setThreads)(int) = nullptr;
  /// --target=cuda models: the launch support's API and the weights'
  /// device copies (weightData points at them).
  seqrt::CudaApi cuda;
  std::vector<void *> deviceWeights;
  seqrt::StagingPool staging; ///< device buffers for staging calls

  /// Calls `fn` with this model's thread count.
  void call(SeqEntryFn fn, void *const *buffers, const int64_t *ints) {
    if (setThreads)
      setThreads(numThreads);
    fn(buffers, ints, weightData.data());
  }

  ~seq_model();
};

namespace seqrt {

/// Opens the library, reads and checks its descriptor, binds the weights.
/// `weightsPath` may be null for a model without weights.
Error openModel(const char *libraryPath, const char *weightsPath,
                const seq_model_options &options,
                std::unique_ptr<seq_model> &out);

/// seq_model_run and seq_model_entry_arity (Call.cpp).
Error runEntry(seq_model &model, const char *name, const seq_tensor *inputs,
               size_t nInputs, seq_tensor *outputs, size_t nOutputs);
Error entryArity(const seq_model &model, const char *name, size_t &nIn,
                 size_t &nOut);
Error entryTensor(const seq_model &model, const char *name, bool isOutput,
                  size_t index, seq_tensor &out);

/// Looks up `entry`'s symbol in the model's library.
Error resolveEntry(seq_model &model, const Entry &entry, LmEntry &out);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_MODEL_H
