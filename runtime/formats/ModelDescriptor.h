//===- ModelDescriptor.h - what a compiled model says about itself -*- C++
//-*-===//
//
// `seqc` embeds a JSON descriptor (symbol `seq_model_descriptor`) in every
// model: its weights, its state buffers and, for each entry point, the
// arguments the runtime must pass. docs/abi.md documents the format; this
// struct is its schema, written by the compiler (writeDescriptor) and read
// by the runtime (parseDescriptor).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_MODELDESCRIPTOR_H
#define SEQC_RUNTIME_SRC_MODELDESCRIPTOR_H

#include "Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace seqrt {

/// A tensor's element type and shape; -1 marks a dynamic dim.
struct TensorSpec {
  std::string dtype; ///< "f32", "i64", ...
  std::vector<int64_t> shape;

  int64_t dynamicDims() const;
  /// Bytes per element, 0 for unknown dtypes.
  size_t elementSize() const;
  /// Bytes of the static dims (dynamic dims count 1); bounded by
  /// kMaxTensorBytes once the descriptor parsed.
  uint64_t staticBytes() const;
  std::string str() const; ///< "f32[1,?,256]"
};

struct EntryArg {
  enum class Kind { Input, Index, State, Output };
  Kind kind;
  std::string name; ///< state name
  TensorSpec spec;  ///< unused for Index
};

struct Entry {
  std::string name, symbol;
  std::vector<EntryArg> args;
  std::vector<int64_t> weights; ///< indices into ModelDescriptor::weights
};

struct WeightSpec {
  std::string name;
  TensorSpec spec;         ///< the compiled layout
  bool transposed = false; ///< stored as the 2-D transpose of `spec`
  /// Stored as shape[0] tensors of shape[1:], named by `name` with its `{}`
  /// replaced by 0, 1, ...
  bool stacked = false;
  /// Stored as the 2-D [shape[0]·shape[2], shape[1]] matrix W; compiled as
  /// its panels of shape[2] rows, k-major: [i, k, j] = W[i·shape[2] + j, k].
  bool panels = false;
  /// With panels: the stored matrix's rows when fewer than the panels hold
  /// (shape[0]·shape[2]); the last panel's columns past them are zeros.
  /// 0: as many as the panels hold.
  int64_t rows = 0;
  /// The stored tensor's shape (of each slice, for a stacked weight).
  std::vector<int64_t> storedShape() const;
};

struct StateSpec {
  std::string name;
  TensorSpec spec;
  /// A state of `decode_beams`' rows ([?, ...]), read and written by that
  /// entry only and allocated by the beam search, not by sessions: per beam
  /// (`beams.<name>`, dim 0 the beams) or per source (`sources.<name>`, dim
  /// 0 the sources; read only). A dynamic dim 1 is the positions: those the
  /// search reaches, or the longest source's.
  bool perRow() const { return !spec.shape.empty() && spec.shape[0] < 0; }
  bool perSource() const {
    return perRow() && name.compare(0, 8, "sources.") == 0;
  }
};

struct ModelDescriptor {
  int64_t abi = 0;
  int64_t maxPositions = 0;     ///< 0: unbounded
  int64_t maxTokensPerCall = 0; ///< 0: unbounded (ring caches set it)
  /// Source tokens `encode` takes (encoder-decoder models); 0: no encoder.
  int64_t maxSourcePositions = 0;
  /// Source ids `encode` takes are below this; 0: the decoder's vocabulary
  /// (a shared one).
  int64_t sourceVocabSize = 0;
  int64_t numThreadsDefault = 0; ///< 0: runtime default
  std::string target = "cpu";    ///< "cpu", or "cuda:sm_NN" (--target=cuda)
  std::vector<Entry> entries;
  std::vector<WeightSpec> weights;
  std::vector<StateSpec> states; ///< union of the entries' states

  const Entry *findEntry(const std::string &name) const;
};

/// Parses and validates a descriptor; `origin` names the model in messages.
Error parseDescriptor(const char *text, const std::string &origin,
                      ModelDescriptor &out);

/// The descriptor as the JSON parseDescriptor reads (what seqc embeds): the
/// one definition of the format's writing side. Defaults are left out
/// (max_positions 0, target "cpu", ...); `states` is derived on parsing
/// and not written.
std::string writeDescriptor(const ModelDescriptor &descriptor);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_MODELDESCRIPTOR_H
