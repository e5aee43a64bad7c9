//===- JsonReader.cpp - JSON text to the runtime's DOM via nlohmann -------===//
//
// Lexing and grammar are nlohmann/json's (Debian's nlohmann-json3-dev), driven
// through its SAX interface: its own DOM lets a duplicate key silently replace
// the first, builds no index for big objects and has no depth limit, while the
// SAX parser is iterative (no recursion to overflow), validates UTF-8 and
// reports the byte where it stopped. This file adds what the runtime needs on
// top: duplicate keys and nesting past kMaxDepth are errors, and every error
// reads "line:column: message", short and printable whatever the input held.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace seqrt::json {

namespace {

using Sax = nlohmann::json_sax<nlohmann::json>;

/// Error messages quote input (a key, nlohmann's "last read" token); this
/// many bytes of message are kept, so a 100 MB unterminated string gives a
/// one-line error.
constexpr size_t kMaxMessageBytes = 200;

/// A `const char *` that also publishes how far the lexer has read, so the
/// handler can locate keys and brackets (nlohmann's SAX callbacks carry no
/// position; only its error callback does). nlohmann reads each structural
/// token and string without lookahead, so after `key()`, `start_object()` or
/// `start_array()` the cursor sits just past that token.
struct CountingIterator {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char *;
  using reference = const char &;

  const char *at;
  const char **cursor;

  reference operator*() const { return *at; }
  CountingIterator &operator++() {
    *cursor = ++at;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator &other) const {
    return at == other.at;
  }
  bool operator!=(const CountingIterator &other) const {
    return at != other.at;
  }
};

/// `message` with bytes outside printable ASCII written as \xNN, cut to
/// kMaxMessageBytes.
std::string printable(std::string_view message) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : message) {
    if (out.size() >= kMaxMessageBytes) {
      out += "...";
      break;
    }
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    }
  }
  return out;
}

/// "line:column" (1-based, columns in bytes) of byte `offset` of `text`.
std::string location(std::string_view text, size_t offset) {
  if (offset > text.size())
    offset = text.size();
  size_t line = 1, lineStart = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') {
      ++line;
      lineStart = i + 1;
    }
  return std::to_string(line) + ":" + std::to_string(offset - lineStart + 1);
}

/// nlohmann's exception text without its "[json.exception.parse_error.101]
/// parse error at line L, column C: " prefix (the position is recomputed from
/// the byte offset, which nlohmann reports as "column 0" after a newline) and
/// without the "syntax error while parsing value - " it puts on most errors.
std::string_view describe(std::string_view what) {
  if (what.substr(0, 1) == "[") {
    size_t close = what.find("] ");
    if (close != std::string_view::npos)
      what.remove_prefix(close + 2);
  }
  constexpr std::string_view at = "parse error at line ";
  if (what.substr(0, at.size()) == at) {
    size_t colon = what.find(": ");
    if (colon != std::string_view::npos)
      what.remove_prefix(colon + 2);
  }
  constexpr std::string_view value = "syntax error while parsing value - ";
  if (what.substr(0, value.size()) == value)
    what.remove_prefix(value.size());
  return what;
}

/// Builds a Value tree from nlohmann's SAX events.
class DomBuilder : public Sax {
public:
  DomBuilder(std::string_view text, const char *const &cursor, Value &root)
      : text(text), cursor(cursor), root(root) {}

  const std::string &getError() const { return error; }
  /// Byte offset the error is reported at.
  size_t getErrorOffset() const { return errorOffset; }

  bool null() override { return add(Value()); }
  bool boolean(bool b) override { return add(Value(b)); }
  bool number_integer(number_integer_t i) override {
    return add(Value(static_cast<int64_t>(i)));
  }
  bool number_unsigned(number_unsigned_t u) override {
    // Past int64 the value stays exact only as a double's approximation;
    // the runtime's readers reject such sizes either way.
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return add(Value(static_cast<double>(u)));
    return add(Value(static_cast<int64_t>(u)));
  }
  bool number_float(number_float_t d, const string_t &) override {
    return add(Value(static_cast<double>(d)));
  }
  bool string(string_t &s) override { return add(Value(std::move(s))); }
  bool binary(binary_t &) override {
    // Only the binary formats (CBOR, MessagePack, ...) produce these.
    return fail(offset(), "binary values are not JSON");
  }

  bool start_object(std::size_t) override { return open(Value(Object())); }
  bool key(string_t &k) override {
    Object &object = open_.back()->getObject();
    if (object.find(k))
      return fail(keyStart(), "duplicate key " + quote(k) + " in an object");
    pendingKey = std::move(k);
    return true;
  }
  bool end_object() override {
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    return open(Value(Value::ArrayType()));
  }
  bool end_array() override {
    open_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string &,
                   const nlohmann::detail::exception &ex) override {
    // `position` counts the bytes read, the offending one included.
    return fail(position ? position - 1 : 0, describe(ex.what()));
  }

private:
  /// Offset of the last byte read.
  size_t offset() const {
    size_t read = static_cast<size_t>(cursor - text.data());
    return read ? read - 1 : 0;
  }

  /// Offset of the opening quote of the key just read: the last '"' before
  /// the closing one that is not escaped (not preceded by an odd number of
  /// backslashes). nlohmann has validated the string, so one exists.
  size_t keyStart() const {
    size_t close = offset();
    for (size_t i = close; i-- > 0;) {
      if (text[i] != '"')
        continue;
      size_t backslashes = 0;
      while (backslashes < i && text[i - 1 - backslashes] == '\\')
        ++backslashes;
      if (backslashes % 2 == 0)
        return i;
    }
    return close;
  }

  bool fail(size_t at, std::string_view message) {
    errorOffset = at;
    error = location(text, at) + ": " + printable(message);
    return false;
  }

  /// Places `value` in the innermost open container (or at the root) and
  /// returns where it now lives.
  Value *place(Value value) {
    if (open_.empty()) {
      root = std::move(value);
      return &root;
    }
    Value &parent = *open_.back();
    if (parent.isArray()) {
      parent.getArray().push_back(std::move(value));
      return &parent.getArray().back();
    }
    // `key` has checked that the key is new.
    Object &object = parent.getObject();
    object.insert(std::move(pendingKey), std::move(value));
    return object.find(object.getMembers().back().key);
  }

  bool add(Value value) {
    place(std::move(value));
    return true;
  }

  bool open(Value container) {
    if (open_.size() >= kMaxDepth)
      return fail(offset(), "nesting deeper than " + std::to_string(kMaxDepth) +
                                " levels");
    // Only the innermost container grows while it is open, so the pointers
    // to its ancestors stay valid.
    open_.push_back(place(std::move(container)));
    return true;
  }

  std::string_view text;
  const char *const &cursor;
  Value &root;
  std::vector<Value *> open_;
  std::string pendingKey;
  std::string error;
  size_t errorOffset = 0;
};

} // namespace

bool parse(std::string_view text, Value &out, std::string &error) {
  const char *cursor = text.data();
  CountingIterator first{text.data(), &cursor};
  CountingIterator last{text.data() + text.size(), &cursor};
  out = Value();
  DomBuilder builder(text, cursor, out);
  bool ok = nlohmann::json::sax_parse(first, last, &builder);
  // nlohmann's lexer takes a NUL byte outside a string for the end of the
  // input (C strings), so "{}\0garbage" would parse; JSON has no NUL there.
  size_t nul = text.find('\0');
  if (nul != std::string_view::npos &&
      (ok || (builder.getErrorOffset() == nul &&
              builder.getError().find("end of input") != std::string::npos))) {
    error = location(text, nul) + ": NUL byte outside a string";
    return false;
  }
  if (ok)
    return true;
  error = builder.getError();
  if (error.empty())
    error = location(text, 0) + ": malformed JSON";
  return false;
}

} // namespace seqrt::json
