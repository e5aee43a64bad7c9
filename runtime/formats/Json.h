//===- Json.h - JSON values, reader and writer for the runtime --*- C++ -*-===//
//
// The runtime reads JSON from untrusted files (safetensors headers, sharded
// weight indexes, model descriptors), so the reader is strict (RFC 8259,
// UTF-8 only; nlohmann/json does the lexing), refuses duplicate keys and
// nesting past kMaxDepth, reports errors as `line:column: message`, and never
// throws.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_JSON_H
#define SEQC_RUNTIME_SRC_JSON_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace seqrt::json {

/// Arrays and objects nested deeper than this are rejected by `parse`.
constexpr unsigned kMaxDepth = 128;

class Value;

/// One `"key": value` pair of an object.
struct Member;

/// A JSON object: members in insertion order, with lookup by key. Keys are
/// unique; `insert` refuses a duplicate.
class Object {
public:
  Object();
  Object(const Object &other);
  Object(Object &&other) noexcept;
  Object &operator=(const Object &other);
  Object &operator=(Object &&other) noexcept;
  ~Object();

  /// Number of members.
  size_t size() const;
  bool empty() const { return size() == 0; }

  /// Members in insertion order.
  const std::vector<Member> &getMembers() const { return members; }
  const Member *begin() const;
  const Member *end() const;

  /// The value of `key`, or nullptr if absent.
  const Value *find(std::string_view key) const;
  Value *find(std::string_view key);

  /// Appends a member. Returns false (and changes nothing) if `key` is
  /// already present.
  bool insert(std::string key, Value value);

private:
  /// Position of `key` in `members`, or -1.
  ptrdiff_t indexOf(std::string_view key) const;

  std::vector<Member> members;
  /// Key hash -> member position. Built only once an object grows past a few
  /// members, so the many small objects of a document stay small while big
  /// ones get O(1) lookup.
  std::unique_ptr<std::unordered_multimap<size_t, size_t>> index;
};

/// A JSON value: null, bool, number, string, array or object. A number is an
/// int64 when its literal has no fraction or exponent and fits in int64;
/// otherwise it is a double.
class Value {
public:
  enum class Kind { Null, Bool, Int, Double, String, Array, Object };
  using ArrayType = std::vector<Value>;

  /// Null.
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : storage(b) {}
  Value(int64_t i) : storage(i) {}
  Value(int i) : storage(static_cast<int64_t>(i)) {}
  Value(double d) : storage(d) {}
  Value(std::string s) : storage(std::move(s)) {}
  Value(std::string_view s) : storage(std::string(s)) {}
  Value(const char *s) : storage(std::string(s)) {}
  Value(ArrayType a) : storage(std::move(a)) {}
  Value(Object o) : storage(std::move(o)) {}

  Kind kind() const { return static_cast<Kind>(storage.index()); }
  bool isNull() const { return kind() == Kind::Null; }
  bool isBool() const { return kind() == Kind::Bool; }
  bool isInt() const { return kind() == Kind::Int; }
  bool isDouble() const { return kind() == Kind::Double; }
  /// An int or a double.
  bool isNumber() const { return isInt() || isDouble(); }
  bool isString() const { return kind() == Kind::String; }
  bool isArray() const { return kind() == Kind::Array; }
  bool isObject() const { return kind() == Kind::Object; }

  /// Accessors; each requires the matching kind (checked by assertion).
  bool getBool() const;
  int64_t getInt() const;
  /// The number as a double; valid for ints too.
  double getNumber() const;
  const std::string &getString() const;
  const ArrayType &getArray() const;
  ArrayType &getArray();
  const Object &getObject() const;
  Object &getObject();

  /// Object lookup: the member `key`, or nullptr if absent or if this is not
  /// an object.
  const Value *find(std::string_view key) const;

  /// Deep equality; ints and doubles compare by kind and value.
  bool operator==(const Value &other) const;
  bool operator!=(const Value &other) const { return !(*this == other); }

private:
  // Alternatives in the order of `Kind`.
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, ArrayType,
               Object>
      storage;
};

struct Member {
  std::string key;
  Value value;
};

// Defined here because they need `Member` complete.
inline size_t Object::size() const { return members.size(); }
inline const Member *Object::begin() const { return members.data(); }
inline const Member *Object::end() const {
  return members.data() + members.size();
}

/// Parses the UTF-8 JSON document `text` into `out`. On failure returns false
/// and sets `error` to "line:column: message" (1-based, columns in bytes;
/// printable ASCII, at most a few hundred bytes), e.g. "1:10: duplicate key
/// \"a\" in an object"; `out` is then unspecified. A leading UTF-8 byte order
/// mark is skipped.
bool parse(std::string_view text, Value &out, std::string &error);

/// Compact JSON text for `value` (members in insertion order). Doubles use
/// the shortest form that reads back exactly; NaN and infinities, which JSON
/// cannot express, become null.
std::string serialize(const Value &value);

/// `s` as a JSON string literal, quotes included. Control characters, '"' and
/// '\\' are escaped; other bytes are copied as they are.
std::string quote(std::string_view s);

} // namespace seqrt::json

#endif // SEQC_RUNTIME_SRC_JSON_H
