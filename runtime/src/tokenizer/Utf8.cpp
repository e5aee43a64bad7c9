//===- Utf8.cpp - UTF-8 encoding, decoding and repair ---------------------===//

#include "tokenizer/Utf8.h"

namespace seqrt::tokenizer {

void appendUtf8(std::string &out, uint32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

int validSequence(std::string_view s, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(at);
  if (b0 < 0x80)
    return 1;
  int length;
  unsigned char lo = 0x80, hi = 0xBF; // the second byte's range
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0)
      lo = 0xA0; // no overlong forms
    if (b0 == 0xED)
      hi = 0x9F; // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0)
      lo = 0x90;
    if (b0 == 0xF4)
      hi = 0x8F; // up to U+10FFFF
  } else {
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    if (at + i >= s.size())
      return -1;
    unsigned char b = byte(at + i);
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
      return 0;
  }
  return length;
}

uint32_t nextCodePoint(std::string_view s, size_t &at) {
  int length = validSequence(s, at);
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (length <= 0) {
    return byte(at++);
  }
  uint32_t c = length == 1   ? byte(at)
               : length == 2 ? byte(at) & 0x1F
               : length == 3 ? byte(at) & 0x0F
                             : byte(at) & 0x07;
  for (int i = 1; i < length; ++i)
    c = (c << 6) | (byte(at + i) & 0x3F);
  at += static_cast<size_t>(length);
  return c;
}

std::string repairUtf8(std::string_view bytes, bool keepTail, size_t *tail) {
  std::string out;
  out.reserve(bytes.size());
  if (tail)
    *tail = 0;
  size_t at = 0;
  while (at < bytes.size()) {
    int length = validSequence(bytes, at);
    if (length > 0) {
      out.append(bytes.substr(at, static_cast<size_t>(length)));
      at += static_cast<size_t>(length);
      continue;
    }
    if (length < 0 && keepTail) {
      if (tail)
        *tail = bytes.size() - at;
      break;
    }
    // The maximal subpart: the lead byte and the continuation bytes that
    // were valid so far form one replaced unit.
    size_t end = at + 1;
    while (end < bytes.size() && end - at < 4) {
      std::string_view probe = bytes.substr(at, end - at + 1);
      if (validSequence(probe, 0) != -1)
        break;
      ++end;
    }
    if (length < 0)
      end = bytes.size();
    appendUtf8(out, 0xFFFD);
    at = end;
  }
  return out;
}

void replaceAll(std::string &s, std::string_view from, std::string_view to) {
  size_t at = s.find(from);
  if (from.empty() || at == std::string::npos)
    return;
  std::string out;
  size_t last = 0;
  for (; at != std::string::npos; at = s.find(from, last)) {
    out.append(s, last, at - last);
    out += to;
    last = at + from.size();
  }
  out.append(s, last, std::string::npos);
  s.swap(out);
}

bool isValidUtf8(std::string_view s) {
  for (size_t at = 0; at < s.size();) {
    int length = validSequence(s, at);
    if (length <= 0)
      return false;
    at += static_cast<size_t>(length);
  }
  return true;
}

} // namespace seqrt::tokenizer
