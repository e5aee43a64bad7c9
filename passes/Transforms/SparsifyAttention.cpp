//===- SparsifyAttention.cpp - block maps for seq.attention ---------------===//
//
// For every seq.attention whose positions are known at compile time (static
// Sq and Skv, no kv_length operand), evaluates the mask algebra over the
// flash kernel's (query tile, key tile) grid and attaches the result:
//
//   seq.tile_sizes = array<i64: tq, tk>
//   seq.tile_map = dense<...> : tensor<QTxKTxi8>   // 0 skip, 1 mask, 2 full
//
// The flash lowering then skips the tiles marked 0 and the per-element mask
// on those marked 2; only mask_mod (opaque) and bias/score_mod (applied per
// element) keep tiles partial. Exact for block layouts, which the run-time
// bounds can only treat as partial.
//
//===----------------------------------------------------------------------===//

#include "passes/Analysis/AttentionTileVisibility.h"
#include "passes/Transforms/Passes.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace seqc {
#define GEN_PASS_DEF_SPARSIFYATTENTION
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

/// TileVisibility policy over known positions; block layouts are read
/// exactly.
struct ConstantOps {
  using Int = int64_t;
  using Bool = bool;
  std::optional<int64_t> blockSize;
  std::vector<bool> layout; ///< row-major [blocks, blocks]
  int64_t blocks = 0;

  int64_t constant(int64_t v) { return v; }
  bool constant(bool v) { return v; }
  int64_t add(int64_t x, int64_t y) { return x + y; }
  int64_t sub(int64_t x, int64_t y) { return x - y; }
  int64_t div(int64_t x, int64_t y) { return x / y; }
  bool lt(int64_t x, int64_t y) { return x < y; }
  bool le(int64_t x, int64_t y) { return x <= y; }
  bool eq(int64_t x, int64_t y) { return x == y; }
  bool both(bool x, bool y) { return x && y; }
  bool either(bool x, bool y) { return x || y; }
  std::pair<bool, bool> blockLayout(int64_t qa, int64_t qb, int64_t ja,
                                    int64_t jb) {
    bool any = false, all = true;
    for (int64_t qblk = qa / *blockSize; qblk <= qb / *blockSize; ++qblk)
      for (int64_t kblk = ja / *blockSize; kblk <= jb / *blockSize; ++kblk) {
        bool bit =
            qblk < blocks && kblk < blocks && layout[qblk * blocks + kblk];
        any |= bit;
        all &= bit;
      }
    return {any, all};
  }
};

struct SparsifyAttentionPass
    : seqc::impl::SparsifyAttentionBase<SparsifyAttentionPass> {
  using SparsifyAttentionBase::SparsifyAttentionBase;

  void runOnOperation() override {
    if (queryTile < 0 || keyTile < 1) {
      getOperation()->emitError("seq-sparsify-attention: key-tile must be >= "
                                "1 and query-tile >= 0 (0: automatic)");
      return signalPassFailure();
    }
    getOperation()->walk([&](seq::AttentionOp op) { annotate(op); });
  }

  void annotate(seq::AttentionOp op) {
    auto q = cast<RankedTensorType>(op.getQuery().getType());
    auto k = cast<RankedTensorType>(op.getKey().getType());
    int64_t sq = q.getDimSize(1), skv = k.getDimSize(1);
    int64_t hq = q.getDimSize(2), hkv = k.getDimSize(2);
    // Positions depend on run-time values: the lowering's bounds decide.
    if (op.getKvLength() || op.getRing() || ShapedType::isDynamic(sq) ||
        ShapedType::isDynamic(skv) || ShapedType::isDynamic(hq) ||
        ShapedType::isDynamic(hkv) || sq == 0 || skv == 0)
      return;
    auto [tq, tk] = flashTileSizes(hq / hkv, sq, /*queriesStatic=*/true,
                                   queryTile, keyTile);
    MaskTerms terms;
    terms.causal = op.getCausal();
    terms.window = op.getSlidingWindow();
    terms.dilationRate = op.getDilationRate();
    terms.dilationSegment = op.getDilationSegment();
    terms.globalTokens = op.getGlobalTokens();
    terms.hasMaskMod = !op.getMaskMod().empty();
    ConstantOps ops;
    if (std::optional<DenseIntElementsAttr> layout = op.getBlockLayout()) {
      terms.hasBlockLayout = true;
      ops.blockSize = op.getBlockSize();
      ops.blocks = cast<ShapedType>(layout->getType()).getDimSize(0);
      for (APInt bit : layout->getValues<APInt>())
        ops.layout.push_back(!bit.isZero());
    }
    // bias and score_mod apply per element: no tile is mask-free.
    bool perElement = op.getBias() || !op.getScoreMod().empty();
    int64_t qTiles = (sq + tq - 1) / tq, kTiles = (skv + tk - 1) / tk;
    int64_t qBase = skv - sq; // queries are the last Sq positions
    SmallVector<int8_t> kinds;
    for (int64_t it = 0; it < qTiles; ++it)
      for (int64_t jt = 0; jt < kTiles; ++jt) {
        int64_t qa = qBase + it * tq;
        int64_t qb = qBase + std::min(sq, (it + 1) * tq) - 1;
        int64_t ja = jt * tk, jb = std::min(skv, (jt + 1) * tk) - 1;
        auto bounds =
            TileVisibility<ConstantOps>::compute(ops, terms, qa, qb, ja, jb);
        TileKind kind = !bounds.any                 ? TileKind::Skip
                        : bounds.all && !perElement ? TileKind::Full
                                                    : TileKind::Partial;
        kinds.push_back(static_cast<int8_t>(kind));
      }
    Builder b(op.getContext());
    auto type = RankedTensorType::get({qTiles, kTiles}, b.getIntegerType(8));
    op->setAttr(seqc::seq::SeqDialect::TileSizesAttrHelper::getNameStr(),
                b.getDenseI64ArrayAttr({tq, tk}));
    op->setAttr(seqc::seq::SeqDialect::TileMapAttrHelper::getNameStr(),
                DenseIntElementsAttr::get(type, ArrayRef<int8_t>(kinds)));
  }
};

} // namespace
