//===- ChunkedScan.h - the chunked SSD scan, shared by its users -*- C++
//-*-===//
//
// The chunked state-space-duality lowering as a builder, so that ops whose
// recurrence is an SSD (seq.ssd itself; linear attention with scalar gates)
// share one implementation.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CONVERSION_SEQTOLINALG_CHUNKEDSCAN_H
#define SEQC_PASSES_CONVERSION_SEQTOLINALG_CHUNKEDSCAN_H

#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"

#include <optional>
#include <utility>

namespace seqc::lowering {

/// Operands of h_t = exp(a_t) h_{t-1} + Δ_t x_t ⊗ B_t, y_t = h_t C_t (+ D x_t)
/// (· silu(z_t)) per (batch, head); shapes as seq.ssd's.
struct ChunkedScanOperands {
  mlir::Value x;  // [B, L, H, P]
  mlir::Value dt; // [B, L, H]
  /// [H]: Δ = dt (after bias, softplus, limit) and a = Δ·A. Null: Δ = 1 and
  /// a = dt, a per-step log decay.
  mlir::Value a;
  mlir::Value b, c;         // [B, L, G, N]
  mlir::Value d, z, dtBias; // optional
  mlir::Value initialState; // optional [B, H, P, N]
  bool dtSoftplus = false;
  std::optional<llvm::ArrayRef<float>> dtLimit;
};

/// Emits the scan; returns y [B, L, H, P] and the final state [B, H, P, N]
/// (types with static H, P, N), or failure when H, G, P or N is dynamic.
mlir::FailureOr<std::pair<mlir::Value, mlir::Value>>
emitChunkedScan(mlir::OpBuilder &builder, mlir::Location loc,
                const ChunkedScanOperands &operands, int64_t chunk,
                const Contractions &contractions);

} // namespace seqc::lowering

#endif // SEQC_PASSES_CONVERSION_SEQTOLINALG_CHUNKEDSCAN_H
