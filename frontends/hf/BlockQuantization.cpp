//===- BlockQuantization.cpp - weights in 8-bit blocks --------------------===//

#include "frontends/hf/BlockQuantization.h"

#include "Half.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace seqc::hf {

bool quantizeQ8_0(const float *x, size_t n, int8_t *values, uint16_t *scales) {
  for (size_t block = 0; block < n / kQ8_0Block; ++block) {
    const float *in = x + block * kQ8_0Block;
    float amax = 0.0f;
    for (size_t j = 0; j < kQ8_0Block; ++j) {
      if (!std::isfinite(in[j]))
        return false;
      amax = std::fmax(amax, std::fabs(in[j]));
    }
    // The same f32 operations as ggml, in the same order.
    float d = amax / 127.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    scales[block] = seqrt::f32ToF16(d);
    if ((scales[block] & 0x7C00) == 0x7C00)
      return false;
    for (size_t j = 0; j < kQ8_0Block; ++j)
      values[block * kQ8_0Block + j] =
          static_cast<int8_t>(std::round(in[j] * id));
  }
  return true;
}

bool quantizeQ4_0(const float *x, size_t n, uint8_t *packed, uint16_t *scales) {
  for (size_t block = 0; block < n / kQ4_0Block; ++block) {
    const float *in = x + block * kQ4_0Block;
    float amax = 0.0f, max = 0.0f;
    for (size_t j = 0; j < kQ4_0Block; ++j) {
      if (!std::isfinite(in[j]))
        return false;
      if (amax < std::fabs(in[j])) {
        amax = std::fabs(in[j]);
        max = in[j];
      }
    }
    float d = max / -8.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    scales[block] = seqrt::f32ToF16(d);
    if ((scales[block] & 0x7C00) == 0x7C00)
      return false;
    for (size_t j = 0; j < kQ4_0Block; j += 2) {
      int q0 = std::min(
          15, static_cast<int>(static_cast<int8_t>(in[j] * id + 8.5f)));
      int q1 = std::min(
          15, static_cast<int>(static_cast<int8_t>(in[j + 1] * id + 8.5f)));
      packed[(block * kQ4_0Block + j) / 2] =
          static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
  return true;
}

bool quantizeQ4Affine(const float *x, size_t n, size_t size, uint8_t *packed,
                      uint16_t *scales, uint16_t *offsets) {
  for (size_t block = 0; block < n / size; ++block) {
    const float *in = x + block * size;
    float min = std::numeric_limits<float>::max(), max = -min;
    for (size_t j = 0; j < size; ++j) {
      if (!std::isfinite(in[j]))
        return false;
      min = std::min(min, in[j]);
      max = std::max(max, in[j]);
    }
    float d = (max - min) / 15.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    scales[block] = seqrt::f32ToF16(d);
    offsets[block] = seqrt::f32ToF16(min);
    if ((scales[block] & 0x7C00) == 0x7C00 ||
        (offsets[block] & 0x7C00) == 0x7C00)
      return false;
    for (size_t j = 0; j < size; j += 2) {
      int q0 = std::min(
          15, static_cast<int>(static_cast<int8_t>((in[j] - min) * id + 0.5f)));
      int q1 = std::min(15, static_cast<int>(static_cast<int8_t>(
                                (in[j + 1] - min) * id + 0.5f)));
      packed[(block * size + j) / 2] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
  return true;
}

} // namespace seqc::hf
