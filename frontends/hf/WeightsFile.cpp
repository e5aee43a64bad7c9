//===- WeightsFile.cpp - the weights an import rewrites -------------------===//

#include "frontends/hf/WeightsFile.h"

#include "frontends/hf/BlockQuantization.h"

#include "llvm/Support/JSON.h"

namespace seqc::hf {

std::string WeightsFile::scalesName(const std::string &name) {
  return name + "_scale";
}

std::string WeightsFile::offsetsName(const std::string &name) {
  return name + "_offset";
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
  entries.push_back(
      {tensor.name, Kind::Copy, &tensor, false, tensor.dtype, tensor.shape});
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
  entries.push_back({tensor.name, Kind::Values, &tensor, transposed,
                     seqrt::DType::I8, std::vector<int64_t>{out, stored}});
  entries.push_back(
      {scalesName(tensor.name), Kind::Scales, &tensor, transposed,
       seqrt::DType::F16,
       std::vector<int64_t>{out, in / static_cast<int64_t>(kQ8_0Block)}});
  if (as == Format::Q4_1)
    entries.push_back(
        {offsetsName(tensor.name), Kind::Offsets, &tensor, transposed,
         seqrt::DType::F16,
         std::vector<int64_t>{out, in / static_cast<int64_t>(kQ8_0Block)}});
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

bool WeightsFile::quantize(const Entry &entry, Blocks &out) const {
  std::vector<float> rows = rowsOf(entry);
  bool q4 = format != Format::Q8_0;
  out.values.assign(q4 ? rows.size() / 2 : rows.size(), 0);
  out.scales.assign(rows.size() / kQ8_0Block, 0);
  out.offsets.assign(format == Format::Q4_1 ? out.scales.size() : 0, 0);
  auto *packed = reinterpret_cast<uint8_t *>(out.values.data());
  switch (format) {
  case Format::Q4_1:
    return quantizeQ4_1(rows.data(), rows.size(), packed, out.scales.data(),
                        out.offsets.data());
  case Format::Q4_0:
    return quantizeQ4_0(rows.data(), rows.size(), packed, out.scales.data());
  case Format::Q8_0:
    break;
  }
  return quantizeQ8_0(rows.data(), rows.size(), out.values.data(),
                      out.scales.data());
}

bool WeightsFile::write(llvm::raw_ostream &os, const std::string &source,
                        std::string &error) const {
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
  for (const Entry &e : sorted) {
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
    if (e.kind == Kind::Values)
      os.write(reinterpret_cast<const char *>(blocks.values.data()),
               blocks.values.size());
    else
      os.write(
          reinterpret_cast<const char *>(
              (e.kind == Kind::Scales ? blocks.scales : blocks.offsets).data()),
          blocks.scales.size() * sizeof(uint16_t));
  }
  return true;
}

} // namespace seqc::hf
