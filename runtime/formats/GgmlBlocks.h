//===- GgmlBlocks.h - ggml's tensor types as seqc reads them ----*- C++ -*-===//
//
// A GGUF tensor's type is one of ggml's: plain elements (F32, F16, BF16,
// ...) or blocks of 32 or 256 values packed with their scales (Q8_0, Q4_K,
// IQ4_XS, ...). Every block format seqc reads is exactly a block-quantized
// `seq.linear` weight (docs/dialect.md): 8- or 4-bit values, blocks of 16
// or 32 along the row, f16 or f32 scales, and offsets for the affine ones.
// K-quants' 6-bit sub-block scales multiply into f32 scales as ggml does
// (d · sc in f32, exact), and IQ4's non-linear grid is its 8-bit values.
// So a GGUF model computes with the numbers llama.cpp dequantizes to.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_FORMATS_GGMLBLOCKS_H
#define SEQC_RUNTIME_FORMATS_GGMLBLOCKS_H

#include "SafeTensors.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace seqrt::ggml {

/// What a ggml type number is.
struct TypeInfo {
  const char *name;
  /// Elements per block (1 for plain types) and bytes per block.
  uint32_t blockElements, blockBytes;
  /// Plain element types: their DType; block types: nullopt.
  std::optional<DType> plain;
  /// Block types seqc reads (decodeRow); others are refused by name.
  bool readable;
};

/// The type with number `type`, or null for a number ggml does not define.
const TypeInfo *typeInfo(uint32_t type);

/// The names of the block types seqc reads, for messages.
std::string readableBlockTypes();

/// How a readable block type is laid out as a seq.linear weight.
struct BlockForm {
  /// 8: one i8 value per element; 4: two per byte, element 2i in the low
  /// nibble of byte i, read unsigned (affine) or minus 8 (symmetric).
  int bits;
  /// Elements per scale.
  int64_t block;
  /// F16 or F32.
  DType scaleType;
  /// Values are q · scale + offset (offsets of scaleType) rather than
  /// q · scale.
  bool affine;
};

/// The form of readable block type `type`.
BlockForm blockForm(uint32_t type);

/// Decodes one row of `cols` elements (a multiple of the type's block) of
/// readable block type `type` from `src` into the row's values (cols bytes,
/// or cols / 2 for 4 bits), scales and offsets (cols / form.block each, of
/// form.scaleType). Any output may be null.
void decodeRow(uint32_t type, const uint8_t *src, size_t cols, void *values,
               void *scales, void *offsets);

/// Dequantizes one row to f32 (what ggml's to_float gives).
void dequantizeRow(uint32_t type, const uint8_t *src, size_t cols, float *out);

} // namespace seqrt::ggml

#endif // SEQC_RUNTIME_FORMATS_GGMLBLOCKS_H
