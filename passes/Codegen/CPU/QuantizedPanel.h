//===- QuantizedPanel.h - one panel of a block-quantized weight -*- C++ -*-===//
//
// What the CPU's block-quantized projection kernels (vector FMAs in
// VectorQuantizedMatmul.cpp, AMX tiles in AmxQuantizedMatmul.cpp) know of
// the panel they work on, and how its values are read.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CODEGEN_CPU_QUANTIZEDPANEL_H
#define SEQC_PASSES_CODEGEN_CPU_QUANTIZEDPANEL_H

#include "mlir/IR/Builders.h"

#include <utility>

namespace seqc::cpu {

/// One panel's view of a block-quantized weight: values [N/p, K, p] i8 (or
/// [N/p, K/2, p] bytes of two nibbles), scales and offsets [N/p, K/block, p].
struct QuantizedPanel {
  mlir::Value values, scales, offsets, panel; ///< offsets: null unless affine
  int64_t k, block, vectors;                  ///< vectors: p / 16
  bool nibbles;                               ///< 4-bit values, two per byte
};

/// Elements k and k+1 (k even) of vector j of the panel's columns, as f32:
/// two rows of i8 values, or the low and high nibbles of one row of bytes
/// (minus 8 when `offset`; without it the caller applies the offset).
std::pair<mlir::Value, mlir::Value>
elementPair(mlir::OpBuilder &b, mlir::Location loc, const QuantizedPanel &q,
            mlir::Value k, int64_t j, bool offset);

/// Whether the AMX kernel takes the panels (K and p multiples of 32).
bool amxTakesQuantizedPanels(const QuantizedPanel &q);

/// Whether the AMX kernel takes the panel's dequantized values as two bf16
/// terms (blocks not a multiple of 32, e.g. Q6_K's 16: a block's scale
/// cannot be applied between tile products of 32 k) rather than its
/// integer values with the block scales applied to the f32 tiles.
bool splitsWeights(const QuantizedPanel &q);

/// init [M, panels · p] + a [M, K] · Wᵀ on AMX bf16 tiles, M > 1, one task
/// per panel (AmxQuantizedMatmul.cpp); `shape` is any panel's view (its
/// `panel` unset).
mlir::Value amxMatmulQuantizedPanels(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::Value a, const QuantizedPanel &shape,
                                     int64_t panels, mlir::Value init);

/// init [M, panels · p] + a [M, K] · Wᵀ for W in bf16 panels [N/p, K, p]
/// (bf16 as stored: exact in the tiles) on AMX tiles, M > 1, or null where
/// it does not apply (static shapes, K and p multiples of 32, p <= 64).
mlir::Value amxMatmulBf16Panels(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value a, mlir::Value w, mlir::Value init);

} // namespace seqc::cpu

#endif // SEQC_PASSES_CODEGEN_CPU_QUANTIZEDPANEL_H
