//===- Json.cpp - the runtime's JSON values and writer --------------------===//
//
// The DOM the runtime's readers walk (objects keep insertion order and get a
// hash index once they grow), and compact serialization. Parsing is in
// JsonReader.cpp.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>

namespace seqrt::json {

//===----------------------------------------------------------------------===//
// Object
//===----------------------------------------------------------------------===//

namespace {
/// Objects with more members than this get a hash index.
constexpr size_t kIndexThreshold = 8;

size_t hashKey(std::string_view key) {
  return std::hash<std::string_view>()(key);
}
} // namespace

// The index maps key hashes to member positions; a lookup compares the keys
// of the candidates, so the index holds no copies of the keys.
using IndexMap = std::unordered_multimap<size_t, size_t>;

Object::Object() = default;
Object::Object(Object &&other) noexcept = default;
Object &Object::operator=(Object &&other) noexcept = default;
Object::~Object() = default;

Object::Object(const Object &other) : members(other.members) {
  if (other.index)
    index = std::make_unique<IndexMap>(*other.index);
}

Object &Object::operator=(const Object &other) {
  if (this != &other) {
    Object copy(other);
    *this = std::move(copy);
  }
  return *this;
}

ptrdiff_t Object::indexOf(std::string_view key) const {
  if (index) {
    auto range = index->equal_range(hashKey(key));
    for (auto it = range.first; it != range.second; ++it)
      if (members[it->second].key == key)
        return static_cast<ptrdiff_t>(it->second);
    return -1;
  }
  for (size_t i = 0, e = members.size(); i != e; ++i)
    if (members[i].key == key)
      return static_cast<ptrdiff_t>(i);
  return -1;
}

const Value *Object::find(std::string_view key) const {
  ptrdiff_t i = indexOf(key);
  return i < 0 ? nullptr : &members[i].value;
}

Value *Object::find(std::string_view key) {
  ptrdiff_t i = indexOf(key);
  return i < 0 ? nullptr : &members[i].value;
}

bool Object::insert(std::string key, Value value) {
  if (indexOf(key) >= 0)
    return false;
  if (!index && members.size() >= kIndexThreshold) {
    index = std::make_unique<IndexMap>();
    for (size_t i = 0, e = members.size(); i != e; ++i)
      index->emplace(hashKey(members[i].key), i);
  }
  if (index)
    index->emplace(hashKey(key), members.size());
  members.push_back(Member{std::move(key), std::move(value)});
  return true;
}

//===----------------------------------------------------------------------===//
// Value
//===----------------------------------------------------------------------===//

bool Value::getBool() const {
  assert(isBool() && "not a bool");
  return std::get<bool>(storage);
}

int64_t Value::getInt() const {
  assert(isInt() && "not an int");
  return std::get<int64_t>(storage);
}

double Value::getNumber() const {
  assert(isNumber() && "not a number");
  if (isInt())
    return static_cast<double>(std::get<int64_t>(storage));
  return std::get<double>(storage);
}

const std::string &Value::getString() const {
  assert(isString() && "not a string");
  return std::get<std::string>(storage);
}

const Value::ArrayType &Value::getArray() const {
  assert(isArray() && "not an array");
  return std::get<ArrayType>(storage);
}

Value::ArrayType &Value::getArray() {
  assert(isArray() && "not an array");
  return std::get<ArrayType>(storage);
}

const Object &Value::getObject() const {
  assert(isObject() && "not an object");
  return std::get<Object>(storage);
}

Object &Value::getObject() {
  assert(isObject() && "not an object");
  return std::get<Object>(storage);
}

const Value *Value::find(std::string_view key) const {
  return isObject() ? getObject().find(key) : nullptr;
}

bool Value::operator==(const Value &other) const {
  if (kind() != other.kind())
    return false;
  switch (kind()) {
  case Kind::Null:
    return true;
  case Kind::Bool:
    return getBool() == other.getBool();
  case Kind::Int:
    return getInt() == other.getInt();
  case Kind::Double:
    return std::get<double>(storage) == std::get<double>(other.storage);
  case Kind::String:
    return getString() == other.getString();
  case Kind::Array:
    return getArray() == other.getArray();
  case Kind::Object: {
    // Member order does not matter in JSON; keys are unique on both sides.
    const Object &a = getObject(), &b = other.getObject();
    if (a.size() != b.size())
      return false;
    for (const Member &m : a) {
      const Value *v = b.find(m.key);
      if (!v || *v != m.value)
        return false;
    }
    return true;
  }
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

namespace {

void serializeInto(const Value &value, std::string &out) {
  switch (value.kind()) {
  case Value::Kind::Null:
    out += "null";
    return;
  case Value::Kind::Bool:
    out += value.getBool() ? "true" : "false";
    return;
  case Value::Kind::Int:
    out += std::to_string(value.getInt());
    return;
  case Value::Kind::Double: {
    double d = value.getNumber();
    if (!std::isfinite(d)) {
      out += "null";
      return;
    }
    char buf[32];
    auto result = std::to_chars(buf, buf + sizeof(buf), d);
    std::string_view s(buf, result.ptr - buf);
    out += s;
    // Keep it a double when read back: "1" would come back as an int.
    if (s.find_first_of(".e") == std::string_view::npos)
      out += ".0";
    return;
  }
  case Value::Kind::String:
    out += quote(value.getString());
    return;
  case Value::Kind::Array: {
    out += '[';
    bool first = true;
    for (const Value &item : value.getArray()) {
      if (!first)
        out += ',';
      first = false;
      serializeInto(item, out);
    }
    out += ']';
    return;
  }
  case Value::Kind::Object: {
    out += '{';
    bool first = true;
    for (const Member &m : value.getObject()) {
      if (!first)
        out += ',';
      first = false;
      out += quote(m.key);
      out += ':';
      serializeInto(m.value, out);
    }
    out += '}';
    return;
  }
  }
}

} // namespace

std::string serialize(const Value &value) {
  std::string out;
  serializeInto(value, out);
  return out;
}

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20) {
        static const char hex[] = "0123456789abcdef";
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += ch;
      }
    }
  }
  out += '"';
  return out;
}

} // namespace seqrt::json
