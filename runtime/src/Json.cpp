//===- Json.cpp - a small DOM JSON parser for the runtime -----------------===//
//
// A recursive-descent parser over a string_view. Recursion is bounded by
// kMaxDepth (two frames per nesting level), positions are byte offsets that
// become line:column only when an error is reported, and numbers go through
// std::from_chars so results do not depend on the C locale.
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
// Parser
//===----------------------------------------------------------------------===//

namespace {

class Parser {
public:
  explicit Parser(std::string_view text) : text(text) {}

  bool parseDocument(Value &out, std::string &error) {
    skipWhitespace();
    bool ok = parseValue(out, 0);
    if (ok) {
      skipWhitespace();
      if (pos != text.size())
        ok = fail(pos, "expected end of input after the JSON value");
    }
    if (!ok)
      error = location(errorPos) + ": " + errorMessage;
    return ok;
  }

private:
  bool atEnd() const { return pos >= text.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(text[pos]); }

  void skipWhitespace() {
    while (!atEnd()) {
      char c = text[pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return;
      ++pos;
    }
  }

  /// Records the first error; always returns false so callers can
  /// `return fail(...)`.
  bool fail(size_t at, std::string message) {
    errorPos = at;
    errorMessage = std::move(message);
    return false;
  }

  /// "line:column" of byte offset `at`, both 1-based.
  std::string location(size_t at) const {
    size_t line = 1, lineStart = 0;
    for (size_t i = 0; i < at && i < text.size(); ++i)
      if (text[i] == '\n') {
        ++line;
        lineStart = i + 1;
      }
    return std::to_string(line) + ":" + std::to_string(at - lineStart + 1);
  }

  /// A printable rendering of the byte at `pos` for messages.
  std::string describeHere() const {
    if (atEnd())
      return "end of input";
    unsigned char c = peek();
    if (c >= 0x20 && c < 0x7f)
      return std::string("'") + static_cast<char>(c) + "'";
    static const char hex[] = "0123456789ABCDEF";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
  }

  bool parseValue(Value &out, unsigned depth) {
    if (atEnd())
      return fail(pos, "expected a JSON value, found end of input");
    switch (peek()) {
    case '{':
      return parseObject(out, depth);
    case '[':
      return parseArray(out, depth);
    case '"': {
      std::string s;
      if (!parseString(s))
        return false;
      out = Value(std::move(s));
      return true;
    }
    case 't':
      return parseLiteral("true", Value(true), out);
    case 'f':
      return parseLiteral("false", Value(false), out);
    case 'n':
      return parseLiteral("null", Value(), out);
    default:
      if (peek() == '-' || (peek() >= '0' && peek() <= '9'))
        return parseNumber(out);
      return fail(pos, "expected a JSON value, found " + describeHere());
    }
  }

  bool parseLiteral(std::string_view word, Value value, Value &out) {
    if (text.substr(pos, word.size()) != word)
      return fail(pos, "expected '" + std::string(word) + "'");
    pos += word.size();
    out = std::move(value);
    return true;
  }

  bool isDigit() const { return !atEnd() && peek() >= '0' && peek() <= '9'; }

  bool parseNumber(Value &out) {
    size_t start = pos;
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos;
      if (!isDigit())
        return fail(pos, "expected a digit after '-'");
    }
    size_t intStart = pos;
    if (peek() == '0') {
      ++pos;
      if (isDigit())
        return fail(intStart, "leading zeros are not allowed in numbers");
    } else {
      while (isDigit())
        ++pos;
    }
    size_t intEnd = pos;
    bool integral = true;
    size_t fracStart = pos, fracEnd = pos;
    if (!atEnd() && peek() == '.') {
      integral = false;
      ++pos;
      if (!isDigit())
        return fail(pos, "expected a digit after '.'");
      fracStart = pos;
      while (isDigit())
        ++pos;
      fracEnd = pos;
    }
    int64_t exponent = 0;
    if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
      integral = false;
      ++pos;
      bool negExp = false;
      if (!atEnd() && (peek() == '+' || peek() == '-')) {
        negExp = peek() == '-';
        ++pos;
      }
      if (!isDigit())
        return fail(pos, "expected a digit in the exponent");
      while (isDigit()) {
        // Saturate: only the sign of a huge exponent matters below.
        if (exponent < 1000000)
          exponent = exponent * 10 + (peek() - '0');
        ++pos;
      }
      if (negExp)
        exponent = -exponent;
    }

    if (integral) {
      // Accumulate negatively so INT64_MIN is representable.
      int64_t value = 0;
      bool fits = true;
      for (size_t i = intStart; i < intEnd; ++i) {
        int digit = text[i] - '0';
        if (value < (std::numeric_limits<int64_t>::min() + digit) / 10) {
          fits = false;
          break;
        }
        value = value * 10 - digit;
      }
      if (fits && !negative && value == std::numeric_limits<int64_t>::min())
        fits = false;
      if (fits) {
        out = Value(negative ? value : -value);
        return true;
      }
    }

    double d = 0;
    const char *first = text.data() + start, *last = text.data() + pos;
    auto result = std::from_chars(first, last, d);
    if (result.ec == std::errc::result_out_of_range) {
      // from_chars leaves `d` alone on range errors; find out which way it
      // went from the decimal exponent of the first significant digit.
      int64_t e10 = exponent;
      size_t firstNonZero = intStart;
      while (firstNonZero < intEnd && text[firstNonZero] == '0')
        ++firstNonZero;
      if (firstNonZero < intEnd) {
        e10 += static_cast<int64_t>(intEnd - firstNonZero) - 1;
      } else {
        size_t k = fracStart;
        while (k < fracEnd && text[k] == '0')
          ++k;
        e10 -= static_cast<int64_t>(k - fracStart) + 1;
      }
      if (e10 >= 0)
        return fail(start, "number is too large for a double");
      d = negative ? -0.0 : 0.0;
    } else if (result.ec != std::errc() || result.ptr != last) {
      return fail(start, "invalid number");
    }
    out = Value(d);
    return true;
  }

  static void appendUtf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  /// Reads the 4 hex digits of a \u escape at `pos`.
  bool parseHex4(uint32_t &out) {
    out = 0;
    for (int i = 0; i < 4; ++i, ++pos) {
      if (atEnd())
        return fail(pos, "expected 4 hex digits after '\\u'");
      unsigned char c = peek();
      uint32_t digit;
      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if (c >= 'a' && c <= 'f')
        digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        digit = c - 'A' + 10;
      else
        return fail(pos, "expected 4 hex digits after '\\u', found " +
                             describeHere());
      out = out * 16 + digit;
    }
    return true;
  }

  /// The length of the valid UTF-8 sequence at `pos` (lead byte >= 0x80),
  /// or 0. Rejects overlong forms, surrogates and code points > U+10FFFF.
  size_t utf8SequenceLength() const {
    auto at = [&](size_t i) -> unsigned {
      return pos + i < text.size() ? static_cast<unsigned char>(text[pos + i])
                                   : 0;
    };
    auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
      unsigned c = at(i);
      return c >= lo && c <= hi;
    };
    unsigned c = at(0);
    if (c >= 0xC2 && c <= 0xDF)
      return cont(1) ? 2 : 0;
    if (c == 0xE0)
      return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
      return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED)
      return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (c == 0xF0)
      return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3)
      return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4)
      return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
  }

  bool parseString(std::string &out) {
    size_t open = pos;
    ++pos; // '"'
    while (true) {
      // Copy runs of plain ASCII in one go.
      size_t runStart = pos;
      while (!atEnd()) {
        unsigned char c = peek();
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
          break;
        ++pos;
      }
      out.append(text.data() + runStart, pos - runStart);
      if (atEnd())
        return fail(open, "unterminated string");
      unsigned char c = peek();
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c < 0x20) {
        static const char hex[] = "0123456789ABCDEF";
        return fail(pos, std::string("control character U+00") + hex[c >> 4] +
                             hex[c & 15] + " in a string must be escaped");
      }
      if (c >= 0x80) {
        size_t n = utf8SequenceLength();
        if (n == 0)
          return fail(pos, "invalid UTF-8 in a string");
        out.append(text.data() + pos, n);
        pos += n;
        continue;
      }
      // A backslash escape.
      size_t escape = pos;
      ++pos;
      if (atEnd())
        return fail(open, "unterminated string");
      char e = text[pos++];
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail(escape, "unpaired low surrogate in '\\u' escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // A high surrogate must be followed by an escaped low surrogate.
          if (text.substr(pos, 2) != "\\u")
            return fail(escape, "unpaired high surrogate in '\\u' escape; "
                                "expected a '\\u' low surrogate after it");
          size_t second = pos;
          pos += 2;
          uint32_t low;
          if (!parseHex4(low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return fail(second, "expected a low surrogate (\\uDC00-\\uDFFF) "
                                "after a high surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        pos = escape + 1;
        return fail(escape, "invalid escape in a string: '\\' followed by " +
                                describeHere() +
                                "; expected one of \" \\ / b f n r t u");
      }
    }
  }

  bool enter(unsigned depth) {
    if (depth >= kMaxDepth)
      return fail(pos, "nesting deeper than " + std::to_string(kMaxDepth) +
                           " levels");
    return true;
  }

  bool parseArray(Value &out, unsigned depth) {
    if (!enter(depth))
      return false;
    ++pos; // '['
    Value::ArrayType items;
    skipWhitespace();
    if (!atEnd() && peek() == ']') {
      ++pos;
      out = Value(std::move(items));
      return true;
    }
    while (true) {
      skipWhitespace();
      Value item;
      if (!parseValue(item, depth + 1))
        return false;
      items.push_back(std::move(item));
      skipWhitespace();
      if (atEnd())
        return fail(pos, "expected ',' or ']' after an array element, found "
                         "end of input");
      if (peek() == ',') {
        ++pos;
        continue;
      }
      if (peek() == ']') {
        ++pos;
        out = Value(std::move(items));
        return true;
      }
      return fail(pos, "expected ',' or ']' after an array element, found " +
                           describeHere());
    }
  }

  bool parseObject(Value &out, unsigned depth) {
    if (!enter(depth))
      return false;
    ++pos; // '{'
    Object object;
    skipWhitespace();
    if (!atEnd() && peek() == '}') {
      ++pos;
      out = Value(std::move(object));
      return true;
    }
    while (true) {
      skipWhitespace();
      if (atEnd() || peek() != '"')
        return fail(pos, "expected a string key in an object, found " +
                             describeHere());
      size_t keyPos = pos;
      std::string key;
      if (!parseString(key))
        return false;
      if (object.find(key))
        return fail(keyPos, "duplicate key " + quote(key) + " in an object");
      skipWhitespace();
      if (atEnd() || peek() != ':')
        return fail(pos, "expected ':' after an object key, found " +
                             describeHere());
      ++pos;
      skipWhitespace();
      Value value;
      if (!parseValue(value, depth + 1))
        return false;
      object.insert(std::move(key), std::move(value));
      skipWhitespace();
      if (atEnd())
        return fail(pos, "expected ',' or '}' after an object member, found "
                         "end of input");
      if (peek() == ',') {
        ++pos;
        continue;
      }
      if (peek() == '}') {
        ++pos;
        out = Value(std::move(object));
        return true;
      }
      return fail(pos, "expected ',' or '}' after an object member, found " +
                           describeHere());
    }
  }

  std::string_view text;
  size_t pos = 0;
  size_t errorPos = 0;
  std::string errorMessage;
};

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

bool parse(std::string_view text, Value &out, std::string &error) {
  return Parser(text).parseDocument(out, error);
}

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
