//===- PackedInt4.h - GPTQ and AWQ 4-bit checkpoints ------------*- C++ -*-===//
//
// GPTQ and AWQ checkpoints replace a linear layer's `weight` with int32
// words of eight 4-bit values (`qweight`), packed zero points (`qzeros`)
// and per-group scales (`scales`): w[o, i] = (q[i, o] - z[g, o]) · s[g, o]
// with g = i / group. This file reads the `quantization_config` that says
// so and unpacks one layer into the layout seq.linear {bits = 4} reads:
// nibbles [out, in / 2] with scales (and offsets -z·s) [out, in / group].
//
// Act-order GPTQ (desc_act) assigns groups over a permutation of the
// inputs (g_idx); the import sorts the inputs by group, so that groups are
// contiguous again, and the model gathers the layer's input in that order.
//
// Layouts, as the packages that write them define them:
//  - GPTQ (AutoGPTQ / GPTQModel / optimum): qweight [in / 8, out], value i
//    of a column in bits 4·(i % 8) of word i / 8; qzeros [groups, out / 8]
//    packed the same way along `out`; "checkpoint_format": "gptq" (v1)
//    stores z - 1, "gptq_v2" z; g_idx [in] the group of each input.
//  - AWQ (AutoAWQ GEMM): qweight [in, out / 8], output o in nibble
//    [0, 4, 1, 5, 2, 6, 3, 7][o % 8] of word o / 8; qzeros likewise.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_FRONTENDS_HF_PACKEDINT4_H
#define SEQC_FRONTENDS_HF_PACKEDINT4_H

#include "SafeTensors.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace seqc::hf {

class HfConfig;

/// What a checkpoint's quantization_config says its packed layers hold.
struct PackedInt4Format {
  enum class Layout { Gptq, Awq };
  Layout layout = Layout::Gptq;
  /// Inputs per group; 0 for one group per output row (GPTQ's -1).
  int64_t group = 128;
  /// GPTQ v1 checkpoints store each zero point minus one.
  bool zerosMinusOne = false;
  /// "gptq" or "awq".
  const char *name() const { return layout == Layout::Gptq ? "gptq" : "awq"; }
};

/// Reads `quantization_config`: nullopt when absent or unsupported (the
/// latter recorded on `config`, naming the key).
std::optional<PackedInt4Format> readPackedInt4Format(HfConfig &config);

/// One packed linear layer of `out` × `in` weights.
struct PackedInt4Weight {
  PackedInt4Format format;
  const seqrt::TensorInfo *qweight = nullptr, *qzeros = nullptr,
                          *scales = nullptr;
  int64_t out = 0, in = 0;
  /// zerosAllEight(), found once the tensors are (it scans every zero).
  bool symmetric = false;
  /// Act-order checkpoints: input column j of the unpacked weight is the
  /// checkpoint's input order[j] (inputs sorted by group, so that groups
  /// are contiguous); the layer then reads its input in that order. Empty
  /// when g_idx is already i / group.
  std::vector<int32_t> order;

  int64_t group() const { return format.group ? format.group : in; }
  int64_t groups() const { return in / group(); }
  /// The stored shapes of qweight, qzeros and scales.
  std::vector<int64_t> qweightShape() const;
  std::vector<int64_t> qzerosShape() const;
  std::vector<int64_t> scalesShape() const;
  /// Zero point of `group` for output `o` (0..15).
  int zero(int64_t group, int64_t o) const;
  /// Whether every zero point is 8: values (q - 8)·s, Q4_0's form, need no
  /// offsets.
  bool zerosAllEight() const;
  /// What the scales are written in: as stored when f16 and symmetric
  /// (exact), else f32 (beside f32 offsets, so that q·s - z·s is exact).
  seqrt::DType scalesType() const;
  /// Reads GPTQ's g_idx (I32 [in]): sets `order` when it is not i / group.
  /// Returns false with `error` when its groups are not `group` inputs each
  /// (the only layout act-order GPTQ writes).
  bool readGroupIndex(const seqrt::TensorInfo &gIdx, std::string &error);
  /// Nibbles [out, in / 2] (element 2i in the low half of byte i), input
  /// columns in `order`.
  std::vector<uint8_t> nibbles() const;
  /// Scales [out, groups] in f32 (stored f16/bf16/f32 widened exactly).
  std::vector<float> rowScales() const;
  /// Offsets [out, groups]: -z·s in f32 (exact: z has 4 bits, s 24).
  std::vector<float> rowOffsets() const;
};

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_PACKEDINT4_H
