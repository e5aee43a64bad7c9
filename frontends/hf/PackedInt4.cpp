//===- PackedInt4.cpp - GPTQ and AWQ 4-bit checkpoints --------------------===//

#include "frontends/hf/PackedInt4.h"

#include "frontends/hf/HfConfig.h"

#include "Half.h"

#include "llvm/ADT/STLExtras.h"

#include <cstring>

namespace seqc::hf {

namespace {

/// Keys of quantization_config that describe how the weights were made or
/// which kernels another runtime picks, not what they hold.
constexpr llvm::StringLiteral kGptqProcessKeys[] = {
    "true_sequential",
    "damp_percent",
    "damp_auto_increment",
    "static_groups",
    "mse",
    "dataset",
    "tokenizer",
    "model_seqlen",
    "batch_size",
    "pad_token_id",
    "cache_block_outputs",
    "module_name_preceding_first_block",
    "block_name_to_quantize",
    "modules_in_block_to_quantize",
    "quantizer",
    "meta",
    "model_name_or_path",
    "model_file_base_name",
    "use_cuda_fp16",
    "use_exllama",
    "disable_exllama",
    "exllama_config",
    "max_input_length",
    "backend",
    "lm_head",
};
constexpr llvm::StringLiteral kAwqProcessKeys[] = {
    "do_fuse", "fuse_max_seq_len", "modules_to_fuse",
    "backend", "exllama_config",   "modules_to_not_convert",
};

uint32_t word(const seqrt::TensorInfo &t, int64_t index) {
  uint32_t w;
  std::memcpy(&w, t.data + 4 * index, 4);
  return w;
}

/// AWQ's GEMM packing puts output o of a word in this nibble.
constexpr int kAwqNibble[8] = {0, 4, 1, 5, 2, 6, 3, 7};

} // namespace

std::optional<PackedInt4Format> readPackedInt4Format(HfConfig &config) {
  const llvm::json::Object *q = config.object("quantization_config");
  if (!q) {
    if (config.has("quantization_config"))
      config.fail("quantization_config", "expected an object");
    return std::nullopt;
  }
  const char *field = "quantization_config";
  PackedInt4Format format;
  std::optional<llvm::StringRef> method = q->getString("quant_method");
  std::vector<llvm::StringRef> known = {"quant_method", "bits", "group_size"};
  if (method == "gptq") {
    format.layout = PackedInt4Format::Layout::Gptq;
    known.insert(known.end(), {"desc_act", "sym", "checkpoint_format", "format",
                               "pack_dtype"});
    known.insert(known.end(), std::begin(kGptqProcessKeys),
                 std::end(kGptqProcessKeys));
    // transformers writes checkpoint_format, GPTQModel format.
    std::optional<llvm::StringRef> layout = q->getString("checkpoint_format");
    if (!layout)
      layout = q->getString("format");
    if (!layout || *layout == "gptq") {
      format.zerosMinusOne = true;
    } else if (*layout != "gptq_v2") {
      config.fail(field, "GPTQ checkpoint_format '" + layout->str() +
                             "' is not supported (gptq and gptq_v2 are)");
      return std::nullopt;
    }
    if (std::optional<llvm::StringRef> pack = q->getString("pack_dtype"))
      if (*pack != "int32") {
        config.fail(field, "GPTQ pack_dtype '" + pack->str() +
                               "' is not supported (int32 is)");
        return std::nullopt;
      }
  } else if (method == "awq") {
    format.layout = PackedInt4Format::Layout::Awq;
    known.insert(known.end(), {"zero_point", "version"});
    known.insert(known.end(), std::begin(kAwqProcessKeys),
                 std::end(kAwqProcessKeys));
    std::optional<llvm::StringRef> version = q->getString("version");
    if (version && version->lower() != "gemm") {
      config.fail(field, "AWQ version '" + version->str() +
                             "' is not supported (gemm is: other versions "
                             "pack the words differently)");
      return std::nullopt;
    }
    if (q->getBoolean("zero_point") == false) {
      config.fail(field, "AWQ without zero points is not supported");
      return std::nullopt;
    }
  } else {
    config.fail(field, "quant_method '" +
                           (method ? method->str() : std::string("(none)")) +
                           "' is not supported (gptq and awq are; or import "
                           "an f32, f16 or bf16 checkpoint)");
    return std::nullopt;
  }
  if (q->getInteger("bits") != 4) {
    config.fail(field, "only 4-bit " + std::string(format.name()) +
                           " checkpoints are supported ('bits': 4)");
    return std::nullopt;
  }
  std::optional<int64_t> group = q->getInteger("group_size");
  if (!group || (*group != -1 && (*group < 8 || *group % 8 != 0))) {
    config.fail(field, "'group_size' must be -1 or a positive multiple of 8");
    return std::nullopt;
  }
  format.group = *group == -1 ? 0 : *group;
  if (format.layout == PackedInt4Format::Layout::Awq && !format.group) {
    config.fail(field, "AWQ needs a positive 'group_size'");
    return std::nullopt;
  }
  for (const auto &member : *q)
    if (llvm::find(known, llvm::StringRef(member.first)) == known.end()) {
      config.fail(field, "key '" + member.first.str() + "' is not read for " +
                             format.name() + " checkpoints");
      return std::nullopt;
    }
  return format;
}

std::vector<int64_t> PackedInt4Weight::qweightShape() const {
  if (format.layout == PackedInt4Format::Layout::Gptq)
    return {in / 8, out};
  return {in, out / 8};
}

std::vector<int64_t> PackedInt4Weight::qzerosShape() const {
  return {groups(), out / 8};
}

std::vector<int64_t> PackedInt4Weight::scalesShape() const {
  return {groups(), out};
}

int PackedInt4Weight::zero(int64_t g, int64_t o) const {
  uint32_t w = word(*qzeros, g * (out / 8) + o / 8);
  int nibble = format.layout == PackedInt4Format::Layout::Gptq
                   ? static_cast<int>(o % 8)
                   : kAwqNibble[o % 8];
  int z = static_cast<int>((w >> (4 * nibble)) & 15);
  // As the GPTQ packages read v1: (stored + 1) & 15.
  return format.zerosMinusOne ? (z + 1) & 15 : z;
}

bool PackedInt4Weight::zerosAllEight() const {
  for (int64_t g = 0; g < groups(); ++g)
    for (int64_t o = 0; o < out; ++o)
      if (zero(g, o) != 8)
        return false;
  return true;
}

seqrt::DType PackedInt4Weight::scalesType() const {
  return scales->dtype == seqrt::DType::F16 && symmetric ? seqrt::DType::F16
                                                         : seqrt::DType::F32;
}

bool PackedInt4Weight::readGroupIndex(const seqrt::TensorInfo &gIdx,
                                      std::string &error) {
  std::vector<int32_t> groupOf(static_cast<size_t>(in));
  std::memcpy(groupOf.data(), gIdx.data, groupOf.size() * 4);
  bool trivial = true;
  std::vector<int64_t> members(static_cast<size_t>(groups()), 0);
  for (int64_t i = 0; i < in; ++i) {
    int32_t g = groupOf[i];
    if (g < 0 || g >= groups()) {
      error = "puts input " + std::to_string(i) + " in group " +
              std::to_string(g) + " of " + std::to_string(groups());
      return false;
    }
    trivial &= g == i / group();
    ++members[g];
  }
  for (int64_t g = 0; g < groups(); ++g)
    if (members[g] != group()) {
      error = "puts " + std::to_string(members[g]) + " inputs in group " +
              std::to_string(g) + ", not group_size " + std::to_string(group());
      return false;
    }
  order.clear();
  if (trivial)
    return true;
  // Inputs by group, in checkpoint order within a group (stable).
  order.resize(static_cast<size_t>(in));
  std::vector<int64_t> next(static_cast<size_t>(groups()));
  for (int64_t g = 0; g < groups(); ++g)
    next[g] = g * group();
  for (int64_t i = 0; i < in; ++i)
    order[next[groupOf[i]]++] = static_cast<int32_t>(i);
  return true;
}

std::vector<uint8_t> PackedInt4Weight::nibbles() const {
  std::vector<uint8_t> packed(static_cast<size_t>(out * in / 2), 0);
  bool gptq = format.layout == PackedInt4Format::Layout::Gptq;
  for (int64_t j = 0; j < in; ++j)
    for (int64_t o = 0; o < out; ++o) {
      int64_t i = order.empty() ? j : order[j];
      uint32_t w = gptq ? word(*qweight, (i / 8) * out + o)
                        : word(*qweight, i * (out / 8) + o / 8);
      int nibble = gptq ? static_cast<int>(i % 8) : kAwqNibble[o % 8];
      uint8_t q = static_cast<uint8_t>((w >> (4 * nibble)) & 15);
      packed[static_cast<size_t>(o * in + j) / 2] |=
          static_cast<uint8_t>(j % 2 ? q << 4 : q);
    }
  return packed;
}

std::vector<float> PackedInt4Weight::rowScales() const {
  std::vector<float> stored(static_cast<size_t>(groups() * out));
  seqrt::convertToF32(scales->dtype, scales->data, stored.size(),
                      stored.data());
  std::vector<float> rows(stored.size());
  for (int64_t g = 0; g < groups(); ++g)
    for (int64_t o = 0; o < out; ++o)
      rows[o * groups() + g] = stored[g * out + o];
  return rows;
}

std::vector<float> PackedInt4Weight::rowOffsets() const {
  std::vector<float> rows = rowScales();
  for (int64_t o = 0; o < out; ++o)
    for (int64_t g = 0; g < groups(); ++g)
      rows[o * groups() + g] *= -static_cast<float>(zero(g, o));
  return rows;
}

} // namespace seqc::hf
