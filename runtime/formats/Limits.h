//===- Limits.h - bounds on what a model may ask of the runtime -*- C++ -*-===//
//
// Every size the runtime reads from outside (a model descriptor, a C API
// argument) is checked against these bounds and multiplied with overflow
// checks before anything is allocated or indexed. The compiler applies the
// same checks to the descriptor it emits (one validation for both).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_LIMITS_H
#define SEQC_RUNTIME_SRC_LIMITS_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace seqrt {

/// Entry arguments and weights: memref descriptors of at most this rank.
constexpr size_t kMaxRank = 8;
/// One dimension of any tensor.
constexpr int64_t kMaxDim = int64_t(1) << 40;
/// Bytes of one tensor (weights, state, inputs): 1 TiB.
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 40;
/// Session positions and tokens per call fit the i32 token ids' range.
constexpr int64_t kMaxPositions = INT32_MAX;
constexpr int64_t kMaxThreads = 4096;

/// a * b, or false when it overflows.
inline bool checkedMul(uint64_t a, uint64_t b, uint64_t &out) {
  return !__builtin_mul_overflow(a, b, &out);
}
inline bool checkedAdd(uint64_t a, uint64_t b, uint64_t &out) {
  return !__builtin_add_overflow(a, b, &out);
}

/// Whether `s` is well-formed UTF-8 without NUL bytes (names of weights,
/// states and entries cross the C ABI as C strings).
inline bool isCleanUtf8(const std::string &s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0)
      return false;
    size_t extra = c < 0x80           ? 0
                   : (c >> 5) == 0x6  ? 1
                   : (c >> 4) == 0xE  ? 2
                   : (c >> 3) == 0x1E ? 3
                                      : 4;
    if (extra == 4 || (extra > 0 && i + extra >= n))
      return false;
    uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2)
        return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    static const uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_LIMITS_H
