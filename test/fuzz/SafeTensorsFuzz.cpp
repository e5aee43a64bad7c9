//===- SafeTensorsFuzz.cpp - libFuzzer entry for the weight reader --------===//
//
// Each input is written to a temporary file and opened as safetensors; on
// success every tensor byte is read (so ASan sees any span that escapes the
// mapping) and float tensors are converted. The same bytes also go through
// the JSON parser, and whatever parses must survive serialize -> parse.
//
// Build and run (the checked-in fixture makes a good seed):
//   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined \
//     -Iruntime/src runtime/formats/Json.cpp runtime/formats/SafeTensors.cpp \
//     test/fuzz/SafeTensorsFuzz.cpp -o /tmp/safetensors-fuzz
//   mkdir -p /tmp/corpus && cp test/unit/runtime/Inputs/*.safetensors \
//     /tmp/corpus && /tmp/safetensors-fuzz -max_total_time=60 /tmp/corpus
//
//===----------------------------------------------------------------------===//

#include "Json.h"
#include "SafeTensors.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

/// A per-process scratch file, written for each input and removed after it
/// (an open store keeps its mapping after the unlink).
const std::string &scratchPath() {
  static const std::string path = [] {
    const char *tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/seqrt-fuzz-" +
           std::to_string(::getpid()) + ".safetensors";
  }();
  return path;
}

void checkJsonRoundTrip(const uint8_t *data, size_t size) {
  using namespace seqrt::json;
  std::string_view text(reinterpret_cast<const char *>(data), size);
  Value value;
  std::string error;
  if (!parse(text, value, error)) {
    if (error.empty())
      std::abort(); // Failures must say why.
    return;
  }
  std::string again = serialize(value);
  Value back;
  if (!parse(again, back, error) || back != value || serialize(back) != again)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  checkJsonRoundTrip(data, size);

  const std::string &path = scratchPath();
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    std::abort();
  if (size && std::fwrite(data, 1, size, file) != size)
    std::abort();
  std::fclose(file);

  std::string error;
  std::unique_ptr<seqrt::WeightStore> store =
      seqrt::WeightStore::open(path, error);
  ::unlink(path.c_str());
  if (!store) {
    if (error.empty() || error.compare(0, path.size(), path) != 0)
      std::abort(); // Every message must name the file.
    return 0;
  }
  volatile uint8_t sink = 0;
  std::vector<float> floats;
  for (const seqrt::TensorInfo &tensor : store->tensors()) {
    if (store->find(tensor.name) != &tensor)
      std::abort();
    if (tensor.size !=
        static_cast<size_t>(tensor.numel()) * seqrt::dtypeSize(tensor.dtype))
      std::abort();
    for (size_t i = 0; i < tensor.size; ++i)
      sink = sink + tensor.data[i];
    floats.resize(static_cast<size_t>(tensor.numel()));
    seqrt::convertToF32(tensor.dtype, tensor.data, floats.size(),
                        floats.data());
  }
  (void)sink;
  return 0;
}
