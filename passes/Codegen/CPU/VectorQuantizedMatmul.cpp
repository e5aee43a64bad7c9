//===- VectorQuantizedMatmul.cpp - x·Wᵀ with W in 8-bit blocks ------------===//
//
// Projections whose weight is block-quantized (seq.linear `scales`): i8
// values in panels [N/p, K, p] and scales [N/p, K/block, p], element
// [n, k] = values[n/p, k, n%p] · scales[n/p, k/block, n%p]; with 4-bit
// values ([N/p, K/2, p], bits = 4) byte [n/p, k/2, n%p] holds elements k
// (low nibble) and k+1 (high), each (nibble - 8). One task per panel, as
// for float panels (VectorMatmul.cpp):
//
//  - one row (decode, bound by the bytes of W streamed): per block, FMAs of
//    the broadcast input element with the panel's values converted to f32
//    in registers (vpmovsxbd + vcvtdq2ps; 4-bit: one vpmovzxbd, an and and
//    a shift give two rows) into block accumulators, then one FMA of those
//    with the block's p column scales — contiguous in the panel layout —
//    into the totals (4-bit: the -8 offset applied per block as -8 · Σx).
//    W is read once, prefetched 4 KB ahead.
//  - several rows (prefill, bound by the FMAs): each block of the panel
//    (up to [2048, p]) is dequantized into an f32 scratch once per task in
//    16-lane vectors and multiplied by the float panels' micro-kernel, so
//    the dequantization costs 1/M of the FMAs.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/CpuKernels.h"
#include "passes/Codegen/CPU/QuantizedPanel.h"
#include "passes/Codegen/CPU/VectorLanes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace seqc::cpu {

using namespace seqc::lowering;

namespace {

/// Rows of a panel prefetched ahead of the decode loop: 64 rows of 64
/// bytes, 4 KB. One [128000, 2048] projection from memory, 2 threads:
/// 14.4 GB/s without prefetch; 26.6 / 28.9 / 31.6 / 32.8 / 33.1 / 31.8
/// GB/s at 8 / 16 / 32 / 64 / 128 / 256 rows ahead.
constexpr int64_t kPrefetchRows = 64;

} // namespace

std::pair<Value, Value> elementPair(OpBuilder &b, Location loc,
                                    const QuantizedPanel &q, Value k, int64_t j,
                                    bool offset) {
  auto c = [&](int64_t x) { return indexConstant(b, loc, x); };
  Value col = c(j * kVectorLanes);
  if (!q.nibbles)
    return {readLanes(b, loc, q.values, ValueRange{q.panel, k, col}),
            readLanes(b, loc, q.values,
                      ValueRange{q.panel,
                                 arith::AddIOp::create(b, loc, k, c(1)), col})};
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto bytesType = VectorType::get({kVectorLanes}, i8);
  auto wordsType = VectorType::get({kVectorLanes}, i32);
  auto map = AffineMap::get(3, 0, getAffineDimExpr(2, b.getContext()));
  Value bytes = vector::TransferReadOp::create(
      b, loc, bytesType, q.values,
      ValueRange{q.panel, arith::DivUIOp::create(b, loc, k, c(2)), col},
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, 0)), map,
      ArrayRef<bool>{true});
  Value words = arith::ExtUIOp::create(b, loc, wordsType, bytes);
  auto splat = [&](int64_t v) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(wordsType, b.getI32IntegerAttr(v)));
  };
  Value low = arith::AndIOp::create(b, loc, words, splat(15));
  Value high = arith::ShRUIOp::create(b, loc, words, splat(4));
  if (offset) {
    low = arith::SubIOp::create(b, loc, low, splat(8));
    high = arith::SubIOp::create(b, loc, high, splat(8));
  }
  auto f32s = VectorType::get({kVectorLanes}, b.getF32Type());
  return {arith::SIToFPOp::create(b, loc, f32s, low),
          arith::SIToFPOp::create(b, loc, f32s, high)};
}

namespace {

/// out [1, width] + a [1, K] · panelᵀ with the scales applied once per
/// block: block accumulators of `vectors` lanes, kept in two sets over
/// alternate elements when the block is even (two FMA chains per vector).
Value oneRow(OpBuilder &b, Location loc, Value a, Value out,
             const QuantizedPanel &q) {
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  Value zero = splatLanes(b, loc, floatConstant(b, loc, b.getF32Type(), 0.0));
  int64_t sets = q.block % 2 == 0 ? 2 : 1;
  // Every lane of `out` is read before any is written: two projections
  // reading one (CSE'd) zero init must not see each other's writes, which
  // one-shot bufferization does not guard against when a read of the
  // partially written tensor follows a write (measured: a decode step of
  // two layers read the first layer's result as its init).
  SmallVector<Value> initial;
  for (int64_t j = 0; j < q.vectors; ++j)
    initial.push_back(
        readLanes(b, loc, out, ValueRange{c(b, 0), c(b, j * kVectorLanes)}));
  SmallVector<Value> totals(initial);
  // The panel stream is prefetched kPrefetchRows rows ahead: with the
  // hardware prefetcher alone the convert/FMA work stalls behind loads that
  // miss the caches, at half the bytes/s of bf16 (docs/performance.md).
  auto valuesType = cast<RankedTensorType>(q.values.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> dynamicStrides(valuesType.getRank(),
                                      ShapedType::kDynamic);
  Value stream = bufferization::ToBufferOp::create(
      b, loc,
      MemRefType::get(
          valuesType.getShape(), valuesType.getElementType(),
          StridedLayoutAttr::get(ctx, ShapedType::kDynamic, dynamicStrides)),
      q.values, /*read_only=*/true);
  int64_t perByte = q.nibbles ? 2 : 1;
  Value lastRow = c(b, q.k / perByte - 1);
  Type f32 = b.getF32Type();
  auto groups = scf::ForOp::create(
      b, loc, c(b, 0), c(b, q.k / q.block), c(b, 1), totals,
      [&](OpBuilder &gb, Location, Value g, ValueRange total) {
        Value k0 = arith::MulIOp::create(gb, loc, g, c(gb, q.block));
        SmallVector<Value> zeros(sets * q.vectors, zero);
        // Σx over the block, for the 4-bit -8 or the affine offsets.
        zeros.push_back(floatConstant(gb, loc, f32, 0.0));
        bool sumInputs = q.nibbles || q.offsets;
        auto inner = scf::ForOp::create(
            gb, loc, c(gb, 0), c(gb, q.block), c(gb, sets), zeros,
            [&](OpBuilder &kb, Location, Value kk, ValueRange acc) {
              Value at = arith::AddIOp::create(kb, loc, k0, kk);
              Value ahead = arith::MinUIOp::create(
                  kb, loc,
                  arith::AddIOp::create(
                      kb, loc,
                      arith::DivUIOp::create(kb, loc, at, c(kb, perByte)),
                      c(kb, kPrefetchRows)),
                  lastRow);
              memref::PrefetchOp::create(kb, loc, stream,
                                         ValueRange{q.panel, ahead, c(kb, 0)},
                                         /*isWrite=*/false, /*localityHint=*/3,
                                         /*isDataCache=*/true);
              if (!q.nibbles && sets == 2) {
                // A second row: prefetch it too (one 64-byte row each).
                Value second = arith::MinUIOp::create(
                    kb, loc, arith::AddIOp::create(kb, loc, ahead, c(kb, 1)),
                    lastRow);
                memref::PrefetchOp::create(
                    kb, loc, stream, ValueRange{q.panel, second, c(kb, 0)},
                    /*isWrite=*/false, /*localityHint=*/3,
                    /*isDataCache=*/true);
              }
              SmallVector<Value> xs;
              for (int64_t s = 0; s < sets; ++s)
                xs.push_back(tensor::ExtractOp::create(
                    kb, loc, a,
                    ValueRange{c(kb, 0),
                               arith::AddIOp::create(kb, loc, at, c(kb, s))}));
              SmallVector<Value> next(sets * q.vectors);
              for (int64_t j = 0; j < q.vectors; ++j) {
                if (sets == 1) {
                  Value w = readLanes(
                      kb, loc, q.values,
                      ValueRange{q.panel, at, c(kb, j * kVectorLanes)});
                  next[j] = math::FmaOp::create(
                      kb, loc, splatLanes(kb, loc, xs[0]), w, acc[j]);
                  continue;
                }
                auto [w0, w1] = elementPair(kb, loc, q, at, j, false);
                next[j] = math::FmaOp::create(
                    kb, loc, splatLanes(kb, loc, xs[0]), w0, acc[j]);
                next[q.vectors + j] =
                    math::FmaOp::create(kb, loc, splatLanes(kb, loc, xs[1]), w1,
                                        acc[q.vectors + j]);
              }
              Value sum = acc.back();
              if (sumInputs)
                for (Value x : xs)
                  sum = arith::AddFOp::create(kb, loc, sum, x);
              next.push_back(sum);
              scf::YieldOp::create(kb, loc, next);
            });
        SmallVector<Value> next;
        Value offset, inputSum;
        if (sumInputs)
          inputSum = splatLanes(gb, loc, inner.getResults().back());
        if (q.nibbles && !q.offsets) // -8 · Σx
          offset = arith::MulFOp::create(
              gb, loc, inputSum,
              splatLanes(gb, loc, floatConstant(gb, loc, f32, -8.0)));
        for (int64_t j = 0; j < q.vectors; ++j) {
          Value sum = inner.getResult(j);
          if (sets == 2)
            sum = arith::AddFOp::create(gb, loc, sum,
                                        inner.getResult(q.vectors + j));
          if (offset)
            sum = arith::AddFOp::create(gb, loc, sum, offset);
          SmallVector<Value, 3> at = {q.panel, g, c(gb, j * kVectorLanes)};
          Value scale = readLanes(gb, loc, q.scales, at);
          Value t = math::FmaOp::create(gb, loc, sum, scale, total[j]);
          if (q.offsets) // + offset · Σx
            t = math::FmaOp::create(gb, loc, inputSum,
                                    readLanes(gb, loc, q.offsets, at), t);
          next.push_back(t);
        }
        scf::YieldOp::create(gb, loc, next);
      });
  for (int64_t j = 0; j < q.vectors; ++j)
    out = writeLanes(b, loc, groups.getResult(j), out,
                     ValueRange{c(b, 0), c(b, j * kVectorLanes)});
  return out;
}

/// The panel's rows [k0, k0 + depth) dequantized to f32 [depth, width]
/// (4-bit: k0 and depth even, two rows per byte row).
Value dequantizedBlock(OpBuilder &b, Location loc, const QuantizedPanel &q,
                       Value k0, OpFoldResult depth) {
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  int64_t width = q.vectors * kVectorLanes, step = q.nibbles ? 2 : 1;
  Value scratch =
      emptyTensor(b, loc, {depth, b.getIndexAttr(width)}, b.getF32Type());
  return scf::ForOp::create(
             b, loc, c(b, 0), getValueOrCreateConstantIndexOp(b, loc, depth),
             c(b, step), ValueRange{scratch},
             [&](OpBuilder &kb, Location, Value kk, ValueRange it) {
               Value at = arith::AddIOp::create(kb, loc, k0, kk);
               // Both rows of a 4-bit pair share a block (blocks are even).
               Value g = arith::DivUIOp::create(kb, loc, at, c(kb, q.block));
               Value tile = it[0];
               for (int64_t j = 0; j < q.vectors; ++j) {
                 Value col = c(kb, j * kVectorLanes);
                 SmallVector<Value, 3> blockAt = {q.panel, g, col};
                 Value scale = readLanes(kb, loc, q.scales, blockAt);
                 Value offset = q.offsets
                                    ? readLanes(kb, loc, q.offsets, blockAt)
                                    : Value();
                 // value · scale (+ offset)
                 auto element = [&](Value w) -> Value {
                   if (offset)
                     return math::FmaOp::create(kb, loc, w, scale, offset);
                   return arith::MulFOp::create(kb, loc, w, scale);
                 };
                 if (!q.nibbles) {
                   Value w = readLanes(kb, loc, q.values,
                                       ValueRange{q.panel, at, col});
                   tile = writeLanes(kb, loc, element(w), tile,
                                     ValueRange{kk, col});
                   continue;
                 }
                 auto [w0, w1] = elementPair(kb, loc, q, at, j, !q.offsets);
                 tile = writeLanes(kb, loc, element(w0), tile,
                                   ValueRange{kk, col});
                 tile = writeLanes(
                     kb, loc, element(w1), tile,
                     ValueRange{arith::AddIOp::create(kb, loc, kk, c(kb, 1)),
                                col});
               }
               scf::YieldOp::create(kb, loc, tile);
             })
      .getResult(0);
}

} // namespace

Value vectorMatmulQuantizedPanels(OpBuilder &b, Location loc, Value a, Value w,
                                  const BlockQuantization &quant, Value init,
                                  bool amx) {
  Value scales = quant.scales;
  auto aType = cast<RankedTensorType>(a.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  auto sType = cast<RankedTensorType>(scales.getType());
  Type f32 = b.getF32Type();
  if (aType.getElementType() != f32 ||
      cast<RankedTensorType>(init.getType()).getElementType() != f32 ||
      !wType.getElementType().isInteger(8) || wType.getRank() != 3 ||
      !wType.hasStaticShape() || !sType.hasStaticShape())
    return nullptr;
  bool nibbles = quant.bits == 4;
  int64_t panels = wType.getDimSize(0),
          k = wType.getDimSize(1) * (nibbles ? 2 : 1),
          width = wType.getDimSize(2), groups = sType.getDimSize(1);
  if (width % kVectorLanes != 0 || width > 4 * kVectorLanes || groups <= 0 ||
      k % groups != 0 || (nibbles && (k / groups) % 2 != 0))
    return nullptr;
  int64_t staticRows = aType.getDimSize(0);
  QuantizedPanel shape{w, scales,     quant.offsets,        Value(),
                       k, k / groups, width / kVectorLanes, nibbles};
  auto inPanels = [&](OpBuilder &pb, bool oneRowOnly) {
    return forEachPanel(
        pb, loc, a, init, panels, width,
        [&](OpBuilder &fb, Value panel, Value out) {
          QuantizedPanel q = shape;
          q.panel = panel;
          auto several = [&](OpBuilder &sb) {
            return accumulateKBlocks(
                sb, loc, a, out, k,
                [&](OpBuilder &kb, Value k0, OpFoldResult depth) {
                  return dequantizedBlock(kb, loc, q, k0, depth);
                });
          };
          if (oneRowOnly)
            return oneRow(fb, loc, a, out, q);
          return byRowCount(
              fb, loc, staticRows, getSizes(fb, loc, a)[0],
              [&](OpBuilder &ob) { return oneRow(ob, loc, a, out, q); },
              several);
        });
  };
  if (!amx || staticRows == 1 || !amxTakesQuantizedPanels(shape))
    return inPanels(b, /*oneRowOnly=*/false);
  // Several rows on AMX tiles; the row count decided once per call, not per
  // panel, so that decode splits no input.
  return byRowCount(
      b, loc, staticRows, getSizes(b, loc, a)[0],
      [&](OpBuilder &ob) { return inPanels(ob, /*oneRowOnly=*/true); },
      [&](OpBuilder &sb) {
        return amxMatmulQuantizedPanels(sb, loc, a, shape, panels, init);
      });
}

} // namespace seqc::cpu
