//===- WeightsFile.h - the weights an import rewrites -----------*- C++ -*-===//
//
// `seqc import hf --weights=q8_0|q4_0|q4_1|q4_g128` quantizes projection
// weights, and a GPTQ or AWQ checkpoint holds them packed in its own words:
// either way they no longer match what seq.linear reads, so the import
// writes one safetensors file with every tensor the model reads —
// quantized weights as i8 values under their own name plus `<name>_scale`
// (and `<name>_offset`), the rest copied as stored — and the model is run
// with that file as its weights.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_FRONTENDS_HF_WEIGHTSFILE_H
#define SEQC_FRONTENDS_HF_WEIGHTSFILE_H

#include "frontends/hf/PackedInt4.h"

#include "SafeTensors.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace seqc::hf {

class WeightsFile {
public:
  /// The name of the scales of quantized weight `name`.
  static std::string scalesName(const std::string &name);
  /// The name of the offsets of affine-quantized weight `name`.
  static std::string offsetsName(const std::string &name);
  /// The name of the input order of act-order GPTQ weight `name`.
  static std::string orderName(const std::string &name);

  /// Keeps checkpoint tensor `name` as stored (once, however often called).
  void copy(const seqrt::TensorInfo &tensor);
  /// The block formats of the file's weights: ggml's Q8_0/Q4_0/Q4_1 and
  /// Q4_1's rounding on groups of 128 (what --weights= writes), or a GPTQ
  /// or AWQ checkpoint's own blocks.
  enum class Format { Q8_0, Q4_0, Q4_1, Q4_G128, Gptq, Awq };
  /// Inputs per block of the --weights= formats.
  static int64_t blockSize(Format format) {
    return format == Format::Q4_G128 ? 128 : 32;
  }
  /// Quantizes checkpoint tensor `name` to `format` blocks along its input
  /// features: [out, in] as stored, or stored [in, out] when `transposed`
  /// (one format per file).
  void quantize(const seqrt::TensorInfo &tensor, bool transposed,
                Format format);
  /// Writes packed layer `weight` as values `name` [out, in / 2], scales
  /// (weight.scalesType()), unless symmetric f32 offsets, and for act-order
  /// layers the input order (I32 [in]).
  void unpack(const std::string &name, const PackedInt4Weight &weight);
  /// Whether any tensor is quantized (else the checkpoint serves as is).
  bool rewritesWeights() const { return quantized > 0; }
  /// The file's size in bytes.
  uint64_t bytes() const;
  /// "q8_0", "q4_0", "q4_1", "q4_g128", "gptq" or "awq".
  const char *formatName() const;
  /// Writes the safetensors file (its `__metadata__` names `source`).
  /// Returns false with `error` naming the tensor when a weight cannot be
  /// quantized (a non-finite value, a scale beyond f16).
  /// `progress` (optional) hears the bytes written so far and in all.
  bool
  write(llvm::raw_ostream &os, const std::string &source, std::string &error,
        const std::function<void(uint64_t done, uint64_t total)> &progress =
            nullptr) const;

private:
  enum class Kind { Copy, Values, Scales, Offsets, Order };
  struct Entry {
    std::string name;
    Kind kind;
    /// The source: the checkpoint tensor (a packed layer's qweight).
    const seqrt::TensorInfo *tensor;
    bool transposed;
    /// The layer a GPTQ/AWQ entry unpacks (null otherwise).
    std::shared_ptr<const PackedInt4Weight> packed;
    seqrt::DType dtype;
    std::vector<int64_t> shape;
    uint64_t size() const;
  };
  /// Entries in file order: 8-, 4-, 2-byte elements, then 1-byte ones, so
  /// that every tensor starts aligned to its element size.
  std::vector<Entry> ordered() const;
  /// The quantized tensor as f32 [out, in].
  static std::vector<float> rowsOf(const Entry &entry);
  /// One tensor's values, scales and offsets (affine formats only), as the
  /// bytes the file holds.
  struct Blocks {
    std::vector<uint8_t> values, scales, offsets, order;
  };
  /// Quantizes (or unpacks) `entry`'s tensor; false when a value cannot be
  /// quantized.
  bool quantize(const Entry &entry, Blocks &out) const;

  std::vector<Entry> entries;
  llvm::StringSet<> names;
  int quantized = 0;
  Format format = Format::Q8_0;
};

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_WEIGHTSFILE_H
