//===- ByteLevel.cpp - GPT-2's byte-to-character mapping ------------------===//

#include "tokenizer/ByteLevel.h"

#include "tokenizer/Utf8.h"

#include <array>

namespace seqrt::tokenizer {
namespace {

/// bytes_to_unicode: bytes 33-126, 161-172 and 174-255 are their own code
/// points; the other 68 take U+0100, U+0101, ... in byte order.
struct Tables {
  std::array<uint32_t, 256> charOf{};
  std::array<int, 0x200> byteOf{}; ///< -1 where no byte maps
  Tables() {
    byteOf.fill(-1);
    uint32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      bool self = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      charOf[b] = self ? static_cast<uint32_t>(b) : next++;
      byteOf[charOf[b]] = b;
    }
  }
};

const Tables &tables() {
  static const Tables t;
  return t;
}

} // namespace

std::string toByteLevel(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes)
    appendUtf8(out, tables().charOf[b]);
  return out;
}

std::string fromByteLevel(std::string_view token) {
  std::string out;
  for (size_t at = 0; at < token.size();) {
    uint32_t c = nextCodePoint(token, at);
    if (c >= tables().byteOf.size() || tables().byteOf[c] < 0)
      return std::string(token); // not a byte-level token: its own bytes
    out.push_back(static_cast<char>(tables().byteOf[c]));
  }
  return out;
}

} // namespace seqrt::tokenizer
