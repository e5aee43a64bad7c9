//===- LogSoftmax.cpp - the log-softmax of a logits row -------------------===//
//
// libm's expf is a call per element that compilers do not vectorise, about
// 0.3 ms per 58k-entry row: a beam search of 64 rows spent more time there
// than in the decoder. Here exp is Cephes' polynomial (within 2 ulp of the
// true exp on the range a log-softmax uses: x <= 0) in loops the compiler
// vectorises, built for AVX-512, AVX2 and baseline x86-64 and chosen at load
// (target_clones).
//
//===----------------------------------------------------------------------===//

#include "LogSoftmax.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace seqrt {
namespace {

#if defined(__x86_64__) && defined(__clang__)
#define SEQRT_VECTOR_CLONES                                                    \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SEQRT_VECTOR_CLONES
#endif

constexpr size_t kLanes = 16;

/// exp(x) for x <= 0 (Cephes expf): x = n·ln2 + r, |r| <= ln2/2, exp(r) by
/// a degree-7 polynomial, times 2^n; 0 below -87.
inline float expNonPositive(float x) {
  if (x < -87.0f)
    return 0.0f;
  float n = std::floor(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

SEQRT_VECTOR_CLONES
float maxOf(const float *row, size_t n) {
  float lanes[kLanes];
  for (size_t l = 0; l < kLanes; ++l)
    lanes[l] = -INFINITY;
  size_t full = n - n % kLanes;
  for (size_t i = 0; i < full; i += kLanes)
    for (size_t l = 0; l < kLanes; ++l)
      lanes[l] = row[i + l] > lanes[l] ? row[i + l] : lanes[l];
  float top = -INFINITY;
  for (size_t l = 0; l < kLanes; ++l)
    top = lanes[l] > top ? lanes[l] : top;
  for (size_t i = full; i < n; ++i)
    top = row[i] > top ? row[i] : top;
  return top;
}

/// Σ exp(row[i] - top), with `out` as scratch.
SEQRT_VECTOR_CLONES
double sumExp(const float *row, size_t n, float top, float *out) {
  for (size_t i = 0; i < n; ++i)
    out[i] = expNonPositive(row[i] - top);
  double lanes[kLanes] = {};
  size_t full = n - n % kLanes;
  for (size_t i = 0; i < full; i += kLanes)
    for (size_t l = 0; l < kLanes; ++l)
      lanes[l] += out[i + l];
  double sum = 0;
  for (size_t l = 0; l < kLanes; ++l)
    sum += lanes[l];
  for (size_t i = full; i < n; ++i)
    sum += out[i];
  return sum;
}

SEQRT_VECTOR_CLONES
void shift(const float *row, size_t n, float top, float logSum, float *out) {
  for (size_t i = 0; i < n; ++i)
    out[i] = (row[i] - top) - logSum;
}

} // namespace

void logSoftmax(const float *row, size_t n, float *out) {
  float top = maxOf(row, n);
  if (!std::isfinite(top)) { // every entry -inf (or a NaN, or +inf): as is
    for (size_t i = 0; i < n; ++i)
      out[i] = row[i] - top;
    return;
  }
  float logSum = static_cast<float>(std::log(sumExp(row, n, top, out)));
  shift(row, n, top, logSum, out);
}

} // namespace seqrt
