//===- GgufCheckpoint.cpp - a GGUF file seen as its HF checkpoint ---------===//

#include "GgufCheckpoint.h"

#include "GgmlBlocks.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace seqrt {

namespace {

/// llama.cpp's names of a model's tensors (llm_tensor names, without the
/// `.weight`/`.bias` suffix; a layer's without `blk.N.`) and transformers'
/// names of the same, per architecture.
/// How a tensor's values differ between the two.
enum class Conversion {
  None,
  /// transformers stores the weight [in, out] (GPT-2's Conv1D), llama.cpp
  /// [out, in]: float weights are seen transposed back.
  Transposed,
  /// llama.cpp stores Mamba's A = -exp(A_log): seen as A_log = log(-A).
  NegatedLog,
  /// llama.cpp squeezes Mamba's conv1d weight [d, 1, k] to [d, k].
  UnitMiddleDim,
};
struct TensorName {
  const char *gguf, *hf;
  Conversion conversion = Conversion::None;
  /// The names are whole: no `.weight`/`.bias` suffix is added (Mamba's A
  /// and D; Mamba2's dt bias, `ssm_dt.bias` against `dt_bias`).
  bool bare = false;
  /// llama.cpp stores the vector as a matrix (Mamba2's A, D and its
  /// grouped norm weight): seen 1-D.
  bool flatten = false;
  /// llama.cpp stacks the experts' matrices into one [experts, out, in]
  /// tensor; transformers has one per expert, `{}` in its name the index.
  bool experts = false;
};
struct ArchitectureNames {
  std::vector<const char *> architectures;
  std::vector<TensorName> model;
  const char *layerPrefix;
  std::vector<TensorName> layer;
};

const std::vector<ArchitectureNames> &architectureNames() {
  static const std::vector<ArchitectureNames> kAll = {
      {{"llama", "qwen2"},
       {{"token_embd", "model.embed_tokens"},
        {"output_norm", "model.norm"},
        {"output", "lm_head"}},
       "model.layers.",
       {{"attn_norm", "input_layernorm"},
        {"attn_q", "self_attn.q_proj"},
        {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"},
        {"attn_output", "self_attn.o_proj"},
        {"ffn_norm", "post_attention_layernorm"},
        {"ffn_gate", "mlp.gate_proj"},
        {"ffn_up", "mlp.up_proj"},
        {"ffn_down", "mlp.down_proj"}}},
      {{"gpt2"},
       {{"token_embd", "transformer.wte"},
        {"position_embd", "transformer.wpe"},
        {"output_norm", "transformer.ln_f"},
        {"output", "lm_head"}},
       "transformer.h.",
       {{"attn_norm", "ln_1"},
        {"attn_qkv", "attn.c_attn", Conversion::Transposed},
        {"attn_output", "attn.c_proj", Conversion::Transposed},
        {"ffn_norm", "ln_2"},
        {"ffn_up", "mlp.c_fc", Conversion::Transposed},
        {"ffn_down", "mlp.c_proj", Conversion::Transposed}}},
      {{"mamba"},
       {{"token_embd", "backbone.embeddings"},
        {"output_norm", "backbone.norm_f"},
        {"output", "lm_head"}},
       "backbone.layers.",
       {{"attn_norm", "norm"},
        {"ssm_in", "mixer.in_proj"},
        {"ssm_conv1d", "mixer.conv1d", Conversion::UnitMiddleDim},
        {"ssm_x", "mixer.x_proj"},
        {"ssm_dt", "mixer.dt_proj"},
        {"ssm_a", "mixer.A_log", Conversion::NegatedLog, true},
        {"ssm_d", "mixer.D", Conversion::None, true},
        {"ssm_out", "mixer.out_proj"}}},
      {{"bert"},
       {{"token_embd", "embeddings.word_embeddings"},
        {"token_types", "embeddings.token_type_embeddings"},
        {"position_embd", "embeddings.position_embeddings"},
        {"token_embd_norm", "embeddings.LayerNorm"}},
       "encoder.layer.",
       {{"attn_q", "attention.self.query"},
        {"attn_k", "attention.self.key"},
        {"attn_v", "attention.self.value"},
        {"attn_output", "attention.output.dense"},
        {"attn_output_norm", "attention.output.LayerNorm"},
        {"ffn_up", "intermediate.dense"},
        {"ffn_down", "output.dense"},
        {"layer_output_norm", "output.LayerNorm"}}},
      {{"mamba2"},
       {{"token_embd", "backbone.embeddings"},
        {"output_norm", "backbone.norm_f"},
        {"output", "lm_head"}},
       "backbone.layers.",
       {{"attn_norm", "norm"},
        {"ssm_in", "mixer.in_proj"},
        {"ssm_conv1d", "mixer.conv1d", Conversion::UnitMiddleDim},
        {"ssm_dt.bias", "mixer.dt_bias", Conversion::None, true},
        {"ssm_a", "mixer.A_log", Conversion::NegatedLog, true, true},
        {"ssm_d", "mixer.D", Conversion::None, true, true},
        {"ssm_norm", "mixer.norm", Conversion::None, false, true},
        {"ssm_out", "mixer.out_proj"}}},
      {{"lfm2"},
       {{"token_embd", "model.embed_tokens"},
        {"token_embd_norm", "model.embedding_norm"},
        {"output", "lm_head"}},
       "model.layers.",
       {{"attn_norm", "operator_norm"},
        {"attn_q", "self_attn.q_proj"},
        {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"},
        {"attn_output", "self_attn.out_proj"},
        {"attn_q_norm", "self_attn.q_layernorm"},
        {"attn_k_norm", "self_attn.k_layernorm"},
        {"shortconv.conv", "conv.conv", Conversion::UnitMiddleDim},
        {"shortconv.in_proj", "conv.in_proj"},
        {"shortconv.out_proj", "conv.out_proj"},
        {"ffn_norm", "ffn_norm"},
        {"ffn_gate", "feed_forward.w1"},
        {"ffn_up", "feed_forward.w3"},
        {"ffn_down", "feed_forward.w2"}}},
      {{"jamba"},
       {{"token_embd", "model.embed_tokens"},
        {"output_norm", "model.final_layernorm"},
        {"output", "lm_head"}},
       "model.layers.",
       {{"attn_norm", "input_layernorm"},
        {"attn_q", "self_attn.q_proj"},
        {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"},
        {"attn_output", "self_attn.o_proj"},
        {"ssm_in", "mamba.in_proj"},
        {"ssm_conv1d", "mamba.conv1d", Conversion::UnitMiddleDim},
        {"ssm_x", "mamba.x_proj"},
        {"ssm_dt", "mamba.dt_proj"},
        {"ssm_dt_norm", "mamba.dt_layernorm"},
        {"ssm_b_norm", "mamba.b_layernorm"},
        {"ssm_c_norm", "mamba.c_layernorm"},
        {"ssm_a", "mamba.A_log", Conversion::NegatedLog, true},
        {"ssm_d", "mamba.D", Conversion::None, true},
        {"ssm_out", "mamba.out_proj"},
        {"ffn_norm", "pre_ff_layernorm"},
        {"ffn_gate", "feed_forward.gate_proj"},
        {"ffn_up", "feed_forward.up_proj"},
        {"ffn_down", "feed_forward.down_proj"},
        {"ffn_gate_inp", "feed_forward.router"},
        {"ffn_gate_exps", "feed_forward.experts.{}.gate_proj", Conversion::None,
         false, false, true},
        {"ffn_up_exps", "feed_forward.experts.{}.up_proj", Conversion::None,
         false, false, true},
        {"ffn_down_exps", "feed_forward.experts.{}.down_proj", Conversion::None,
         false, false, true}}},
  };
  return kAll;
}

const ArchitectureNames *namesOf(const std::string &arch) {
  for (const ArchitectureNames &a : architectureNames())
    for (const char *name : a.architectures)
      if (arch == name)
        return &a;
  return nullptr;
}

/// `name` split into its stem and `.weight`/`.bias` suffix.
bool splitSuffix(std::string_view name, std::string_view &stem,
                 std::string_view &suffix) {
  for (std::string_view s : {".weight", ".bias"})
    if (name.size() > s.size() && name.substr(name.size() - s.size()) == s) {
      stem = name.substr(0, name.size() - s.size());
      suffix = s;
      return true;
    }
  return false;
}

/// The entry of `entries` that `name` (a whole name, or a layer's name
/// after its prefix) is, read as a GGUF name (`fromGguf`) or a Hugging Face
/// one; `other` receives its name on the other side. A bare entry is the
/// whole name; others take a `.weight`/`.bias` suffix.
const TensorName *matchName(const std::vector<TensorName> &entries,
                            std::string_view name, bool fromGguf,
                            std::string &other) {
  std::string_view stem, suffix;
  bool suffixed = splitSuffix(name, stem, suffix);
  for (const TensorName &t : entries) {
    std::string_view from = fromGguf ? t.gguf : t.hf;
    const char *to = fromGguf ? t.hf : t.gguf;
    if (t.experts && !fromGguf && suffixed) {
      // `{}`: the expert's index.
      size_t at = from.find("{}");
      std::string_view head = from.substr(0, at), tail = from.substr(at + 2);
      if (stem.size() > head.size() + tail.size() &&
          stem.substr(0, head.size()) == head &&
          stem.substr(stem.size() - tail.size()) == tail &&
          stem.substr(head.size(), stem.size() - head.size() - tail.size())
                  .find_first_not_of("0123456789") == std::string_view::npos) {
        other = std::string(to) + std::string(suffix);
        return &t;
      }
      continue;
    }
    if (t.bare ? name == from : suffixed && stem == from) {
      other = std::string(to) + std::string(t.bare ? "" : suffix);
      return &t;
    }
  }
  return nullptr;
}

/// The entry GGUF tensor `name` maps through, its Hugging Face name.
const TensorName *mapName(const std::string &arch, const std::string &name,
                          std::string &hf) {
  const ArchitectureNames *names = namesOf(arch);
  if (!names)
    return nullptr;
  if (const TensorName *t = matchName(names->model, name, true, hf))
    return t;
  std::string_view rest = name;
  if (rest.substr(0, 4) != "blk.")
    return nullptr;
  rest.remove_prefix(4);
  size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 6)
    return nullptr;
  std::string_view layer = rest.substr(0, dot);
  for (char c : layer)
    if (c < '0' || c > '9')
      return nullptr;
  rest.remove_prefix(dot + 1);
  std::string inLayer;
  const TensorName *t = matchName(names->layer, rest, true, inLayer);
  if (t)
    hf = names->layerPrefix + std::string(layer) + "." + inLayer;
  return t;
}

/// Whether the converter reordered the query/key rows (LlamaModel's
/// permute; Qwen2 keeps transformers' order: ggml's NeoX rotary there).
bool rotaryPermuted(const std::string &arch) { return arch == "llama"; }

std::optional<int64_t> metadataInt(const gguf::File &file,
                                   const std::string &key) {
  const gguf::Value *v = file.find(key);
  if (!v || !v->isInteger() || v->type == gguf::ValueType::Bool)
    return std::nullopt;
  return v->integer;
}

} // namespace

std::string huggingFaceName(const std::string &arch, const std::string &name) {
  std::string hf;
  return mapName(arch, name, hf) ? hf : "";
}

std::string ggufTensorName(const std::string &arch, const std::string &name) {
  const ArchitectureNames *names = namesOf(arch);
  if (!names)
    return "";
  std::string base = name;
  for (const char *part : {"_scale", "_offset"})
    if (base.size() > std::strlen(part) &&
        base.compare(base.size() - std::strlen(part), std::string::npos,
                     part) == 0)
      base.resize(base.size() - std::strlen(part));
  std::string gguf;
  if (matchName(names->model, base, false, gguf))
    return gguf;
  std::string_view rest = base, prefix = names->layerPrefix;
  if (rest.substr(0, prefix.size()) != prefix)
    return "";
  rest.remove_prefix(prefix.size());
  size_t dot = rest.find('.');
  if (dot == std::string_view::npos)
    return "";
  std::string layer(rest.substr(0, dot));
  rest.remove_prefix(dot + 1);
  if (!matchName(names->layer, rest, false, gguf))
    return "";
  return "blk." + layer + "." + gguf;
}

bool ggufCheckpointTensors(const gguf::File &file, std::vector<TensorInfo> &out,
                           std::string &error) {
  std::string arch;
  if (const gguf::Value *a = file.find("general.architecture"))
    if (a->type == gguf::ValueType::String)
      arch = a->string;
  bool permuted = rotaryPermuted(arch);
  int64_t heads = 0, kvHeads = 0;
  if (permuted) {
    std::optional<int64_t> h =
        metadataInt(file, arch + ".attention.head_count");
    std::optional<int64_t> kv =
        metadataInt(file, arch + ".attention.head_count_kv");
    if (!h || *h <= 0) {
      error = file.path() + ": metadata '" + arch +
              ".attention.head_count' must be a positive integer (the query "
              "rows are stored in rotary order by heads)";
      return false;
    }
    heads = *h;
    kvHeads = kv ? *kv : heads;
    if (kvHeads <= 0) {
      error = file.path() + ": metadata '" + arch +
              ".attention.head_count_kv' must be a positive integer";
      return false;
    }
  }
  // The experts of a layer (gate, up, down) in one block form: 8-bit if
  // any is, affine if any is (seq.moe reads them alike).
  struct ExpertForm {
    int bits = 4;
    bool affine = false, plain = false, quantized = false;
  };
  std::map<std::string, ExpertForm> expertForms;
  auto layerOf = [](const std::string &name) {
    return name.substr(0, name.find('.', 4) + 1);
  };
  for (const gguf::Tensor &t : file.tensors()) {
    std::string hf;
    const TensorName *mapped = mapName(arch, t.name, hf);
    const ggml::TypeInfo *type = ggml::typeInfo(t.type);
    if (!mapped || !mapped->experts || (!type->plain && !type->readable))
      continue;
    ExpertForm &form = expertForms[layerOf(t.name)];
    if (type->plain) {
      form.plain = true;
      continue;
    }
    ggml::BlockForm block = ggml::blockForm(t.type);
    form.quantized = true;
    form.bits = std::max(form.bits, block.bits);
    form.affine |= block.affine;
  }
  for (const gguf::Tensor &t : file.tensors()) {
    const ggml::TypeInfo *type = ggml::typeInfo(t.type);
    std::string name;
    const TensorName *mapped = mapName(arch, t.name, name);
    if (!mapped)
      name = t.name;
    Conversion conversion = mapped ? mapped->conversion : Conversion::None;
    bool isWeight = t.name.size() > 7 &&
                    t.name.compare(t.name.size() - 7, 7, ".weight") == 0;
    // A float weight transformers stores [in, out] is seen that way.
    bool transpose = conversion == Conversion::Transposed &&
                     t.shape.size() == 2 && type->plain && isWeight;
    bool badLog = conversion == Conversion::NegatedLog && t.type != 0;
    bool badConv = conversion == Conversion::UnitMiddleDim && isWeight &&
                   (!type->plain || t.shape.size() != 2);
    if (badLog || badConv) {
      error = file.path() + ": tensor '" + t.name + "' is " + type->name +
              " of " + std::to_string(t.shape.size()) +
              " dimensions; seqc reads it as llama.cpp writes it: " +
              (badLog ? "F32" : "a 2-D float tensor");
      return false;
    }
    int64_t permuteHeads = 0;
    if (permuted) {
      auto endsWith = [&](std::string_view s) {
        return t.name.size() > s.size() &&
               t.name.compare(t.name.size() - s.size(), s.size(), s) == 0;
      };
      if (endsWith(".attn_q.weight") || endsWith(".attn_q.bias"))
        permuteHeads = heads;
      else if (endsWith(".attn_k.weight") || endsWith(".attn_k.bias"))
        permuteHeads = kvHeads;
      int64_t rows = t.shape.size() == 1 ? t.shape[0] : t.shape.front();
      if (permuteHeads &&
          (t.shape.size() > 2 || rows % (2 * permuteHeads) != 0)) {
        error = file.path() + ": tensor '" + t.name + "' has " +
                std::to_string(rows) + " rows, not two halves of " +
                std::to_string(permuteHeads) + " heads";
        return false;
      }
    }
    auto derived = [&](GgufSource::Part part) {
      auto source = std::make_shared<GgufSource>();
      source->tensor = &t;
      source->part = part;
      source->permuteHeads = permuteHeads;
      source->transpose = transpose;
      source->negatedLog = conversion == Conversion::NegatedLog;
      return source;
    };
    // Block-quantized matrix rows [firstRow, firstRow + rows) of `cols`
    // as `hf`'s values, scales and offsets (`common`: the experts' form).
    auto addQuantized = [&](const std::string &hf, int64_t firstRow,
                            int64_t rows, int64_t cols,
                            const ExpertForm *common) {
      ggml::BlockForm form = ggml::blockForm(t.type);
      bool widen = common && common->bits == 8 && form.bits == 4;
      bool zeros = common && common->affine && !form.affine;
      auto part = [&](GgufSource::Part p) {
        auto source = derived(p);
        source->firstRow = firstRow;
        source->rows = rows;
        source->widenValues = widen;
        source->zeroOffsets = zeros;
        return source;
      };
      TensorInfo values;
      values.file = file.path() + " (tensor " + t.name + ")";
      values.name = hf;
      values.dtype = DType::I8;
      values.shape = {rows, form.bits == 4 && !widen ? cols / 2 : cols};
      values.size = static_cast<size_t>(rows * values.shape[1]);
      values.derived = part(GgufSource::Part::Values);
      out.push_back(values);
      TensorInfo scales = values;
      scales.name = quantizedScalesName(hf);
      scales.dtype = form.scaleType;
      scales.shape = {rows, cols / form.block};
      scales.size = static_cast<size_t>(rows * (cols / form.block)) *
                    dtypeSize(form.scaleType);
      scales.derived = part(GgufSource::Part::Scales);
      out.push_back(scales);
      if (form.affine || zeros) {
        TensorInfo offsets = scales;
        offsets.name = quantizedOffsetsName(hf);
        offsets.derived = part(GgufSource::Part::Offsets);
        out.push_back(offsets);
      }
    };
    TensorInfo info;
    info.file = file.path() + " (tensor " + t.name + ")";
    if (mapped && mapped->experts) {
      // One [out, in] matrix per expert, named with its index.
      const ExpertForm &common = expertForms[layerOf(t.name)];
      if (t.shape.size() != 3 || (!type->plain && !type->readable) ||
          (common.plain && common.quantized)) {
        error = file.path() + ": tensor '" + t.name + "' is " + type->name +
                " of " + std::to_string(t.shape.size()) +
                " dimensions; seqc reads experts as [experts, out, in] " +
                "tensors, all of a layer's float or all block-quantized" +
                (type->readable || type->plain
                     ? std::string()
                     : " in F32, F16, BF16 or " + ggml::readableBlockTypes());
        return false;
      }
      int64_t experts = t.shape[0], rows = t.shape[1], cols = t.shape[2];
      size_t at = name.find("{}");
      size_t rowBytes =
          static_cast<size_t>(cols) / type->blockElements * type->blockBytes;
      for (int64_t e = 0; e < experts; ++e) {
        std::string hf =
            name.substr(0, at) + std::to_string(e) + name.substr(at + 2);
        if (!type->plain) {
          addQuantized(hf, e * rows, rows, cols, &common);
          continue;
        }
        TensorInfo expert = info;
        expert.name = hf;
        expert.dtype = *type->plain;
        expert.shape = {rows, cols};
        expert.size = static_cast<size_t>(rows) * rowBytes;
        expert.data = t.data + static_cast<size_t>(e * rows) * rowBytes;
        out.push_back(std::move(expert));
      }
      continue;
    }
    if (type->plain) {
      info.name = name;
      info.dtype = *type->plain;
      info.shape = t.shape;
      info.size = static_cast<size_t>(t.bytes);
      if (transpose)
        std::swap(info.shape[0], info.shape[1]);
      if (conversion == Conversion::UnitMiddleDim && isWeight)
        info.shape.insert(info.shape.begin() + 1, 1);
      if (mapped && mapped->flatten)
        info.shape = {t.numel()};
      if (permuteHeads || transpose || conversion == Conversion::NegatedLog)
        info.derived = derived(GgufSource::Part::Elements);
      else
        info.data = t.data;
      out.push_back(std::move(info));
      continue;
    }
    if (!type->readable) {
      error = file.path() + ": tensor '" + t.name + "' is " + type->name +
              ", which seqc does not read (it reads F32, F16, BF16 and " +
              ggml::readableBlockTypes() + ")";
      return false;
    }
    if (t.shape.size() != 2) {
      error = file.path() + ": tensor '" + t.name + "' is " + type->name +
              " with " + std::to_string(t.shape.size()) +
              " dimensions; seqc reads block-quantized matrices only";
      return false;
    }
    addQuantized(name, 0, t.shape[0], t.shape[1], nullptr);
  }
  return true;
}

void readGgufTensor(const TensorInfo &info, void *dst) {
  const GgufSource &source = *info.derived;
  const gguf::Tensor &t = *source.tensor;
  const ggml::TypeInfo *type = ggml::typeInfo(t.type);
  // Rows of the stored tensor (a 1-D tensor: its elements, rows of one).
  bool vector = t.shape.size() == 1;
  int64_t rows = source.rows ? source.rows
                 : vector    ? t.shape[0]
                             : t.numel() / t.shape.back();
  int64_t cols = vector ? 1 : t.shape.back();
  size_t rowBytes =
      static_cast<size_t>(cols) / type->blockElements * type->blockBytes;
  size_t outRowBytes = info.size / static_cast<size_t>(rows);
  // Output row r is stored row h·D + 2i + j for r = h·D + j·D/2 + i.
  auto storedRow = [&](int64_t r) {
    if (!source.permuteHeads)
      return source.firstRow + r;
    int64_t d = rows / source.permuteHeads, half = d / 2;
    int64_t h = r / d, j = r % d / half, i = r % half;
    return h * d + 2 * i + j;
  };
  auto *out = static_cast<uint8_t *>(dst);
  if (source.negatedLog) {
    // F32 (checked when the store opened): A_log = log(-A).
    for (size_t i = 0; i < info.size / 4; ++i) {
      float a;
      std::memcpy(&a, t.data + 4 * i, 4);
      float v = std::log(-a);
      std::memcpy(out + 4 * i, &v, 4);
    }
    return;
  }
  if (source.transpose) {
    // Plain elements of `size` bytes, [rows, cols] stored, [cols, rows] out.
    size_t size = type->blockBytes;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        std::memcpy(out + (static_cast<size_t>(c) * rows + r) * size,
                    t.data + (static_cast<size_t>(r) * cols + c) * size, size);
    return;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *src = t.data + static_cast<size_t>(storedRow(r)) * rowBytes;
    uint8_t *to = out + static_cast<size_t>(r) * outRowBytes;
    switch (source.part) {
    case GgufSource::Part::Elements:
      std::memcpy(to, src, rowBytes);
      break;
    case GgufSource::Part::Values:
      if (source.widenValues) {
        // Nibbles as bytes: unsigned (affine) or minus 8 (symmetric).
        std::vector<uint8_t> nibbles(static_cast<size_t>(cols) / 2);
        ggml::decodeRow(t.type, src, static_cast<size_t>(cols), nibbles.data(),
                        nullptr, nullptr);
        int bias = ggml::blockForm(t.type).affine ? 0 : 8;
        for (int64_t i = 0; i < cols; ++i)
          to[i] = static_cast<uint8_t>(static_cast<int8_t>(
              ((nibbles[i / 2] >> (4 * (i % 2))) & 15) - bias));
        break;
      }
      ggml::decodeRow(t.type, src, static_cast<size_t>(cols), to, nullptr,
                      nullptr);
      break;
    case GgufSource::Part::Scales:
      ggml::decodeRow(t.type, src, static_cast<size_t>(cols), nullptr, to,
                      nullptr);
      break;
    case GgufSource::Part::Offsets:
      if (source.zeroOffsets) {
        std::memset(to, 0, outRowBytes);
        break;
      }
      ggml::decodeRow(t.type, src, static_cast<size_t>(cols), nullptr, nullptr,
                      to);
      break;
    }
  }
}

} // namespace seqrt
