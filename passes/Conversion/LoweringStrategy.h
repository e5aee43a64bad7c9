//===- LoweringStrategy.h - which kernel lowers each seq op ----*- C++ -*-===//
//
// The schedule half of the lowering: a target's strategy chooses, per op,
// the kernel and its tile sizes and records them as `seq.lowering =
// #seq.lowering<...>` (seq-select-lowering); the conversion patterns only
// read that attribute. The strategy also checks choices made by hand, so an
// override that does not fit the op's shapes or target is an error naming
// the op, not a failed legalization.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_CONVERSION_LOWERINGSTRATEGY_H
#define SEQC_PASSES_CONVERSION_LOWERINGSTRATEGY_H

#include "dialects/seq/IR/SeqAttrs.h"

#include "mlir/IR/Operation.h"

#include <string>

namespace seqc {

/// What a user may ask of the strategy (seq-select-lowering's options).
struct LoweringChoices {
  /// flash (the target's kernel where it applies, else the linalg flash
  /// form), flash-generic (the linalg form) or reference (scores
  /// materialised).
  std::string attention = "flash";
  /// Query positions per flash tile; 0: the target's choice.
  int64_t queryTile = 0;
  int64_t keyTile = 64;
  /// Key shares of the CPU flash kernel when one query tile covers a call.
  int64_t kvSplits = 8;
  /// tiled (kernels, channel tiles, chunks) or reference (step by step).
  std::string scan = "tiled";
  /// Channels per selective-scan tile; 0: the target's choice.
  int64_t channelTile = 0;
  /// Chunk length of chunked ssd and scalar-gated linear attention when the
  /// op sets no chunk_size (per-channel gates take 16).
  int64_t ssdChunk = 64;
  /// Time segments of the CPU selective scan (two-pass parallel prefix).
  int64_t scanSegments = 1;
};

/// Checks the string and size choices, reporting on `root` for `pass`.
mlir::LogicalResult verifyLoweringChoices(mlir::Operation *root,
                                          llvm::StringRef pass,
                                          const LoweringChoices &choices);

/// One target's strategy. The target-neutral one is the base; targets
/// override where they have kernels and defer to it for the rest.
class LoweringStrategy {
public:
  virtual ~LoweringStrategy() = default;

  /// "generic", "cpu" or "cuda": named in diagnostics.
  virtual llvm::StringRef target() const { return "generic"; }

  /// The lowering of `op` (seq::hasLoweringChoice(op)).
  virtual seq::LoweringAttr select(mlir::Operation *op,
                                   const LoweringChoices &choices) const;

  /// Success when `lowering` lowers `op` on this target; otherwise reports
  /// why on `op`.
  virtual mlir::LogicalResult check(mlir::Operation *op,
                                    seq::LoweringAttr lowering) const;
};

/// Gives every op under `root` that has a lowering choice and none set the
/// strategy's, then checks every op's (hand-set ones included).
mlir::LogicalResult annotateLowerings(mlir::Operation *root,
                                      const LoweringStrategy &strategy,
                                      const LoweringChoices &choices);

/// Whether `op` is lowered as `kernel` (what the patterns match on).
inline bool loweredAs(mlir::Operation *op, seq::LoweringKernel kernel) {
  seq::LoweringAttr lowering = seq::getLowering(op);
  return lowering && lowering.getKernel() == kernel;
}

} // namespace seqc

#endif // SEQC_PASSES_CONVERSION_LOWERINGSTRATEGY_H
