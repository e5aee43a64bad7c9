//===- Precompiled.cpp - SentencePiece's precompiled normalizer -----------===//

#include "tokenizer/Precompiled.h"

#include <unicode/brkiter.h>
#include <unicode/unistr.h>

namespace seqrt::tokenizer {
namespace {

Error invalid(const std::string &message) {
  return makeError(SEQ_ERROR_INVALID_MODEL,
                   "Precompiled normalizer: " + message);
}

/// Standard base64 (RFC 4648, with padding).
bool decodeBase64(std::string_view text, std::string &out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  uint32_t bits = 0;
  int count = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    int v = value(c);
    if (v < 0 || padding)
      return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      out.push_back(static_cast<char>(bits >> 16));
      out.push_back(static_cast<char>(bits >> 8));
      out.push_back(static_cast<char>(bits));
      bits = 0, count = 0;
    }
  }
  if (count == 2)
    out.push_back(static_cast<char>(bits >> 4));
  else if (count == 3)
    out.push_back(static_cast<char>(bits >> 10)),
        out.push_back(static_cast<char>(bits >> 2));
  else if (count == 1)
    return false;
  return padding <= 2;
}

// darts-clone's unit layout.
bool hasLeaf(uint32_t unit) { return (unit >> 8) & 1; }
uint32_t value(uint32_t unit) { return unit & ((1u << 31) - 1); }
uint32_t label(uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
uint32_t offset(uint32_t unit) {
  return (unit >> 10) << ((unit & (1u << 9)) >> 6);
}

} // namespace

Error Precompiled::parse(std::string_view base64,
                         std::unique_ptr<Precompiled> &out) {
  std::string blob;
  if (!decodeBase64(base64, blob))
    return invalid("precompiled_charsmap is not base64");
  if (blob.size() < 4)
    return invalid("precompiled_charsmap is too short");
  uint32_t trieBytes = 0;
  for (int i = 0; i < 4; ++i)
    trieBytes |= static_cast<uint32_t>(static_cast<unsigned char>(blob[i]))
                 << (8 * i);
  if (trieBytes % 4 || trieBytes > blob.size() - 4 || trieBytes == 0)
    return invalid("precompiled_charsmap's trie size " +
                   std::to_string(trieBytes) + " does not fit its " +
                   std::to_string(blob.size()) + " bytes");
  auto map = std::unique_ptr<Precompiled>(new Precompiled());
  map->units.resize(trieBytes / 4);
  for (size_t u = 0; u < map->units.size(); ++u) {
    uint32_t unit = 0;
    for (int i = 0; i < 4; ++i)
      unit |=
          static_cast<uint32_t>(static_cast<unsigned char>(blob[4 + 4 * u + i]))
          << (8 * i);
    map->units[u] = unit;
  }
  map->normalized = blob.substr(4 + trieBytes);
  out = std::move(map);
  return Error::ok();
}

const char *Precompiled::transform(std::string_view chunk,
                                   size_t &length) const {
  // The first (shortest) key that is a prefix of the chunk.
  size_t node = offset(units[0]);
  for (char ch : chunk) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0)
      return nullptr;
    node ^= c;
    if (node >= units.size())
      return nullptr;
    uint32_t unit = units[node];
    if (label(unit) != c)
      return nullptr;
    node ^= offset(unit);
    if (node >= units.size())
      return nullptr;
    if (hasLeaf(unit)) {
      size_t index = value(units[node]);
      if (index >= normalized.size())
        return nullptr;
      length = normalized.find('\0', index);
      length =
          (length == std::string::npos ? normalized.size() : length) - index;
      return normalized.data() + index;
    }
  }
  return nullptr;
}

Error Precompiled::apply(std::string_view text, std::string &out) const {
  out.clear();
  // A break iterator is costly to create and not shareable: one per thread.
  static thread_local std::unique_ptr<icu::BreakIterator> graphemes;
  if (!graphemes) {
    UErrorCode status = U_ZERO_ERROR;
    graphemes.reset(icu::BreakIterator::createCharacterInstance(
        icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !graphemes) {
      graphemes.reset();
      return makeError(SEQ_ERROR_INTERNAL,
                       std::string("ICU grapheme breaks: ") +
                           u_errorName(status));
    }
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  graphemes->setText(u);
  // Grapheme bounds come in UTF-16 units; walk the UTF-8 text alongside.
  size_t byte = 0;
  int32_t unit = 0;
  auto advance = [&](int32_t to) {
    size_t start = byte;
    while (unit < to) {
      UChar32 c = u.char32At(unit);
      unit += U16_LENGTH(c);
      byte += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }
    return text.substr(start, byte - start);
  };
  graphemes->first();
  for (int32_t end = graphemes->next(); end != icu::BreakIterator::DONE;
       end = graphemes->next()) {
    std::string_view grapheme = advance(end);
    size_t length = 0;
    if (grapheme.size() < 6)
      if (const char *norm = transform(grapheme, length)) {
        out.append(norm, length);
        continue;
      }
    for (size_t at = 0; at < grapheme.size();) {
      size_t n = 1;
      auto b = static_cast<unsigned char>(grapheme[at]);
      n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      std::string_view c = grapheme.substr(at, n);
      if (const char *norm = transform(c, length))
        out.append(norm, length);
      else
        out.append(c);
      at += n;
    }
  }
  return Error::ok();
}

} // namespace seqrt::tokenizer
