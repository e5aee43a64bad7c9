//===- ShardedIndexFuzz.cpp - libFuzzer entry for sharded checkpoints -----===//
//
// A Hugging Face sharded checkpoint is model.safetensors.index.json naming
// shard files. Each input becomes that index, in a folder that also holds
// two small valid shards (shard-a.safetensors, shard-b.safetensors), and is
// opened like a model folder: an accepted store must be self-consistent and
// every tensor byte readable; a refusal must name a file.
//
//===----------------------------------------------------------------------===//

#include "SafeTensors.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace {

void writeFile(const std::string &path, const std::string &bytes) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    std::abort();
  if (!bytes.empty() &&
      std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size())
    std::abort();
  std::fclose(f);
}

/// A valid one-tensor safetensors file holding `name` (f32[2]).
std::string shard(const std::string &name) {
  std::string header = "{\"" + name +
                       "\":{\"dtype\":\"F32\",\"shape\":[2],"
                       "\"data_offsets\":[0,8]}}";
  uint64_t n = header.size();
  std::string bytes(reinterpret_cast<const char *>(&n), 8);
  return bytes + header + std::string(8, '\x01');
}

const std::string &folder() {
  static const std::string dir = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string d = std::string(tmp && *tmp ? tmp : "/tmp") +
                    "/seqrt-index-fuzz-" + std::to_string(::getpid());
    ::mkdir(d.c_str(), 0700);
    writeFile(d + "/shard-a.safetensors", shard("a.weight"));
    writeFile(d + "/shard-b.safetensors", shard("b.weight"));
    return d;
  }();
  return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &dir = folder();
  writeFile(dir + "/model.safetensors.index.json",
            std::string(reinterpret_cast<const char *>(data), size));
  std::string error;
  std::unique_ptr<seqrt::WeightStore> store =
      seqrt::WeightStore::open(dir, error);
  if (!store) {
    if (error.empty())
      std::abort();
    return 0;
  }
  volatile uint8_t sink = 0;
  for (const seqrt::TensorInfo &t : store->tensors()) {
    if (store->find(t.name) != &t)
      std::abort();
    for (size_t i = 0; i < t.size; ++i)
      sink = sink + t.data[i];
  }
  (void)sink;
  return 0;
}
