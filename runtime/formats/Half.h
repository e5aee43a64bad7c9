//===- Half.h - IEEE half and bfloat16 conversions --------------*- C++ -*-===//
//
// Bit-level conversions between float and the two 16-bit float formats that
// weights come in. Widening is exact for every input (subnormals, infinities,
// NaN payloads); narrowing rounds to nearest, ties to even, like hardware
// conversions (F16C, AVX512-BF16) and PyTorch do.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_HALF_H
#define SEQC_RUNTIME_SRC_HALF_H

#include <cstdint>
#include <cstring>

namespace seqrt {

/// The bits of `f`.
inline uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

/// The float with bits `bits`.
inline float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

/// IEEE 754 binary16 -> float. Exact.
inline float f16ToF32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  if (exponent == 0x1F) // Inf or NaN; the payload moves to the top bits.
    return floatFromBits(sign | 0x7F800000 | (mantissa << 13));
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    return floatFromBits(sign | floatBits(magnitude));
  }
  // Rebias the exponent from 15 to 127.
  return floatFromBits(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/// bfloat16 -> float. Exact: bf16 is the top half of a float.
inline float bf16ToF32(uint16_t b) {
  return floatFromBits(static_cast<uint32_t>(b) << 16);
}

/// float -> IEEE 754 binary16, rounding to nearest even. Overflow gives
/// infinity; NaN stays NaN (quieted, top payload bits kept).
inline uint16_t f32ToF16(float f) {
  uint32_t bits = floatBits(f);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000) // NaN
    return sign | 0x7E00 | static_cast<uint16_t>((magnitude >> 13) & 0x3FF);
  // 65520 (half-way between the largest half, 65504, and 2^16) and above
  // round to infinity.
  if (magnitude >= 0x477FF000)
    return sign | 0x7C00;
  if (magnitude < 0x38800000) {
    // Below the smallest normal half (2^-14): a subnormal in units of 2^-24.
    // Anything up to 2^-25 (half a unit, a tie that goes to even 0) is zero.
    if (magnitude <= 0x33000000)
      return sign;
    uint32_t exponent = magnitude >> 23; // 102..112
    uint32_t significand = (magnitude & 0x7FFFFF) | 0x800000;
    // value / 2^-24 = significand * 2^(exponent - 126).
    uint32_t shift = 126 - exponent; // 14..24
    uint32_t result = significand >> shift;
    uint32_t rest = significand & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rest > half || (rest == half && (result & 1)))
      ++result; // May carry into the smallest normal, 0x400: still right.
    return sign | static_cast<uint16_t>(result);
  }
  // Normal: rebias and round the 13 dropped mantissa bits. A carry out of
  // the mantissa correctly bumps the exponent.
  uint32_t result = ((magnitude >> 13) - (112u << 10));
  uint32_t rest = magnitude & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (result & 1)))
    ++result;
  return sign | static_cast<uint16_t>(result);
}

/// float -> bfloat16, rounding to nearest even. NaN stays NaN (quieted).
inline uint16_t f32ToBf16(float f) {
  uint32_t bits = floatBits(f);
  if ((bits & 0x7FFFFFFF) > 0x7F800000)
    return static_cast<uint16_t>((bits >> 16) | 0x0040);
  // Adding 0x7FFF plus the lowest kept bit rounds ties to even; a carry may
  // run into the exponent, which is the correct rounding (up to infinity).
  bits += 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_HALF_H
