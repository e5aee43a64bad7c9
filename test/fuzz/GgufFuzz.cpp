//===- GgufFuzz.cpp - libFuzzer entry for the GGUF reader -----------------===//
//
// Each input is written to a temporary file and opened as a weight store
// (a GGUF file seen as its Hugging Face checkpoint); on success every
// tensor is read as its own dtype and as f32 where it converts, so ASan
// sees any block or row that escapes the mapping.
//
//===----------------------------------------------------------------------===//

#include "Gguf.h"
#include "SafeTensors.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = [] {
    const char *tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/seqrt-gguf-fuzz-" +
           std::to_string(::getpid()) + ".gguf";
  }();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  std::string error;
  std::unique_ptr<seqrt::WeightStore> store =
      seqrt::WeightStore::open(path, error);
  ::unlink(path.c_str());
  if (!store) {
    if (error.empty())
      std::abort(); // Failures must say why.
    return 0;
  }
  for (const seqrt::TensorInfo &t : store->tensors()) {
    std::vector<uint8_t> out(t.size);
    if (!seqrt::readTensor(t, t.dtype, out.data()))
      std::abort(); // A tensor always reads as its own dtype.
    std::vector<float> widened(static_cast<size_t>(t.numel()));
    seqrt::readTensor(t, seqrt::DType::F32, widened.data());
  }
  return 0;
}
