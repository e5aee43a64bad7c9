//===- Gguf.cpp - a validating GGUF reader --------------------------------===//
//
// Layout (little-endian): "GGUF", u32 version, u64 tensor count, u64
// metadata count; each metadata entry a string key, a u32 value type and
// the value; each tensor a string name, u32 dim count, u64 dims (ne, the
// fastest-varying first), u32 ggml type, u64 offset into the data section;
// the data section starts at the next multiple of the alignment. Strings
// are a u64 length and bytes.
//
//===----------------------------------------------------------------------===//

#include "Gguf.h"

#include "GgmlBlocks.h"
#include "Limits.h"
#include "MappedFile.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the GGUF reader assumes a little-endian host"
#endif

namespace seqrt::gguf {

namespace {

/// Bounds on what a file may claim before anything is allocated: real
/// files have under 2000 tensors, a few hundred keys, vocabularies of
/// under a million tokens and templates of kilobytes.
constexpr uint64_t kMaxTensors = 1 << 20;
constexpr uint64_t kMaxEntries = 1 << 20;
constexpr uint64_t kMaxArray = 1 << 26;
constexpr uint64_t kMaxString = 1 << 26;
constexpr uint32_t kMaxDims = 4;

size_t scalarSize(ValueType type) {
  switch (type) {
  case ValueType::U8:
  case ValueType::I8:
  case ValueType::Bool:
    return 1;
  case ValueType::U16:
  case ValueType::I16:
    return 2;
  case ValueType::U32:
  case ValueType::I32:
  case ValueType::F32:
    return 4;
  case ValueType::U64:
  case ValueType::I64:
  case ValueType::F64:
    return 8;
  default:
    return 0;
  }
}

bool isIntegerType(ValueType t) {
  return t == ValueType::U8 || t == ValueType::I8 || t == ValueType::U16 ||
         t == ValueType::I16 || t == ValueType::U32 || t == ValueType::I32 ||
         t == ValueType::U64 || t == ValueType::I64 || t == ValueType::Bool;
}

std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 200))
    out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  return out + (s.size() > 200 ? "...'" : "'");
}

} // namespace

std::string valueTypeName(ValueType type) {
  static const char *const kNames[] = {"u8",  "i8",  "u16",  "i16",    "u32",
                                       "i32", "f32", "bool", "string", "array",
                                       "u64", "i64", "f64"};
  auto i = static_cast<uint32_t>(type);
  return i < 13 ? kNames[i] : "type " + std::to_string(i);
}

bool Value::isInteger() const { return isIntegerType(type); }

size_t Value::size() const {
  if (!isArray())
    return 0;
  if (elementType == ValueType::String)
    return strings.size();
  if (elementType == ValueType::F32 || elementType == ValueType::F64)
    return reals.size();
  return integers.size();
}

std::string Value::describe() const {
  if (isArray())
    return "array of " + std::to_string(size()) + " " +
           valueTypeName(elementType) + (size() == 1 ? "" : "s");
  if (type == ValueType::String)
    return quote(string);
  if (type == ValueType::Bool)
    return integer ? "true" : "false";
  if (isFloat())
    return std::to_string(real);
  return std::to_string(integer);
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Reads the file front to back; the first error stops it.
class File::Parser {
public:
  Parser(File &file, const uint8_t *data, size_t size)
      : file(file), base(data), size(size) {}

  std::string error;

  bool parse() {
    if (size < 24)
      return fail("file is " + std::to_string(size) +
                  " bytes, too short for a GGUF header");
    if (std::memcmp(base, "GGUF", 4) != 0)
      return fail("not a GGUF file (no 'GGUF' magic)");
    at = 4;
    uint32_t version = u32();
    if (version != 2 && version != 3)
      return fail("GGUF version " + std::to_string(version) +
                  " is not supported (2 and 3 are)");
    file.formatVersion = version;
    uint64_t tensorCount = u64(), entryCount = u64();
    if (tensorCount > kMaxTensors)
      return fail("claims " + std::to_string(tensorCount) +
                  " tensors, over the limit of " + std::to_string(kMaxTensors));
    if (entryCount > kMaxEntries)
      return fail("claims " + std::to_string(entryCount) +
                  " metadata entries, over the limit of " +
                  std::to_string(kMaxEntries));
    for (uint64_t i = 0; i < entryCount; ++i)
      if (!readEntry(i))
        return false;
    // The index holds views of the keys: built once `entries` is final.
    for (size_t i = 0; i < file.entries.size(); ++i)
      file.byKey.emplace(file.entries[i].first, i);
    uint64_t alignment = 32;
    if (const Value *a = file.find("general.alignment")) {
      if (a->type != ValueType::U32 || a->integer == 0 ||
          (a->integer & (a->integer - 1)) != 0)
        return fail("metadata 'general.alignment' must be a u32 power of two, "
                    "got " +
                    a->describe());
      alignment = static_cast<uint64_t>(a->integer);
    }
    struct Pending {
      std::vector<uint64_t> ne;
      uint64_t offset;
    };
    std::vector<Pending> pending;
    std::unordered_set<std::string> seen;
    for (uint64_t i = 0; i < tensorCount; ++i) {
      Tensor t;
      std::string where = "tensor " + std::to_string(i);
      if (!string(t.name, where + "'s name"))
        return false;
      auto tensorFail = [&](const std::string &message) {
        return fail("tensor " + quote(t.name) + ": " + message);
      };
      uint32_t dims = 0;
      if (!need(4, where))
        return false;
      dims = u32();
      if (dims == 0 || dims > kMaxDims)
        return tensorFail(std::to_string(dims) +
                          " dimensions (1 to 4 are allowed)");
      if (!need(8 * uint64_t(dims) + 12, where))
        return false;
      Pending p;
      for (uint32_t d = 0; d < dims; ++d)
        p.ne.push_back(u64());
      t.type = u32();
      p.offset = u64();
      const ggml::TypeInfo *info = ggml::typeInfo(t.type);
      if (!info)
        return tensorFail("unknown ggml type " + std::to_string(t.type));
      uint64_t numel = 1;
      for (uint64_t n : p.ne) {
        if (n == 0 || n > static_cast<uint64_t>(kMaxDim) ||
            !checkedMul(numel, n, numel) ||
            numel > static_cast<uint64_t>(INT64_MAX))
          return tensorFail("dimension " + std::to_string(n) +
                            " is zero or too large");
      }
      if (p.ne[0] % info->blockElements != 0)
        return tensorFail("rows of " + std::to_string(p.ne[0]) + " " +
                          info->name + " elements are not whole blocks of " +
                          std::to_string(info->blockElements));
      uint64_t bytes = 0;
      if (!checkedMul(numel / info->blockElements, info->blockBytes, bytes) ||
          bytes > kMaxTensorBytes)
        return tensorFail("too large");
      if (p.offset % alignment != 0)
        return tensorFail("offset " + std::to_string(p.offset) +
                          " is not a multiple of the alignment " +
                          std::to_string(alignment));
      for (size_t d = p.ne.size(); d-- > 0;)
        t.shape.push_back(static_cast<int64_t>(p.ne[d]));
      t.bytes = bytes;
      if (!seen.insert(t.name).second)
        return tensorFail("appears twice");
      file.tensorList.push_back(std::move(t));
      pending.push_back(std::move(p));
    }
    // The index holds views of the names: built once tensorList is final.
    for (size_t i = 0; i < file.tensorList.size(); ++i)
      file.byName.emplace(file.tensorList[i].name, i);
    uint64_t dataStart = (at + alignment - 1) / alignment * alignment;
    if (dataStart > size && tensorCount > 0)
      return fail("the data section starts past the end of the file");
    uint64_t dataSize = size > dataStart ? size - dataStart : 0;
    struct Span {
      uint64_t begin, end;
      size_t tensor;
    };
    std::vector<Span> spans;
    for (size_t i = 0; i < file.tensorList.size(); ++i) {
      Tensor &t = file.tensorList[i];
      uint64_t offset = pending[i].offset;
      if (offset > dataSize || t.bytes > dataSize - offset)
        return fail("tensor " + quote(t.name) + ": its " +
                    std::to_string(t.bytes) + " bytes at offset " +
                    std::to_string(offset) +
                    " run past the end of the file (data section of " +
                    std::to_string(dataSize) + " bytes)");
      t.data = base + dataStart + offset;
      spans.push_back({offset, offset + t.bytes, i});
    }
    std::sort(spans.begin(), spans.end(),
              [](const Span &a, const Span &b) { return a.begin < b.begin; });
    for (size_t i = 1; i < spans.size(); ++i)
      if (spans[i].begin < spans[i - 1].end)
        return fail("tensors " +
                    quote(file.tensorList[spans[i - 1].tensor].name) + " and " +
                    quote(file.tensorList[spans[i].tensor].name) +
                    " overlap in the data section");
    return true;
  }

private:
  bool fail(const std::string &message) {
    error = file.filePath + ": " + message;
    return false;
  }

  bool need(uint64_t bytes, const std::string &what) {
    if (bytes > size - at)
      return fail(what + " runs past the end of the file (offset " +
                  std::to_string(at) + ")");
    return true;
  }

  uint32_t u32() {
    uint32_t v;
    std::memcpy(&v, base + at, 4);
    at += 4;
    return v;
  }
  uint64_t u64() {
    uint64_t v;
    std::memcpy(&v, base + at, 8);
    at += 8;
    return v;
  }

  bool string(std::string &out, const std::string &what) {
    if (!need(8, what))
      return false;
    uint64_t length = u64();
    if (length > kMaxString)
      return fail(what + " claims " + std::to_string(length) +
                  " bytes, over the limit of " + std::to_string(kMaxString));
    if (!need(length, what))
      return false;
    out.assign(reinterpret_cast<const char *>(base + at), length);
    at += length;
    return true;
  }

  /// A scalar of `type` into `integer` or `real` (`where` names it).
  bool scalar(ValueType type, int64_t &integer, double &real,
              const std::string &where) {
    size_t bytes = scalarSize(type);
    if (!need(bytes, where))
      return false;
    const uint8_t *p = base + at;
    at += bytes;
    switch (type) {
    case ValueType::U8:
      integer = p[0];
      return true;
    case ValueType::I8:
      integer = static_cast<int8_t>(p[0]);
      return true;
    case ValueType::Bool:
      if (p[0] > 1)
        return fail(where + ": bool byte " + std::to_string(p[0]) +
                    " is neither 0 nor 1");
      integer = p[0];
      return true;
    case ValueType::U16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      integer = v;
      return true;
    }
    case ValueType::I16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      integer = v;
      return true;
    }
    case ValueType::U32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      integer = v;
      return true;
    }
    case ValueType::I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      integer = v;
      return true;
    }
    case ValueType::U64: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      if (v > static_cast<uint64_t>(INT64_MAX))
        return fail(where + ": u64 value " + std::to_string(v) +
                    " is out of range");
      integer = static_cast<int64_t>(v);
      return true;
    }
    case ValueType::I64:
      std::memcpy(&integer, p, 8);
      return true;
    case ValueType::F32: {
      float v;
      std::memcpy(&v, p, 4);
      real = v;
      return true;
    }
    case ValueType::F64:
      std::memcpy(&real, p, 8);
      return true;
    default:
      return false;
    }
  }

  bool readEntry(uint64_t index) {
    std::string key;
    if (!string(key, "metadata entry " + std::to_string(index) + "'s key"))
      return false;
    std::string where = "metadata " + quote(key);
    if (!need(4, where))
      return false;
    uint32_t rawType = u32();
    if (rawType > static_cast<uint32_t>(ValueType::F64))
      return fail(where + ": unknown value type " + std::to_string(rawType));
    Value v;
    v.type = static_cast<ValueType>(rawType);
    if (v.type == ValueType::String) {
      if (!string(v.string, where))
        return false;
    } else if (v.type == ValueType::Array) {
      if (!need(12, where))
        return false;
      uint32_t rawElement = u32();
      uint64_t count = u64();
      if (rawElement > static_cast<uint32_t>(ValueType::F64))
        return fail(where + ": unknown array element type " +
                    std::to_string(rawElement));
      v.elementType = static_cast<ValueType>(rawElement);
      if (v.elementType == ValueType::Array)
        return fail(where + ": arrays of arrays are not supported");
      if (count > kMaxArray)
        return fail(where + ": array of " + std::to_string(count) +
                    " elements, over the limit of " +
                    std::to_string(kMaxArray));
      if (v.elementType == ValueType::String) {
        // Each string takes at least its 8-byte length.
        if (!need(count * 8, where))
          return false;
        v.strings.resize(count);
        for (uint64_t i = 0; i < count; ++i)
          if (!string(v.strings[i], where + " element " + std::to_string(i)))
            return false;
      } else {
        if (!need(count * scalarSize(v.elementType), where))
          return false;
        bool real =
            v.elementType == ValueType::F32 || v.elementType == ValueType::F64;
        (real ? v.reals.reserve(count) : v.integers.reserve(count));
        for (uint64_t i = 0; i < count; ++i) {
          int64_t n = 0;
          double r = 0;
          if (!scalar(v.elementType, n, r, where))
            return false;
          if (real)
            v.reals.push_back(r);
          else
            v.integers.push_back(n);
        }
      }
    } else if (!scalar(v.type, v.integer, v.real, where)) {
      return false;
    }
    if (!seenKeys.insert(key).second)
      return fail(where + " appears twice");
    file.entries.emplace_back(std::move(key), std::move(v));
    return true;
  }

  File &file;
  const uint8_t *base;
  size_t size;
  uint64_t at = 0;
  std::unordered_set<std::string> seenKeys;
};

std::unique_ptr<File> File::open(const std::string &path, std::string &error) {
  MappedFile mapped;
  if (!mapped.map(path, error))
    return nullptr;
  std::unique_ptr<File> file(new File());
  file->filePath = path;
  Parser parser(*file, mapped.data(), mapped.size());
  if (!parser.parse()) {
    error = parser.error;
    return nullptr;
  }
  file->address = const_cast<uint8_t *>(mapped.data());
  file->length = mapped.size();
  mapped.release();
  return file;
}

bool File::hasMagic(const std::string &path) {
  // O_NONBLOCK: a FIFO in place of a weights file must not hang the check.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return false;
  char magic[4] = {};
  struct stat st;
  bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  bool ok = regular && ::read(fd, magic, 4) == 4 &&
            std::memcmp(magic, "GGUF", 4) == 0;
  ::close(fd);
  return ok;
}

File::~File() {
  if (address)
    ::munmap(address, length);
}

const Value *File::find(std::string_view key) const {
  auto it = byKey.find(key);
  return it == byKey.end() ? nullptr : &entries[it->second].second;
}

const Tensor *File::findTensor(std::string_view name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &tensorList[it->second];
}

} // namespace seqrt::gguf
