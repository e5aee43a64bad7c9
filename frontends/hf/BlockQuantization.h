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

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_BLOCKQUANTIZATION_H
