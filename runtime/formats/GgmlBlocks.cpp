//===- GgmlBlocks.cpp - ggml's block formats as seq.linear weights --------===//
//
// Each readable block type decodes one block into integer values, one scale
// (and offset) per sub-block, as float; a common writer packs them into the
// seq.linear form. The bit layouts follow ggml-quants.c (and gguf-py's
// quants.py, which the tests compare against): within a block of 32, byte
// j holds elements j (low nibble) and j + 16 (high); K-quants interleave
// 64- or 128-element chunks as noted per format.
//
//===----------------------------------------------------------------------===//

#include "GgmlBlocks.h"

#include "Half.h"

#include <cstring>

namespace seqrt::ggml {

namespace {

constexpr uint32_t kQK_K = 256;

/// ggml's type numbers (ggml.h), those with a meaning here.
enum : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ4_NL = 20,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
};

struct Entry {
  uint32_t type;
  TypeInfo info;
};

const Entry kTypes[] = {
    {F32, {"F32", 1, 4, DType::F32, true}},
    {F16, {"F16", 1, 2, DType::F16, true}},
    {Q4_0, {"Q4_0", 32, 18, std::nullopt, true}},
    {Q4_1, {"Q4_1", 32, 20, std::nullopt, true}},
    {Q5_0, {"Q5_0", 32, 22, std::nullopt, true}},
    {Q5_1, {"Q5_1", 32, 24, std::nullopt, true}},
    {Q8_0, {"Q8_0", 32, 34, std::nullopt, true}},
    {Q8_1, {"Q8_1", 32, 40, std::nullopt, false}},
    {Q2_K, {"Q2_K", 256, 84, std::nullopt, true}},
    {Q3_K, {"Q3_K", 256, 110, std::nullopt, true}},
    {Q4_K, {"Q4_K", 256, 144, std::nullopt, true}},
    {Q5_K, {"Q5_K", 256, 176, std::nullopt, true}},
    {Q6_K, {"Q6_K", 256, 210, std::nullopt, true}},
    {Q8_K, {"Q8_K", 256, 292, std::nullopt, false}},
    {16, {"IQ2_XXS", 256, 66, std::nullopt, false}},
    {17, {"IQ2_XS", 256, 74, std::nullopt, false}},
    {18, {"IQ3_XXS", 256, 98, std::nullopt, false}},
    {19, {"IQ1_S", 256, 50, std::nullopt, false}},
    {IQ4_NL, {"IQ4_NL", 32, 18, std::nullopt, true}},
    {21, {"IQ3_S", 256, 110, std::nullopt, false}},
    {22, {"IQ2_S", 256, 82, std::nullopt, false}},
    {IQ4_XS, {"IQ4_XS", 256, 136, std::nullopt, true}},
    {I8, {"I8", 1, 1, DType::I8, true}},
    {I16, {"I16", 1, 2, DType::I16, true}},
    {I32, {"I32", 1, 4, DType::I32, true}},
    {I64, {"I64", 1, 8, DType::I64, true}},
    {F64, {"F64", 1, 8, DType::F64, true}},
    {29, {"IQ1_M", 256, 56, std::nullopt, false}},
    {BF16, {"BF16", 1, 2, DType::BF16, true}},
    {34, {"TQ1_0", 256, 54, std::nullopt, false}},
    {35, {"TQ2_0", 256, 66, std::nullopt, false}},
    {39, {"MXFP4", 32, 17, std::nullopt, false}},
};

/// IQ4_NL's and IQ4_XS's grid (ggml-common.h kvalues_iq4nl).
constexpr int8_t kIq4Grid[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                 1,    13,   25,  38,  53,  69,  89,  113};

float half(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return f16ToF32(h);
}

/// One decoded block: per element its integer (as the seq.linear form
/// stores it: signed for 8 bits, the nibble for 4), per sub-block its scale
/// and offset.
struct Block {
  int q[kQK_K];
  float scale[kQK_K / 16];
  float offset[kQK_K / 16];
};

/// Elements j and j + 16 of a 32-block from bytes `qs` (nibbles).
void nibbles32(const uint8_t *qs, int *q) {
  for (int j = 0; j < 16; ++j) {
    q[j] = qs[j] & 0xF;
    q[j + 16] = qs[j] >> 4;
  }
}

/// Q4_K's and Q5_K's 6-bit scale and min of sub-block `j` (get_scale_min_k4).
void scaleMinK4(int j, const uint8_t *s, int &sc, int &m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

void decodeBlock(uint32_t type, const uint8_t *b, Block &out) {
  switch (type) {
  case Q4_0:
    out.scale[0] = half(b);
    nibbles32(b + 2, out.q);
    return;
  case Q4_1:
    out.scale[0] = half(b);
    out.offset[0] = half(b + 2);
    nibbles32(b + 4, out.q);
    return;
  case Q5_0:
  case Q5_1: {
    bool affine = type == Q5_1;
    out.scale[0] = half(b);
    if (affine)
      out.offset[0] = half(b + 2);
    const uint8_t *qhBytes = b + (affine ? 4 : 2);
    uint32_t qh;
    std::memcpy(&qh, qhBytes, 4);
    nibbles32(qhBytes + 4, out.q);
    for (int j = 0; j < 32; ++j)
      out.q[j] = (out.q[j] | (((qh >> j) & 1) << 4)) - (affine ? 0 : 16);
    return;
  }
  case Q8_0:
    out.scale[0] = half(b);
    for (int j = 0; j < 32; ++j)
      out.q[j] = static_cast<int8_t>(b[2 + j]);
    return;
  case IQ4_NL:
    out.scale[0] = half(b);
    nibbles32(b + 2, out.q);
    for (int j = 0; j < 32; ++j)
      out.q[j] = kIq4Grid[out.q[j]];
    return;
  case Q2_K: {
    // scales[16] (low nibble: scale, high: min), qs[64], d, dmin. Element
    // h·128 + s·32 + l is bits 2s of qs[h·32 + l].
    const uint8_t *scales = b, *qs = b + 16;
    float d = half(b + 80), dmin = half(b + 82);
    for (int i = 0; i < 16; ++i) {
      out.scale[i] = d * static_cast<float>(scales[i] & 0xF);
      out.offset[i] = -(dmin * static_cast<float>(scales[i] >> 4));
    }
    for (int h = 0; h < 2; ++h)
      for (int s = 0; s < 4; ++s)
        for (int l = 0; l < 32; ++l)
          out.q[h * 128 + s * 32 + l] = (qs[h * 32 + l] >> (2 * s)) & 3;
    return;
  }
  case Q3_K: {
    // hmask[32], qs[64], scales[12] (6-bit, biased by 32), d. Element
    // h·128 + s·32 + l: low bits 2s of qs[h·32 + l], minus 4 unless bit
    // (h·4 + s) of hmask[l] is set. Stored as the nibble q + 8.
    const uint8_t *hmask = b, *qs = b + 32, *sc = b + 96;
    float d = half(b + 108);
    for (int i = 0; i < 16; ++i) {
      int low = (sc[i % 8] >> (4 * (i / 8))) & 0xF;
      int high = (sc[8 + i % 4] >> (2 * (i / 4))) & 3;
      out.scale[i] = d * static_cast<float>((low | (high << 4)) - 32);
    }
    for (int h = 0; h < 2; ++h)
      for (int s = 0; s < 4; ++s)
        for (int l = 0; l < 32; ++l) {
          int e = h * 128 + s * 32 + l;
          int q = (qs[h * 32 + l] >> (2 * s)) & 3;
          bool set = (hmask[l] >> (h * 4 + s)) & 1;
          out.q[e] = q - (set ? 0 : 4) + 8;
        }
    return;
  }
  case Q4_K:
  case Q5_K: {
    // d, dmin, scales[12], (Q5_K: qh[32]), qs[128]. Chunk c of 64 elements:
    // bytes qs[c·32 + l] hold elements c·64 + l (low) and c·64 + 32 + l
    // (high); Q5_K's fifth bit of element e is bit e / 32 of qh[e % 32].
    float d = half(b), dmin = half(b + 2);
    const uint8_t *scales = b + 4;
    bool five = type == Q5_K;
    const uint8_t *qh = b + 16, *qs = b + (five ? 48 : 16);
    for (int j = 0; j < 8; ++j) {
      int sc, m;
      scaleMinK4(j, scales, sc, m);
      out.scale[j] = d * static_cast<float>(sc);
      out.offset[j] = -(dmin * static_cast<float>(m));
    }
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l) {
        out.q[c * 64 + l] = qs[c * 32 + l] & 0xF;
        out.q[c * 64 + 32 + l] = qs[c * 32 + l] >> 4;
      }
    if (five)
      for (int e = 0; e < 256; ++e)
        out.q[e] |= ((qh[e % 32] >> (e / 32)) & 1) << 4;
    return;
  }
  case Q6_K: {
    // ql[128], qh[64], scales[16] (i8), d. Element h·128 + t·64 + l (l <
    // 64): nibble t of ql[h·64 + l]; its high two bits: bits 2s of
    // qh[h·32 + l'] for element h·128 + s·32 + l'. Minus 32.
    const uint8_t *ql = b, *qh = b + 128;
    const auto *sc = reinterpret_cast<const int8_t *>(b + 192);
    float d = half(b + 208);
    for (int i = 0; i < 16; ++i)
      out.scale[i] = d * static_cast<float>(sc[i]);
    for (int h = 0; h < 2; ++h) {
      for (int t = 0; t < 2; ++t)
        for (int l = 0; l < 64; ++l)
          out.q[h * 128 + t * 64 + l] = (ql[h * 64 + l] >> (4 * t)) & 0xF;
      for (int s = 0; s < 4; ++s)
        for (int l = 0; l < 32; ++l)
          out.q[h * 128 + s * 32 + l] |= ((qh[h * 32 + l] >> (2 * s)) & 3) << 4;
    }
    for (int e = 0; e < 256; ++e)
      out.q[e] -= 32;
    return;
  }
  case IQ4_XS: {
    // d, scales_h (u16), scales_l[4], qs[128]; sub-block j of 32: 6-bit
    // scale (low nibble j % 2 of scales_l[j / 2], high bits 2j of
    // scales_h) biased by 32, values as IQ4_NL.
    float d = half(b);
    uint16_t scalesHigh;
    std::memcpy(&scalesHigh, b + 2, 2);
    const uint8_t *scalesLow = b + 4, *qs = b + 8;
    for (int j = 0; j < 8; ++j) {
      int low = (scalesLow[j / 2] >> (4 * (j % 2))) & 0xF;
      int high = (scalesHigh >> (2 * j)) & 3;
      out.scale[j] = d * static_cast<float>((low | (high << 4)) - 32);
      nibbles32(qs + 16 * j, out.q + 32 * j);
      for (int l = 0; l < 32; ++l)
        out.q[32 * j + l] = kIq4Grid[out.q[32 * j + l]];
    }
    return;
  }
  default:
    return;
  }
}

} // namespace

const TypeInfo *typeInfo(uint32_t type) {
  for (const Entry &e : kTypes)
    if (e.type == type)
      return &e.info;
  return nullptr;
}

std::string readableBlockTypes() {
  std::string names;
  for (const Entry &e : kTypes)
    if (!e.info.plain && e.info.readable)
      names += (names.empty() ? "" : ", ") + std::string(e.info.name);
  return names;
}

BlockForm blockForm(uint32_t type) {
  switch (type) {
  case Q4_0:
    return {4, 32, DType::F16, false};
  case Q4_1:
    return {4, 32, DType::F16, true};
  case Q5_0:
  case Q8_0:
  case IQ4_NL:
    return {8, 32, DType::F16, false};
  case Q5_1:
    return {8, 32, DType::F16, true};
  case Q2_K:
    return {4, 16, DType::F32, true};
  case Q3_K:
    return {4, 16, DType::F32, false};
  case Q4_K:
    return {4, 32, DType::F32, true};
  case Q5_K:
    return {8, 32, DType::F32, true};
  case Q6_K:
    return {8, 16, DType::F32, false};
  case IQ4_XS:
    return {8, 32, DType::F32, false};
  default:
    return {8, 32, DType::F32, false};
  }
}

void decodeRow(uint32_t type, const uint8_t *src, size_t cols, void *values,
               void *scales, void *offsets) {
  const TypeInfo *info = typeInfo(type);
  BlockForm form = blockForm(type);
  size_t perBlock = info->blockElements;
  size_t subBlocks = perBlock / static_cast<size_t>(form.block);
  auto *v = static_cast<uint8_t *>(values);
  Block block;
  for (size_t k0 = 0; k0 < cols; k0 += perBlock) {
    decodeBlock(type, src + k0 / perBlock * info->blockBytes, block);
    if (v) {
      if (form.bits == 8)
        for (size_t j = 0; j < perBlock; ++j)
          v[k0 + j] = static_cast<uint8_t>(static_cast<int8_t>(block.q[j]));
      else
        for (size_t j = 0; j < perBlock; j += 2)
          v[(k0 + j) / 2] =
              static_cast<uint8_t>(block.q[j] | (block.q[j + 1] << 4));
    }
    auto write = [&](void *out, const float *from) {
      if (!out)
        return;
      size_t at = k0 / static_cast<size_t>(form.block);
      for (size_t i = 0; i < subBlocks; ++i) {
        if (form.scaleType == DType::F16) {
          uint16_t h = f32ToF16(from[i]);
          std::memcpy(static_cast<uint8_t *>(out) + 2 * (at + i), &h, 2);
        } else {
          std::memcpy(static_cast<uint8_t *>(out) + 4 * (at + i), &from[i], 4);
        }
      }
    };
    write(scales, block.scale);
    if (form.affine)
      write(offsets, block.offset);
  }
}

void dequantizeRow(uint32_t type, const uint8_t *src, size_t cols, float *out) {
  const TypeInfo *info = typeInfo(type);
  BlockForm form = blockForm(type);
  size_t perBlock = info->blockElements;
  Block block;
  for (size_t k0 = 0; k0 < cols; k0 += perBlock) {
    decodeBlock(type, src + k0 / perBlock * info->blockBytes, block);
    for (size_t j = 0; j < perBlock; ++j) {
      size_t i = j / static_cast<size_t>(form.block);
      float q = static_cast<float>(
          form.bits == 4 && !form.affine ? block.q[j] - 8 : block.q[j]);
      out[k0 + j] = form.affine ? q * block.scale[i] + block.offset[i]
                                : q * block.scale[i];
    }
  }
}

} // namespace seqrt::ggml
