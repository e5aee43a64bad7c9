//===- HalfFloats.h - bf16/f16 rounding for the kernel tests ----*- C++ -*-===//
//
// The kernel tests feed narrow (bf16/f16) tensors and compute their
// references on the same rounded values.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_E2E_HALFFLOATS_H
#define SEQC_TEST_E2E_HALFFLOATS_H

#include <cstdint>
#include <cstring>
#include <string>

namespace seqc::test {

/// `x` rounded to bf16 (nearest, ties to even), as its upper 16 bits.
inline uint16_t toBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

/// `x` rounded to IEEE half (the compiler's conversion), as its bits.
inline uint16_t toF16(float x) {
  _Float16 h = static_cast<_Float16>(x);
  uint16_t bits;
  std::memcpy(&bits, &h, sizeof bits);
  return bits;
}

/// The value of IEEE half bits `bits`.
inline float fromF16(uint16_t bits) {
  _Float16 h;
  std::memcpy(&h, &bits, sizeof h);
  return static_cast<float>(h);
}

/// `x` rounded to `dtype` ("bf16", "f16"; anything else leaves it).
inline float rounded(float x, const std::string &dtype) {
  if (dtype == "bf16") {
    uint32_t bits = uint32_t(toBf16(x)) << 16;
    std::memcpy(&x, &bits, sizeof x);
  } else if (dtype == "f16") {
    x = fromF16(toF16(x));
  }
  return x;
}

} // namespace seqc::test

#endif // SEQC_TEST_E2E_HALFFLOATS_H
