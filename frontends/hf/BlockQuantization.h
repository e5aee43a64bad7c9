//===- BlockQuantization.h - weights in 8-bit blocks ------------*- C++ -*-===//
//
// Rounds f32 weights to the block formats seq.linear reads with `scales`,
// exactly as ggml's reference quantizers do, so that a model imported with
// --weights=q8_0 holds the numbers a llama.cpp Q8_0 file holds.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_FRONTENDS_HF_BLOCKQUANTIZATION_H
#define SEQC_FRONTENDS_HF_BLOCKQUANTIZATION_H

#include <cstddef>
#include <cstdint>

namespace seqc::hf {

/// Elements per block of Q8_0.
inline constexpr size_t kQ8_0Block = 32;

/// ggml's Q8_0 (quantize_row_q8_0_ref): per block of 32, d = max|x| / 127,
/// q = round(x / d) half away from zero (x · (1/d) in f32), d kept as f16
/// (nearest even). `n` must be a multiple of 32; writes n values and
/// n / 32 scales (f16 bits). Returns false, at the first block that has
/// one, when a value is not finite or a scale overflows f16.
bool quantizeQ8_0(const float *x, size_t n, int8_t *values, uint16_t *scales);

/// Elements per block of Q4_0.
inline constexpr size_t kQ4_0Block = 32;

/// ggml's Q4_0 (quantize_row_q4_0_ref): per block of 32, m = the value of
/// largest magnitude (the first such), d = m / -8, q = min(15, trunc(x ·
/// (1/d) + 8.5)) in 0..15 (the value is (q - 8) · d), d kept as f16.
/// Packed as seq.linear {bits = 4} reads it: byte i holds elements 2i (low
/// nibble) and 2i + 1 (high) — not ggml's in-block order. `n` must be a
/// multiple of 32; writes n / 2 bytes and n / 32 scales. Returns false like
/// quantizeQ8_0.
bool quantizeQ4_0(const float *x, size_t n, uint8_t *packed, uint16_t *scales);

/// ggml's Q4_1 (quantize_row_q4_1_ref) on blocks of `block` (32 in ggml;
/// --weights=q4_g128 uses 128): d = (max - min) / 15, q = min(15,
/// trunc((x - min) · (1/d) + 0.5)), the value q · d + min; d and min kept
/// as f16 (`scales`, `offsets`). Packed like quantizeQ4_0; `n` a multiple
/// of `block` (even).
bool quantizeQ4Affine(const float *x, size_t n, size_t block, uint8_t *packed,
                      uint16_t *scales, uint16_t *offsets);

/// Q4_1 itself: quantizeQ4Affine on blocks of 32.
inline bool quantizeQ4_1(const float *x, size_t n, uint8_t *packed,
                         uint16_t *scales, uint16_t *offsets) {
  return quantizeQ4Affine(x, n, 32, packed, scales, offsets);
}

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_BLOCKQUANTIZATION_H
