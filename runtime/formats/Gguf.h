//===- Gguf.h - a validating GGUF reader ------------------------*- C++ -*-===//
//
// Reads llama.cpp's GGUF files (versions 2 and 3): a header, typed
// key/value metadata (architecture, hyper-parameters, tokenizer, chat
// template), tensor descriptions, and the tensor data, aligned to
// `general.alignment` (32 by default). The file is mapped read-only and
// tensors point into the mapping.
//
// GGUF files are untrusted input: every count, length, type and offset is
// checked against the file before anything is allocated or handed out, and
// every error names the file (and the key or tensor) at fault. There is no
// GGUF reader in Debian 12 (ggml is packaged from Debian 13 on), and the
// format is small, so this one is ours (docs/gguf.md).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_FORMATS_GGUF_H
#define SEQC_RUNTIME_FORMATS_GGUF_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seqrt::gguf {

/// The metadata value types of the format (their numbers in the file).
enum class ValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};

/// "u32", "string", "array of f32", ...
std::string valueTypeName(ValueType type);

/// One metadata value: a scalar, a string, or an array of scalars or of
/// strings (arrays of arrays are refused when reading).
struct Value {
  ValueType type = ValueType::U8;
  /// For arrays: the type of the elements.
  ValueType elementType = ValueType::U8;
  /// Integer and bool scalars; integer array elements.
  int64_t integer = 0;
  std::vector<int64_t> integers;
  /// Float scalars; float array elements.
  double real = 0;
  std::vector<double> reals;
  /// String scalars; string array elements.
  std::string string;
  std::vector<std::string> strings;

  bool isInteger() const;
  bool isFloat() const {
    return type == ValueType::F32 || type == ValueType::F64;
  }
  bool isArray() const { return type == ValueType::Array; }
  /// Elements of an array (0 for a scalar).
  size_t size() const;
  /// The value in a few words, for messages ("32000", "\"llama\"",
  /// "array of 32000 strings").
  std::string describe() const;
};

/// One tensor: `shape` row-major (ggml's ne reversed: the last dim is the
/// one its blocks run along), `data` in the mapping.
struct Tensor {
  std::string name;
  /// ggml's type number (GgmlBlocks.h describes the ones seqc reads).
  uint32_t type = 0;
  std::vector<int64_t> shape;
  const uint8_t *data = nullptr;
  uint64_t bytes = 0;
  int64_t numel() const;
};

class File {
public:
  /// Maps and validates `path`; on failure returns null with `error`
  /// naming the file and what is wrong ("path: tensor 'x': ...").
  static std::unique_ptr<File> open(const std::string &path,
                                    std::string &error);
  /// Whether `path` starts with GGUF's magic (false when unreadable).
  static bool hasMagic(const std::string &path);

  File(const File &) = delete;
  File &operator=(const File &) = delete;
  ~File();

  const std::string &path() const { return filePath; }
  uint32_t version() const { return formatVersion; }
  /// Metadata in file order.
  const std::vector<std::pair<std::string, Value>> &metadata() const {
    return entries;
  }
  const Value *find(std::string_view key) const;
  const std::vector<Tensor> &tensors() const { return tensorList; }
  const Tensor *findTensor(std::string_view name) const;

private:
  File() = default;
  class Parser;
  std::string filePath;
  uint32_t formatVersion = 0;
  void *address = nullptr;
  size_t length = 0;
  std::vector<std::pair<std::string, Value>> entries;
  std::unordered_map<std::string_view, size_t> byKey;
  std::vector<Tensor> tensorList;
  std::unordered_map<std::string_view, size_t> byName;
};

} // namespace seqrt::gguf

#endif // SEQC_RUNTIME_FORMATS_GGUF_H
