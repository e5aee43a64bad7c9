//===- AttentionTileVisibility.h - which keys of a tile are visible -------===//
//
// Bounds the mask algebra of seq.attention over a rectangle of query
// positions [qa, qb] × key positions [ja, jb]: `any` is false only when no
// key of the tile is visible to any query (the tile is skipped), `all` is
// true only when every pair is visible (the per-element mask is skipped).
// Both are conservative: an unknown term (mask_mod, a block layout seen
// only at run time) gives any = true, all = false.
//
// Written once over an arithmetic policy `Ops` so the same rules produce
// the compile-time block map (int64_t, `seq-sparsify-attention`) and the
// run-time classification emitted into the flash kernel (index Values).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_PASSES_ANALYSIS_ATTENTIONTILEVISIBILITY_H
#define SEQC_PASSES_ANALYSIS_ATTENTIONTILEVISIBILITY_H

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

namespace seqc::lowering {

/// The mask attributes of one seq.attention op.
struct MaskTerms {
  bool causal = false;
  std::optional<int64_t> window, dilationRate, dilationSegment, globalTokens;
  bool hasBlockLayout = false;
  bool hasMaskMod = false;
  /// Ring cache: key slots are not positions, nothing is known per tile.
  bool ringKeys = false;
};

/// Policy requirements: `Int`, `Bool`, `constant(int64_t)`, `constant(bool)`,
/// `add`, `sub`, `div` (non-negative operands), `lt`, `le`, `eq`, `both`,
/// `either`, and `blockLayout(qa, qb, ja, jb) -> std::pair<Bool, Bool>`
/// (any, all).
template <typename Ops> struct TileVisibility {
  using Int = typename Ops::Int;
  using Bool = typename Ops::Bool;
  struct Bounds {
    Bool any, all;
  };

  static Bounds compute(Ops &o, const MaskTerms &m, Int qa, Int qb, Int ja,
                        Int jb) {
    auto conj = [&](Bounds x, Bounds y) {
      return Bounds{o.both(x.any, y.any), o.both(x.all, y.all)};
    };
    auto disj = [&](Bounds x, Bounds y) {
      return Bounds{o.either(x.any, y.any), o.either(x.all, y.all)};
    };
    Bounds always{o.constant(true), o.constant(true)};
    Bounds unknown{o.constant(true), o.constant(false)};
    if (m.ringKeys)
      return unknown;

    Bounds local = always;
    if (m.window) {
      Int w = o.constant(*m.window);
      // i - j < w over the rectangle: all at (qb, ja), any at (qa, jb).
      Bounds near{o.lt(o.sub(qa, jb), w), o.lt(o.sub(qb, ja), w)};
      if (!m.causal)
        near =
            conj(near, Bounds{o.lt(o.sub(ja, qb), w), o.lt(o.sub(jb, qa), w)});
      local = conj(local, near);
    }
    if (m.dilationRate) {
      Int s = o.constant(*m.dilationSegment);
      Int qsa = o.div(qa, s), qsb = o.div(qb, s);
      Int jsa = o.div(ja, s), jsb = o.div(jb, s);
      // Some pair shares a segment unless the segment ranges are disjoint;
      // every pair does only for rate 1 within a single segment.
      Bool overlap = o.both(o.le(qsa, jsb), o.le(jsa, qsb));
      Bool single = o.constant(false);
      if (*m.dilationRate == 1)
        single = o.both(o.both(o.eq(qsa, qsb), o.eq(jsa, jsb)), o.eq(qsa, jsa));
      local = conj(local, Bounds{overlap, single});
    }
    if (m.hasBlockLayout) {
      auto [any, all] = o.blockLayout(qa, qb, ja, jb);
      local = conj(local, Bounds{any, all});
    }
    if (m.globalTokens) {
      Int g = o.constant(*m.globalTokens);
      Bounds global{o.either(o.lt(qa, g), o.lt(ja, g)),
                    o.either(o.lt(qb, g), o.lt(jb, g))};
      local = disj(local, global);
    }
    Bounds visible = local;
    if (m.causal)
      visible = conj(visible, Bounds{o.le(ja, qb), o.le(jb, qa)});
    if (m.hasMaskMod)
      visible = conj(visible, unknown);
    return visible;
  }
};

/// Tile kinds stored in a `seq.tile_map`.
enum class TileKind : int8_t { Skip = 0, Partial = 1, Full = 2 };

// seq-sparsify-attention records the tile sizes [query positions, keys]
// and the [query tiles, key tiles] map of TileKind (i8) the flash lowering
// follows as seq.tile_sizes and seq.tile_map (SeqBase.td).

/// The vector flash kernel's tiles: `queryTile` positions (0: about 64
/// query rows of the group, at most Sq when static), keys a multiple of 16
/// up to 256.
inline std::pair<int64_t, int64_t>
flashTileSizes(int64_t group, int64_t staticQueries, bool queriesStatic,
               int64_t queryTile, int64_t keyTile) {
  int64_t tq = queryTile > 0 ? queryTile
                             : std::max<int64_t>(1, (64 + group - 1) / group);
  if (queriesStatic)
    tq = std::max<int64_t>(1, std::min(tq, staticQueries));
  int64_t tk =
      std::min<int64_t>(256, (std::max<int64_t>(keyTile, 1) + 15) / 16 * 16);
  return {tq, tk};
}

} // namespace seqc::lowering

#endif // SEQC_PASSES_ANALYSIS_ATTENTIONTILEVISIBILITY_H
