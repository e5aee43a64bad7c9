//===- WeightsFile.cpp - the weights an import rewrites -------------------===//

#include "frontends/hf/WeightsFile.h"

#include "frontends/hf/BlockQuantization.h"

#include "Half.h"

#include "llvm/Support/JSON.h"

#include <cstring>

namespace seqc::hf {

std::string WeightsFile::scalesName(const std::string &name) {
  return name + "_scale";
}

std::string WeightsFile::offsetsName(const std::string &name) {
  return name + "_offset";
}

std::string WeightsFile::orderName(const std::string &name) {
  return name + "_order";
}

uint64_t WeightsFile::Entry::size() const {
  uint64_t count = 1;
  for (int64_t d : shape)
    count *= static_cast<uint64_t>(d);
  return count * seqrt::dtypeSize(dtype);
}

void WeightsFile::copy(const seqrt::TensorInfo &tensor) {
  if (!names.insert(tensor.name).second)
    return;
  entries.push_back({tensor.name, Kind::Copy, &tensor, false, nullptr,
                     tensor.dtype, tensor.shape});
}

void WeightsFile::quantize(const seqrt::TensorInfo &tensor, bool transposed,
                           Format as) {
  if (!names.insert(tensor.name).second)
    return;
  format = as;
  int64_t out = tensor.shape[transposed ? 1 : 0],
          in = tensor.shape[transposed ? 0 : 1];
  // 4-bit values two per byte.
  int64_t stored = as == Format::Q8_0 ? in : in / 2;
  std::vector<int64_t> perBlock{out, in / blockSize(as)};
  entries.push_back({tensor.name, Kind::Values, &tensor, transposed, nullptr,
                     seqrt::DType::I8, std::vector<int64_t>{out, stored}});
  entries.push_back({scalesName(tensor.name), Kind::Scales, &tensor, transposed,
                     nullptr, seqrt::DType::F16, perBlock});
  if (as == Format::Q4_1 || as == Format::Q4_G128)
    entries.push_back({offsetsName(tensor.name), Kind::Offsets, &tensor,
                       transposed, nullptr, seqrt::DType::F16, perBlock});
  ++quantized;
}

void WeightsFile::unpack(const std::string &name,
                         const PackedInt4Weight &weight) {
  if (!names.insert(name).second)
    return;
  format = weight.format.layout == PackedInt4Format::Layout::Gptq ? Format::Gptq
                                                                  : Format::Awq;
  auto packed = std::make_shared<const PackedInt4Weight>(weight);
  std::vector<int64_t> perBlock{weight.out, weight.groups()};
  entries.push_back({name, Kind::Values, weight.qweight, false, packed,
                     seqrt::DType::I8,
                     std::vector<int64_t>{weight.out, weight.in / 2}});
  entries.push_back({scalesName(name), Kind::Scales, weight.qweight, false,
                     packed, weight.scalesType(), perBlock});
  if (!weight.symmetric)
    entries.push_back({offsetsName(name), Kind::Offsets, weight.qweight, false,
                       packed, seqrt::DType::F32, perBlock});
  if (!weight.order.empty())
    entries.push_back({orderName(name), Kind::Order, weight.qweight, false,
                       packed, seqrt::DType::I32,
                       std::vector<int64_t>{weight.in}});
  ++quantized;
}

std::vector<WeightsFile::Entry> WeightsFile::ordered() const {
  std::vector<Entry> sorted;
  for (size_t size : {8, 4, 2, 1})
    for (const Entry &e : entries)
      if (seqrt::dtypeSize(e.dtype) == size)
        sorted.push_back(e);
  return sorted;
}

const char *WeightsFile::formatName() const {
  switch (format) {
  case Format::Q8_0:
    return "q8_0";
  case Format::Q4_0:
    return "q4_0";
  case Format::Q4_1:
    return "q4_1";
  case Format::Q4_G128:
    return "q4_g128";
  case Format::Gptq:
    return "gptq";
  case Format::Awq:
    return "awq";
  }
  return "q8_0";
}

uint64_t WeightsFile::bytes() const {
  uint64_t total = 0;
  for (const Entry &e : entries)
    total += e.size();
  return total; // plus the header
}

std::vector<float> WeightsFile::rowsOf(const Entry &entry) {
  const seqrt::TensorInfo &t = *entry.tensor;
  std::vector<float> stored(static_cast<size_t>(t.numel()));
  seqrt::convertToF32(t.dtype, t.data, stored.size(), stored.data());
  if (!entry.transposed)
    return stored;
  size_t rows = static_cast<size_t>(t.shape[0]),
         cols = static_cast<size_t>(t.shape[1]);
  std::vector<float> rowsOut(stored.size());
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      rowsOut[c * rows + r] = stored[r * cols + c];
  return rowsOut;
}

/// The bytes of `values` (f32) in `dtype` (F16 or F32; exact when the
/// values came from it).
static std::vector<uint8_t> bytesOf(const std::vector<float> &values,
                                    seqrt::DType dtype) {
  std::vector<uint8_t> bytes(values.size() * seqrt::dtypeSize(dtype));
  if (dtype == seqrt::DType::F32) {
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    uint16_t h = seqrt::f32ToF16(values[i]);
    std::memcpy(bytes.data() + 2 * i, &h, 2);
  }
  return bytes;
}

bool WeightsFile::quantize(const Entry &entry, Blocks &out) const {
  if (entry.packed) {
    const PackedInt4Weight &w = *entry.packed;
    out.values = w.nibbles();
    out.scales = bytesOf(w.rowScales(), w.scalesType());
    out.offsets = w.symmetric ? std::vector<uint8_t>()
                              : bytesOf(w.rowOffsets(), seqrt::DType::F32);
    const auto *order = reinterpret_cast<const uint8_t *>(w.order.data());
    out.order.assign(order, order + 4 * w.order.size());
    return true;
  }
  std::vector<float> rows = rowsOf(entry);
  bool q4 = format != Format::Q8_0;
  size_t block = static_cast<size_t>(blockSize(format));
  out.values.assign(q4 ? rows.size() / 2 : rows.size(), 0);
  std::vector<uint16_t> scales(rows.size() / block), offsets;
  bool ok;
  switch (format) {
  case Format::Q4_1:
  case Format::Q4_G128:
    offsets.assign(scales.size(), 0);
    ok = quantizeQ4Affine(rows.data(), rows.size(), block, out.values.data(),
                          scales.data(), offsets.data());
    break;
  case Format::Q4_0:
    ok = quantizeQ4_0(rows.data(), rows.size(), out.values.data(),
                      scales.data());
    break;
  default:
    ok = quantizeQ8_0(rows.data(), rows.size(),
                      reinterpret_cast<int8_t *>(out.values.data()),
                      scales.data());
  }
  auto bytes = [](const std::vector<uint16_t> &halves) {
    const auto *p = reinterpret_cast<const uint8_t *>(halves.data());
    return std::vector<uint8_t>(p, p + 2 * halves.size());
  };
  out.scales = bytes(scales);
  out.offsets = bytes(offsets);
  return ok;
}

bool WeightsFile::write(
    llvm::raw_ostream &os, const std::string &source, std::string &error,
    const std::function<void(uint64_t, uint64_t)> &progress) const {
  std::vector<Entry> sorted = ordered();
  llvm::json::Object header;
  uint64_t offset = 0;
  for (const Entry &e : sorted) {
    llvm::json::Array shape;
    for (int64_t d : e.shape)
      shape.push_back(d);
    header[e.name] = llvm::json::Object{
        {"dtype", seqrt::dtypeName(e.dtype)},
        {"shape", std::move(shape)},
        {"data_offsets", llvm::json::Array{offset, offset + e.size()}}};
    offset += e.size();
  }
  header["__metadata__"] = llvm::json::Object{{"format", "pt"},
                                              {"seqc.weights", formatName()},
                                              {"seqc.source", source}};
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(header));
  // Padded with spaces so the data starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  uint64_t length = text.size();
  char prefix[8];
  for (int i = 0; i < 8; ++i)
    prefix[i] = static_cast<char>(length >> (8 * i));
  os.write(prefix, 8);
  os << text;
  const seqrt::TensorInfo *quantizedFrom = nullptr;
  Blocks blocks;
  uint64_t written = 0;
  for (const Entry &e : sorted) {
    if (progress)
      progress(written, offset);
    written += e.size();
    if (e.kind == Kind::Copy) {
      os.write(reinterpret_cast<const char *>(e.tensor->data), e.size());
      continue;
    }
    // Scales and offsets are written next to each other (same element
    // size): one quantization serves both; the values come later.
    if (e.tensor != quantizedFrom) {
      quantizedFrom = e.tensor;
      if (!quantize(e, blocks)) {
        error = "cannot quantize '" + e.tensor->name + "' (" + e.tensor->file +
                ") to " + formatName() +
                ": it holds a non-finite value or a scale beyond f16's range";
        return false;
      }
    }
    const std::vector<uint8_t> &bytes = e.kind == Kind::Values   ? blocks.values
                                        : e.kind == Kind::Scales ? blocks.scales
                                        : e.kind == Kind::Order
                                            ? blocks.order
                                            : blocks.offsets;
    if (bytes.size() != e.size()) {
      error = "internal error: '" + e.name + "' has " +
              std::to_string(bytes.size()) + " bytes, its header " +
              std::to_string(e.size());
      return false;
    }
    os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  }
  if (progress)
    progress(written, offset);
  return true;
}

} // namespace seqc::hf
