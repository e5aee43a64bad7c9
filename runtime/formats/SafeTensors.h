//===- SafeTensors.h - a validating safetensors reader ----------*- C++ -*-===//
//
// Reads weights in the safetensors format: an 8-byte little-endian header
// length N, N bytes of JSON describing each tensor (dtype, shape, byte span in
// the data section), then the data section. Files are mapped read-only and
// tensors point into the mappings, so opening a model copies no weights.
//
// Weight files are untrusted input: everything the header claims is checked
// against the file before a pointer into it is handed out, and every error
// names the file (and the tensor) it is about.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_SAFETENSORS_H
#define SEQC_RUNTIME_SRC_SAFETENSORS_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqrt {

namespace gguf {
class File;
} // namespace gguf
struct GgufSource;

/// Element types the runtime reads. The safetensors names are in dtypeName.
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

/// The DType for a safetensors dtype string ("F32", "BF16", "BOOL", ...), or
/// nullopt for names this reader does not support.
std::optional<DType> parseDType(std::string_view name);

/// The safetensors name of `dtype` ("F32", "BOOL", ...).
const char *dtypeName(DType dtype);

/// Bytes per element of `dtype`.
size_t dtypeSize(DType dtype);

/// Largest header the reader accepts; real headers are well under 10 MB.
constexpr uint64_t kMaxHeaderSize = 100'000'000;

/// One tensor of a WeightStore.
struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// The tensor's bytes inside the read-only mapping: little-endian,
  /// row-major, with no alignment guarantee. Valid while the store lives.
  const uint8_t *data = nullptr;
  /// Size of `data` in bytes: numel() * dtypeSize(dtype).
  size_t size = 0;
  /// Path of the file that holds the tensor.
  std::string file;
  /// Set for a tensor a GGUF file holds in another form (the values,
  /// scales or offsets of a block-quantized tensor, or rows stored in
  /// llama.cpp's rotary order): `data` is null and readTensor() produces
  /// the elements (GgufCheckpoint.h).
  std::shared_ptr<const GgufSource> derived;

  /// The number of elements (1 for a scalar, shape []). Validated at open
  /// time not to overflow.
  int64_t numel() const;
};

/// One file of a WeightStore, with its `__metadata__` in header order.
struct WeightFile {
  std::string path;
  std::vector<std::pair<std::string, std::string>> metadata;
};

/// Why WeightStore::open failed.
enum class WeightError {
  /// A file is missing or unreadable (maps to SEQ_ERROR_IO).
  IO,
  /// A file is not valid safetensors, or the index is inconsistent (maps to
  /// SEQ_ERROR_INVALID_WEIGHTS).
  Invalid,
};

/// A set of safetensors files, validated and mapped read-only. Owns the
/// mappings; all pointers it hands out live as long as the store. Immutable
/// after open, so concurrent lookups are safe.
class WeightStore {
public:
  /// Opens weights from `path`, which is one of:
  ///  - a .safetensors file;
  ///  - a GGUF file (recognised by its magic), whose tensors are seen under
  ///    the names of the Hugging Face checkpoint it was converted from
  ///    (GgufCheckpoint.h);
  ///  - a folder holding model.safetensors;
  ///  - a folder holding model.safetensors.index.json, a sharded checkpoint in
  ///    the Hugging Face layout: {"metadata": {...}, "weight_map": {tensor:
  ///    shard file}}, with shard files relative to the folder;
  ///  - such an index file itself (any path ending in ".json").
  /// A folder with both model.safetensors and an index uses the former, as
  /// Hugging Face Transformers does.
  ///
  /// On failure returns nullptr, sets `error` to a message naming the file
  /// (and tensor) at fault, and sets `*kind` if `kind` is not null.
  static std::unique_ptr<WeightStore> open(const std::string &path,
                                           std::string &error,
                                           WeightError *kind = nullptr);

  WeightStore(const WeightStore &) = delete;
  WeightStore &operator=(const WeightStore &) = delete;
  ~WeightStore();

  /// The tensor called `name`, or nullptr.
  const TensorInfo *find(std::string_view name) const;

  /// All tensors: file by file (shards in order of first mention in the
  /// weight map), each file's tensors in header order.
  const std::vector<TensorInfo> &tensors() const { return tensorList; }

  /// The safetensors files read, in the order of `tensors()`.
  const std::vector<WeightFile> &files() const { return fileList; }

  /// The first value of `__metadata__` key `key` across `files()`, or
  /// nullptr.
  const std::string *findMetadata(std::string_view key) const;

  /// The GGUF file the store reads, or null for safetensors.
  const gguf::File *ggufFile() const { return gguf.get(); }

private:
  WeightStore() = default;
  struct Mapping {
    void *address;
    size_t length;
  };
  class Loader;

  std::vector<Mapping> mappings;
  std::shared_ptr<const gguf::File> gguf;
  std::vector<TensorInfo> tensorList;
  std::vector<WeightFile> fileList;
  /// Views of the names in `tensorList`, which is not changed after open.
  std::unordered_map<std::string_view, size_t> byName;
};

/// Writes all of `info`'s elements as `to` at `dst` (convertElements on the
/// stored data, or a derived tensor's decoding). Returns false, writing
/// nothing, for a conversion convertElements refuses.
bool readTensor(const TensorInfo &info, DType to, void *dst);

/// The mapped bytes `info` is read from (for a derived tensor, its GGUF
/// tensor's), which a caller that copied them out may give back.
std::pair<const uint8_t *, size_t> storedBytes(const TensorInfo &info);

/// Converts `n` elements of F32, F16, BF16 or F64 data at `src` (little-endian,
/// any alignment) to float at `dst`. F64 values round to nearest. Returns
/// false, writing nothing, for other dtypes.
bool convertToF32(DType dtype, const uint8_t *src, size_t n, float *dst);

/// Converts `n` elements of F32, F16, BF16 or F64 data at `src` to `to`
/// (F32, BF16 or F16) at `dst`, rounding to nearest even where it narrows
/// (as torch's `.to(torch.bfloat16)` does); I8 data only to I8 and I32
/// only to I32, as they are (block-quantized values, index tables). Returns
/// false for other dtypes.
bool convertElements(DType from, const uint8_t *src, size_t n, DType to,
                     void *dst);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_SAFETENSORS_H
