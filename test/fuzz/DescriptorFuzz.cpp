//===- DescriptorFuzz.cpp - libFuzzer entry for the model descriptor ------===//
//
// The runtime reads a JSON descriptor out of every model it loads. Each
// input is parsed as one; an accepted descriptor must keep every bound the
// runtime relies on (ranks, dims, byte counts, names), and session state of
// its size must be computable without overflow.
//
//===----------------------------------------------------------------------===//

#include "Limits.h"
#include "ModelDescriptor.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  seqrt::ModelDescriptor d;
  seqrt::Error e = seqrt::parseDescriptor(text.c_str(), "fuzz.so", d);
  if (e) {
    if (e.message.compare(0, 7, "fuzz.so") != 0)
      std::abort(); // Every message names the model.
    return 0;
  }
  uint64_t total = 0;
  auto check = [&](const seqrt::TensorSpec &spec) {
    if (spec.shape.size() > seqrt::kMaxRank || spec.elementSize() == 0 ||
        spec.staticBytes() > seqrt::kMaxTensorBytes)
      std::abort();
  };
  for (const seqrt::StateSpec &s : d.states) {
    check(s.spec);
    // Only decode_beams' per-row states have dynamic dims: dim 0, and dim 1.
    int64_t allowed = !s.perRow()                                      ? 0
                      : s.spec.shape.size() > 1 && s.spec.shape[1] < 0 ? 2
                                                                       : 1;
    if (s.spec.dynamicDims() > allowed || !seqrt::isCleanUtf8(s.name))
      std::abort();
    total += s.spec.staticBytes();
  }
  if (total > seqrt::kMaxTensorBytes)
    std::abort();
  for (const seqrt::WeightSpec &w : d.weights) {
    check(w.spec);
    if (w.spec.dynamicDims() || w.name.empty() || !seqrt::isCleanUtf8(w.name))
      std::abort();
  }
  for (const seqrt::Entry &entry : d.entries) {
    for (const seqrt::EntryArg &arg : entry.args)
      if (arg.kind != seqrt::EntryArg::Kind::Index)
        check(arg.spec);
    for (int64_t w : entry.weights)
      if (w < 0 || static_cast<size_t>(w) >= d.weights.size())
        std::abort();
  }
  if (d.maxPositions < 0 || d.maxPositions > seqrt::kMaxPositions ||
      d.maxTokensPerCall < 0 || d.maxTokensPerCall > seqrt::kMaxPositions)
    std::abort();
  return 0;
}
