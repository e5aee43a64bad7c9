//===- json_header.cpp - how fast the runtime reads a big safetensors header
//-===//
//
// Parses a synthetic 12.6 MB header (100,000 tensor entries) with the
// runtime's JSON reader, best of five. Build and run:
//   clang++-22 -std=c++17 -O2 -Iruntime/src bench/json_header.cpp \
//     runtime/formats/Json.cpp runtime/formats/JsonReader.cpp -o
//     /tmp/json_header
//   /tmp/json_header
//
//===----------------------------------------------------------------------===//

#include "Json.h"
#include <chrono>
#include <cstdio>
#include <string>
using namespace seqrt::json;
int main() {
  std::string t = "{\"__metadata__\":{\"format\":\"pt\"}";
  long off = 0;
  for (int i = 0; i < 100000; ++i) {
    t += ",\"model.layers." + std::to_string(i) +
         ".self_attn.q_proj.weight\":{\"dtype\":\"BF16\",\"shape\":[4096,4096],"
         "\"data_offsets\":[" +
         std::to_string(off) + "," + std::to_string(off + 33554432) + "]}";
    off += 33554432;
  }
  t += "}";
  double best = 1e9;
  for (int r = 0; r < 5; ++r) {
    auto a = std::chrono::steady_clock::now();
    Value v;
    std::string e;
    if (!parse(t, v, e)) {
      printf("err %s\n", e.c_str());
      return 1;
    }
    auto b = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(b - a).count());
  }
  printf("%.1f MB header, 100000 tensors: best of 5 %.1f ms (%.0f MB/s)\n",
         t.size() / 1e6, best * 1e3, t.size() / 1e6 / best);
}
