//===- GgufCheckpoint.h - a GGUF file seen as its HF checkpoint -*- C++ -*-===//
//
// llama.cpp's converter renames a Hugging Face checkpoint's tensors
// (`model.layers.0.self_attn.q_proj.weight` -> `blk.0.attn_q.weight`),
// packs them in ggml's block formats and, for the `llama` architecture,
// reorders the rows of the query and key projections so that ggml's rotary
// embedding of adjacent pairs computes what transformers' rotation of
// halves does. Undoing exactly that here lets the importer and the runtime
// treat a GGUF file as the checkpoint it came from: the same names, the
// same row order, block-quantized tensors as seq.linear's values, scales
// and offsets (GgmlBlocks.h). Nothing is copied until a model reads it.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_FORMATS_GGUFCHECKPOINT_H
#define SEQC_RUNTIME_FORMATS_GGUFCHECKPOINT_H

#include "Gguf.h"
#include "SafeTensors.h"

#include <memory>
#include <string>
#include <vector>

namespace seqrt {

/// How a derived tensor comes from its GGUF tensor.
struct GgufSource {
  const gguf::Tensor *tensor = nullptr;
  enum class Part { Elements, Values, Scales, Offsets } part = Part::Elements;
  /// Rows (elements of a 1-D tensor) come in llama.cpp's rotary order over
  /// heads of rows / permuteHeads: undo it. 0: in order.
  int64_t permuteHeads = 0;
  /// A plain 2-D tensor seen transposed (GPT-2's Conv1D weights, which
  /// llama.cpp stores [out, in]).
  bool transpose = false;
  /// An F32 tensor seen as log(-x) (Mamba's A_log; llama.cpp stores A).
  bool negatedLog = false;
  /// Rows [firstRow, firstRow + rows) of the tensor seen as a matrix of its
  /// last dim (one expert of a stacked [experts, out, in] tensor); rows 0:
  /// all of them.
  int64_t firstRow = 0, rows = 0;
  /// 4-bit block values seen as 8-bit ones, and a symmetric block form's
  /// offsets as zeros: the experts of one layer in one form where their
  /// types differ (Q4_K gate and up, Q6_K down), as seq.moe reads them.
  bool widenValues = false, zeroOffsets = false;
};

/// The name the import gives the scales (offsets) of block-quantized weight
/// `name`; the GGUF view uses the same.
inline std::string quantizedScalesName(const std::string &name) {
  return name + "_scale";
}
inline std::string quantizedOffsetsName(const std::string &name) {
  return name + "_offset";
}

/// The Hugging Face name of GGUF tensor `name` in a file of architecture
/// `arch`, or "" when seqc does not know it (it is then seen as it is).
std::string huggingFaceName(const std::string &arch, const std::string &name);

/// The GGUF name of Hugging Face tensor `name` in a file of architecture
/// `arch` (huggingFaceName's inverse; block-quantized parts name their
/// tensor), or "" when there is none. For messages about missing tensors.
std::string ggufTensorName(const std::string &arch, const std::string &name);

/// The tensors of `file` under their Hugging Face names. Fails with `error`
/// naming the tensor when one is in a block type seqc does not read.
bool ggufCheckpointTensors(const gguf::File &file, std::vector<TensorInfo> &out,
                           std::string &error);

/// Decodes derived tensor `info` into `dst` as its own dtype.
void readGgufTensor(const TensorInfo &info, void *dst);

} // namespace seqrt

#endif // SEQC_RUNTIME_FORMATS_GGUFCHECKPOINT_H
