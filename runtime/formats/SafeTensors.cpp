//===- SafeTensors.cpp - a validating safetensors reader ------------------===//
//
// Every message starts with the path of the file at fault ("path: ..."), and
// those about one tensor go on with `tensor "name": ...`, so a user with a
// sharded checkpoint of hundreds of tensors knows what to look at.
//
//===----------------------------------------------------------------------===//

#include "SafeTensors.h"

#include "GgufCheckpoint.h"
#include "Half.h"
#include "Json.h"
#include "MappedFile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// Tensor data is little-endian and convertToF32 copies it as it is.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the safetensors reader assumes a little-endian host"
#endif

namespace seqrt {

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

namespace {
struct DTypeEntry {
  DType dtype;
  const char *name;
  size_t size;
};

constexpr DTypeEntry kDTypes[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
};

const DTypeEntry &entryFor(DType dtype) {
  for (const DTypeEntry &entry : kDTypes)
    if (entry.dtype == dtype)
      return entry;
  return kDTypes[0]; // Unreachable: the table covers the enum.
}
} // namespace

std::optional<DType> parseDType(std::string_view name) {
  for (const DTypeEntry &entry : kDTypes)
    if (name == entry.name)
      return entry.dtype;
  return std::nullopt;
}

const char *dtypeName(DType dtype) { return entryFor(dtype).name; }

size_t dtypeSize(DType dtype) { return entryFor(dtype).size; }

int64_t TensorInfo::numel() const {
  // The reader checked the product for overflow unless a dim is 0, in which
  // case the other dims may be anything: look for the 0 first.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end())
    return 0;
  int64_t n = 1;
  for (int64_t dim : shape)
    n *= dim;
  return n;
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

namespace {

std::string errnoMessage(int err) {
  // std::error_code's message is thread-safe, unlike strerror.
  return std::generic_category().message(err);
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string joinPath(const std::string &folder, const std::string &name) {
  if (folder.empty() || folder.back() == '/')
    return folder + name;
  return folder + "/" + name;
}

std::string parentFolder(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

/// Whether `name` is a relative path that stays inside its folder: not
/// empty, not absolute, no ".." component, no NUL (which would cut the path
/// short at the system call).
bool isContainedRelativePath(std::string_view name) {
  if (name.empty() || name.front() == '/' ||
      name.find('\0') != std::string_view::npos)
    return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string_view::npos)
      slash = name.size();
    if (name.substr(start, slash - start) == "..")
      return false;
    start = slash + 1;
  }
  return true;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

/// `v` as an int64 >= 0, if it is one.
std::optional<int64_t> nonNegativeInt(const json::Value &v) {
  if (!v.isInt() || v.getInt() < 0)
    return std::nullopt;
  return v.getInt();
}

uint64_t readLittleEndian64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

//===----------------------------------------------------------------------===//
// Loader
//===----------------------------------------------------------------------===//

/// Fills a WeightStore; the first error stops it.
class WeightStore::Loader {
public:
  explicit Loader(WeightStore &store) : store(store) {}

  std::string error;
  WeightError kind = WeightError::Invalid;

  bool open(const std::string &path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
      return ioError(path + ": cannot open: " + errnoMessage(errno));
    if (S_ISDIR(st.st_mode)) {
      std::string single = joinPath(path, "model.safetensors");
      if (exists(single))
        return loadFile(single);
      std::string index = joinPath(path, "model.safetensors.index.json");
      if (exists(index))
        return loadIndex(index);
      return ioError(path + ": no model.safetensors or "
                            "model.safetensors.index.json in this folder");
    }
    if (endsWith(path, ".json"))
      return loadIndex(path);
    if (gguf::File::hasMagic(path))
      return loadGguf(path);
    return loadFile(path);
  }

  /// Indexes the tensors by name; fails on a name held by two files.
  bool buildNameIndex() {
    const std::vector<TensorInfo> &tensors = store.tensorList;
    store.byName.reserve(tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
      auto [it, inserted] = store.byName.emplace(tensors[i].name, i);
      if (!inserted) {
        const TensorInfo &first = tensors[it->second];
        return invalid(tensors[i].file + ": tensor " +
                       json::quote(tensors[i].name) + " is also in " +
                       first.file + "; a tensor must be in one shard only");
      }
    }
    return true;
  }

private:
  bool ioError(std::string message) {
    error = std::move(message);
    kind = WeightError::IO;
    return false;
  }

  bool invalid(std::string message) {
    error = std::move(message);
    kind = WeightError::Invalid;
    return false;
  }

  /// Validates one .safetensors file and adds its tensors to the store.
  bool loadFile(const std::string &path) {
    MappedFile file;
    if (!file.map(path, error)) {
      kind = WeightError::IO;
      return false;
    }
    auto fail = [&](const std::string &message) {
      return invalid(path + ": " + message);
    };
    const uint8_t *base = file.data();
    size_t fileSize = file.size();
    if (fileSize < 8)
      return fail("file is " + std::to_string(fileSize) +
                  " bytes, too short for the 8-byte header length");
    uint64_t headerSize = readLittleEndian64(base);
    if (headerSize == 0)
      return fail("header length is 0");
    if (headerSize > kMaxHeaderSize)
      return fail("header length " + std::to_string(headerSize) +
                  " exceeds the limit of " + std::to_string(kMaxHeaderSize) +
                  " bytes");
    if (headerSize > fileSize - 8)
      return fail("header length " + std::to_string(headerSize) +
                  " runs past the end of the file (" +
                  std::to_string(fileSize) + " bytes)");

    std::string_view headerText(reinterpret_cast<const char *>(base + 8),
                                headerSize);
    json::Value header;
    std::string jsonError;
    if (!json::parse(headerText, header, jsonError))
      return fail("header is not valid JSON: " + jsonError);
    if (!header.isObject())
      return fail("header is not a JSON object");

    const uint8_t *data = base + 8 + headerSize;
    uint64_t dataSize = fileSize - 8 - headerSize;
    WeightFile weightFile{path, {}};
    std::vector<TensorInfo> tensors;
    struct Span {
      uint64_t begin, end;
      size_t tensor;
    };
    std::vector<Span> spans;

    for (const json::Member &member : header.getObject()) {
      if (member.key == "__metadata__") {
        if (!member.value.isObject())
          return fail("\"__metadata__\" is not an object");
        for (const json::Member &entry : member.value.getObject()) {
          if (!entry.value.isString())
            return fail("\"__metadata__\" value of " + json::quote(entry.key) +
                        " is not a string");
          weightFile.metadata.emplace_back(entry.key, entry.value.getString());
        }
        continue;
      }

      const std::string &name = member.key;
      auto tensorFail = [&](const std::string &message) {
        return fail("tensor " + json::quote(name) + ": " + message);
      };
      const json::Value &entry = member.value;
      if (!entry.isObject())
        return tensorFail("entry is not an object");

      const json::Value *dtypeValue = entry.find("dtype");
      if (!dtypeValue)
        return tensorFail("missing \"dtype\"");
      if (!dtypeValue->isString())
        return tensorFail("\"dtype\" is not a string");
      std::optional<DType> dtype = parseDType(dtypeValue->getString());
      if (!dtype)
        return tensorFail("unknown or unsupported dtype " +
                          json::quote(dtypeValue->getString()) +
                          " (expected F64, F32, F16, BF16, I64, I32, I16, "
                          "I8, U8 or BOOL)");

      const json::Value *shapeValue = entry.find("shape");
      if (!shapeValue)
        return tensorFail("missing \"shape\"");
      if (!shapeValue->isArray())
        return tensorFail("\"shape\" is not an array");
      std::vector<int64_t> shape;
      bool hasZero = false;
      for (const json::Value &dim : shapeValue->getArray()) {
        std::optional<int64_t> size = nonNegativeInt(dim);
        if (!size)
          return tensorFail("\"shape\" must be an array of non-negative "
                            "integers, got " +
                            json::serialize(*shapeValue));
        hasZero |= *size == 0;
        shape.push_back(*size);
      }
      // Bytes the shape needs; with a zero dim that is 0 however large the
      // others are, otherwise the product must not overflow.
      uint64_t elementSize = dtypeSize(*dtype);
      uint64_t needed = 0;
      if (!hasZero) {
        uint64_t limit =
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
        uint64_t numel = 1;
        for (int64_t dim : shape) {
          if (numel > limit / static_cast<uint64_t>(dim))
            return tensorFail("shape " + formatShape(shape) +
                              " has too many elements");
          numel *= static_cast<uint64_t>(dim);
        }
        if (numel > limit / elementSize)
          return tensorFail("shape " + formatShape(shape) + " of " +
                            dtypeName(*dtype) + " needs too many bytes");
        needed = numel * elementSize;
      }

      const json::Value *offsetsValue = entry.find("data_offsets");
      if (!offsetsValue)
        return tensorFail("missing \"data_offsets\"");
      std::optional<int64_t> begin, end;
      if (offsetsValue->isArray() && offsetsValue->getArray().size() == 2) {
        begin = nonNegativeInt(offsetsValue->getArray()[0]);
        end = nonNegativeInt(offsetsValue->getArray()[1]);
      }
      if (!begin || !end)
        return tensorFail("\"data_offsets\" must be two non-negative "
                          "integers [begin, end], got " +
                          json::serialize(*offsetsValue));
      if (*begin > *end)
        return tensorFail("\"data_offsets\" begin " + std::to_string(*begin) +
                          " is after end " + std::to_string(*end));
      if (static_cast<uint64_t>(*end) > dataSize)
        return tensorFail("\"data_offsets\" end " + std::to_string(*end) +
                          " is beyond the data section (" +
                          std::to_string(dataSize) + " bytes)");
      uint64_t span = static_cast<uint64_t>(*end - *begin);
      if (span != needed)
        return tensorFail("\"data_offsets\" span " + std::to_string(span) +
                          " bytes, but shape " + formatShape(shape) + " of " +
                          dtypeName(*dtype) + " needs " +
                          std::to_string(needed));

      TensorInfo info;
      info.name = name;
      info.dtype = *dtype;
      info.shape = std::move(shape);
      info.data = data + *begin;
      info.size = static_cast<size_t>(span);
      info.file = path;
      spans.push_back(Span{static_cast<uint64_t>(*begin),
                           static_cast<uint64_t>(*end), tensors.size()});
      tensors.push_back(std::move(info));
    }

    // Two tensors sharing bytes would alias; empty spans share nothing.
    std::sort(spans.begin(), spans.end(), [](const Span &a, const Span &b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const Span *previous = nullptr;
    for (const Span &s : spans) {
      if (s.begin == s.end)
        continue;
      if (previous && s.begin < previous->end) {
        auto describe = [&](const Span &x) {
          return json::quote(tensors[x.tensor].name) + " [" +
                 std::to_string(x.begin) + ", " + std::to_string(x.end) + ")";
        };
        return fail("tensors " + describe(*previous) + " and " + describe(s) +
                    " overlap in the data section");
      }
      if (!previous || s.end > previous->end)
        previous = &s;
    }

    store.mappings.push_back(
        Mapping{const_cast<uint8_t *>(file.data()), file.size()});
    file.release();
    store.fileList.push_back(std::move(weightFile));
    for (TensorInfo &info : tensors)
      store.tensorList.push_back(std::move(info));
    return true;
  }

  /// Loads a GGUF file as the checkpoint it was converted from.
  bool loadGguf(const std::string &path) {
    std::unique_ptr<gguf::File> file = gguf::File::open(path, error);
    if (!file)
      return false;
    if (!ggufCheckpointTensors(*file, store.tensorList, error))
      return false;
    store.fileList.push_back(WeightFile{path, {}});
    store.gguf = std::move(file);
    return true;
  }

  /// Loads a sharded checkpoint from its index file.
  bool loadIndex(const std::string &indexPath) {
    MappedFile file;
    if (!file.map(indexPath, error)) {
      kind = WeightError::IO;
      return false;
    }
    auto fail = [&](const std::string &message) {
      return invalid(indexPath + ": " + message);
    };
    if (file.size() > kMaxHeaderSize)
      return fail("index is " + std::to_string(file.size()) +
                  " bytes, over the limit of " +
                  std::to_string(kMaxHeaderSize));
    json::Value index;
    std::string jsonError;
    std::string_view text(reinterpret_cast<const char *>(file.data()),
                          file.size());
    if (!json::parse(text, index, jsonError))
      return fail("index is not valid JSON: " + jsonError);
    if (!index.isObject())
      return fail("index is not a JSON object");
    if (const json::Value *metadata = index.find("metadata"))
      if (!metadata->isObject())
        return fail("\"metadata\" is not an object");
    const json::Value *weightMap = index.find("weight_map");
    if (!weightMap)
      return fail("missing \"weight_map\"");
    if (!weightMap->isObject())
      return fail("\"weight_map\" is not an object");

    // Shards in order of first mention; check every name before opening any.
    std::vector<std::string> shards;
    for (const json::Member &entry : weightMap->getObject()) {
      if (!entry.value.isString())
        return fail("\"weight_map\" entry for tensor " +
                    json::quote(entry.key) + " is not a string");
      const std::string &shard = entry.value.getString();
      if (!isContainedRelativePath(shard))
        return fail("\"weight_map\" entry for tensor " +
                    json::quote(entry.key) + ": shard " + json::quote(shard) +
                    " is not a relative path inside the folder (absolute "
                    "paths and '..' are not allowed)");
      if (std::find(shards.begin(), shards.end(), shard) == shards.end())
        shards.push_back(shard);
    }

    std::string folder = parentFolder(indexPath);
    size_t firstTensor = store.tensorList.size();
    for (const std::string &shard : shards)
      if (!loadFile(joinPath(folder, shard)))
        return false;

    // Each listed tensor must be in the shard the index names.
    const std::vector<TensorInfo> &tensors = store.tensorList;
    std::unordered_map<std::string_view, size_t> firstByName;
    for (size_t i = firstTensor; i < tensors.size(); ++i)
      firstByName.emplace(tensors[i].name, i);
    for (const json::Member &entry : weightMap->getObject()) {
      std::string shardPath = joinPath(folder, entry.value.getString());
      auto it = firstByName.find(entry.key);
      bool found =
          it != firstByName.end() && tensors[it->second].file == shardPath;
      // A name in several shards is reported by buildNameIndex; look past
      // the first copy here so that case gets that clearer message.
      for (size_t i = firstTensor;
           !found && it != firstByName.end() && i < tensors.size(); ++i)
        found = tensors[i].name == entry.key && tensors[i].file == shardPath;
      if (!found)
        return fail("\"weight_map\" puts tensor " + json::quote(entry.key) +
                    " in " + shardPath + ", which does not contain it");
    }
    return true;
  }

  WeightStore &store;
};

//===----------------------------------------------------------------------===//
// WeightStore
//===----------------------------------------------------------------------===//

std::unique_ptr<WeightStore> WeightStore::open(const std::string &path,
                                               std::string &error,
                                               WeightError *kind) {
  std::unique_ptr<WeightStore> store(new WeightStore());
  Loader loader(*store);
  if (!loader.open(path) || !loader.buildNameIndex()) {
    error = std::move(loader.error);
    if (kind)
      *kind = loader.kind;
    return nullptr;
  }
  return store;
}

WeightStore::~WeightStore() {
  for (const Mapping &m : mappings)
    ::munmap(m.address, m.length);
}

const TensorInfo *WeightStore::find(std::string_view name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &tensorList[it->second];
}

const std::string *WeightStore::findMetadata(std::string_view key) const {
  for (const WeightFile &file : fileList)
    for (const auto &[k, v] : file.metadata)
      if (k == key)
        return &v;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Conversion
//===----------------------------------------------------------------------===//

bool readTensor(const TensorInfo &info, DType to, void *dst) {
  size_t n = static_cast<size_t>(info.numel());
  if (!info.derived)
    return convertElements(info.dtype, info.data, n, to, dst);
  if (to == info.dtype) {
    readGgufTensor(info, dst);
    return true;
  }
  std::vector<uint8_t> decoded(info.size);
  readGgufTensor(info, decoded.data());
  return convertElements(info.dtype, decoded.data(), n, to, dst);
}

std::pair<const uint8_t *, size_t> storedBytes(const TensorInfo &info) {
  if (info.derived)
    return {info.derived->tensor->data,
            static_cast<size_t>(info.derived->tensor->bytes)};
  return {info.data, info.size};
}

bool convertToF32(DType dtype, const uint8_t *src, size_t n, float *dst) {
  switch (dtype) {
  case DType::F32:
    if (n)
      std::memcpy(dst, src, n * sizeof(float));
    return true;
  case DType::F16:
    for (size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, src + 2 * i, sizeof(h));
      dst[i] = f16ToF32(h);
    }
    return true;
  case DType::BF16:
    for (size_t i = 0; i < n; ++i) {
      uint16_t b;
      std::memcpy(&b, src + 2 * i, sizeof(b));
      dst[i] = bf16ToF32(b);
    }
    return true;
  case DType::F64:
    for (size_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, src + 8 * i, sizeof(d));
      dst[i] = static_cast<float>(d);
    }
    return true;
  default:
    return false;
  }
}

bool convertElements(DType from, const uint8_t *src, size_t n, DType to,
                     void *dst) {
  if (to == DType::F32)
    return convertToF32(from, src, n, static_cast<float *>(dst));
  if (from == to && (to == DType::I8 || to == DType::I32)) {
    if (n)
      std::memcpy(dst, src, n * dtypeSize(to));
    return true;
  }
  if (to != DType::BF16 && to != DType::F16)
    return false;
  if (from == to) {
    if (n)
      std::memcpy(dst, src, n * 2);
    return true;
  }
  // Through f32 in chunks: widening is exact, so each element is rounded
  // once (f64 rounds twice, to f32 first; weights do not come that way).
  constexpr size_t kChunk = 1024;
  float wide[kChunk];
  auto *out = static_cast<uint8_t *>(dst);
  for (size_t i = 0; i < n; i += kChunk) {
    size_t count = std::min(kChunk, n - i);
    if (!convertToF32(from, src + i * dtypeSize(from), count, wide))
      return false;
    for (size_t j = 0; j < count; ++j) {
      uint16_t bits =
          to == DType::BF16 ? f32ToBf16(wide[j]) : f32ToF16(wide[j]);
      std::memcpy(out + (i + j) * 2, &bits, sizeof(bits));
    }
  }
  return true;
}

} // namespace seqrt
