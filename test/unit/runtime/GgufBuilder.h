//===- GgufBuilder.h - writes small GGUF files for tests --------*- C++ -*-===//
//
// Builds the bytes of a GGUF file (version 3 by default): metadata of any
// type and tensors of raw bytes, each placed at the next multiple of the
// alignment. Tests corrupt the result at will.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_UNIT_RUNTIME_GGUFBUILDER_H
#define SEQC_TEST_UNIT_RUNTIME_GGUFBUILDER_H

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace seqc::test {

class GgufBuilder {
public:
  enum Type : uint32_t {
    U8 = 0,
    I8,
    U16,
    I16,
    U32,
    I32,
    F32,
    Bool,
    String,
    Array,
    U64,
    I64,
    F64
  };

  uint32_t version = 3;
  uint64_t alignment = 32;

  static void put32(std::string &s, uint32_t v) {
    s.append(reinterpret_cast<const char *>(&v), 4);
  }
  static void put64(std::string &s, uint64_t v) {
    s.append(reinterpret_cast<const char *>(&v), 8);
  }
  static void putString(std::string &s, const std::string &v) {
    put64(s, v.size());
    s += v;
  }

  /// A key with a value already encoded (its type tag and bytes).
  GgufBuilder &raw(const std::string &key, uint32_t type,
                   const std::string &bytes) {
    std::string e;
    putString(e, key);
    put32(e, type);
    e += bytes;
    entries.push_back(e);
    return *this;
  }
  GgufBuilder &u32(const std::string &key, uint32_t v) {
    std::string b;
    put32(b, v);
    return raw(key, U32, b);
  }
  GgufBuilder &f32(const std::string &key, float v) {
    std::string b(reinterpret_cast<const char *>(&v), 4);
    return raw(key, F32, b);
  }
  GgufBuilder &boolean(const std::string &key, bool v) {
    return raw(key, Bool, std::string(1, v ? 1 : 0));
  }
  GgufBuilder &string(const std::string &key, const std::string &v) {
    std::string b;
    putString(b, v);
    return raw(key, String, b);
  }
  GgufBuilder &strings(const std::string &key,
                       const std::vector<std::string> &values) {
    std::string b;
    put32(b, String);
    put64(b, values.size());
    for (const std::string &v : values)
      putString(b, v);
    return raw(key, Array, b);
  }
  GgufBuilder &floats(const std::string &key,
                      const std::vector<float> &values) {
    std::string b;
    put32(b, F32);
    put64(b, values.size());
    for (float v : values)
      b.append(reinterpret_cast<const char *>(&v), 4);
    return raw(key, Array, b);
  }
  GgufBuilder &ints(const std::string &key,
                    const std::vector<int32_t> &values) {
    std::string b;
    put32(b, I32);
    put64(b, values.size());
    for (int32_t v : values)
      b.append(reinterpret_cast<const char *>(&v), 4);
    return raw(key, Array, b);
  }

  /// A tensor of ggml `type` with dims `ne` (fastest first, as in the
  /// file) and its bytes.
  GgufBuilder &tensor(const std::string &name, uint32_t type,
                      const std::vector<uint64_t> &ne,
                      const std::string &bytes) {
    tensors.push_back({name, type, ne, bytes});
    return *this;
  }
  /// An f32 tensor of `ne` with `values`.
  GgufBuilder &f32Tensor(const std::string &name,
                         const std::vector<uint64_t> &ne,
                         const std::vector<float> &values) {
    std::string b(values.size() * 4, '\0');
    std::memcpy(b.data(), values.data(), b.size());
    return tensor(name, 0, ne, b);
  }

  std::string build() const {
    std::string s = "GGUF";
    put32(s, version);
    put64(s, tensors.size());
    put64(s, entries.size());
    for (const std::string &e : entries)
      s += e;
    uint64_t offset = 0;
    std::vector<uint64_t> offsets;
    for (const Tensor &t : tensors) {
      putString(s, t.name);
      put32(s, static_cast<uint32_t>(t.ne.size()));
      for (uint64_t n : t.ne)
        put64(s, n);
      put32(s, t.type);
      put64(s, offset);
      offsets.push_back(offset);
      offset =
          (offset + t.bytes.size() + alignment - 1) / alignment * alignment;
    }
    s.resize((s.size() + alignment - 1) / alignment * alignment, '\0');
    size_t base = s.size();
    for (size_t i = 0; i < tensors.size(); ++i) {
      s.resize(base + offsets[i], '\0');
      s += tensors[i].bytes;
    }
    return s;
  }

  static void write(const std::string &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

private:
  struct Tensor {
    std::string name;
    uint32_t type;
    std::vector<uint64_t> ne;
    std::string bytes;
  };
  std::vector<std::string> entries;
  std::vector<Tensor> tensors;
};

} // namespace seqc::test

#endif // SEQC_TEST_UNIT_RUNTIME_GGUFBUILDER_H
