//===- AmxQuantizedMatmul.cpp - prefill x·Wᵀ on AMX tiles -----------------===//
//
// Several rows of x times a block-quantized W (8- or 4-bit blocks of 32
// or a multiple of 32, symmetric or affine) on Intel AMX's bf16 tiles,
// keeping f32 accuracy:
//
//  - W's integer values are exact in bf16. Each task repacks its panel,
//    2048 deep at a time, into the tiles' pair-interleaved layout
//    ([k/2, n, 2] bf16, in registers: convert, then interleave two rows).
//  - x is split once per call into two bf16 terms, hi = bf16(x) and
//    lo = bf16(x - hi): 16 significant bits, a relative error of ~2^-17
//    per element, against 2^-24 for f32 (bench/int8_gemm.c: the product's
//    largest error 2.2e-6 of its largest value, f32 FMAs 1.7e-6).
//  - Per block of 32 k: tdpbf16ps of the 16x32 hi and lo tiles of 32 rows
//    with 32x16 tiles of the panel into four 16x16 f32 tiles (exact
//    products, f32 sums); the tiles are stored and added into the f32
//    accumulators times the block's column scales (affine blocks: plus
//    their offsets times the block's Σx, summed once per call).
//  - Blocks that do not fill a tile's 32 k (Q6_K's and Q2_K/Q3_K's 16)
//    cannot have their scales applied between tile products. Their panel
//    is repacked dequantized instead, w = value · scale (+ offset) in f32,
//    as two bf16 terms like x; three products per 32 k (x_hi·w_hi,
//    x_lo·w_hi, x_hi·w_lo; x_lo·w_lo is below 2^-16 of them) and the f32
//    tiles stored once per 256 k.
//
// Measured on one core of an AMX host, M = 256, N = 5632, K = 2048
// (bench/int8_gemm.c): 287 GFLOP/s against 129 for f32 FMAs on the
// dequantized panel. 8-bit activations (tdpbssd) would run at 430 but
// change the arithmetic (llama.cpp's Q8_0 × Q8_0); this kernel does not.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/CpuKernels.h"
#include "passes/Codegen/CPU/QuantizedPanel.h"
#include "passes/Codegen/CPU/VectorLanes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <array>

using namespace mlir;

namespace seqc::cpu {

using namespace seqc::lowering;

namespace {

/// Rows of x per step: two 16-row tiles.
constexpr int64_t kRows = 32;
/// k per tile product: 32 bf16 (one 64-byte tile row).
constexpr int64_t kDepth = 32;
/// Columns per step: two 16-column tiles.
constexpr int64_t kColumns = 32;
/// Deepest repacked panel chunk: [1024, 2·64] bf16 = 256 KB per task.
constexpr int64_t kChunk = 2048;

MemRefType stridedBuffer(ArrayRef<int64_t> shape, Type element) {
  SmallVector<int64_t> strides(shape.size(), ShapedType::kDynamic);
  return MemRefType::get(shape, element,
                         StridedLayoutAttr::get(element.getContext(),
                                                ShapedType::kDynamic, strides));
}

Value readBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, loc, stridedBuffer(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
}

/// M rounded up to whole steps of kRows rows (the row count of the kernel's
/// input copies).
Value paddedRows(OpBuilder &b, Location loc, Value m) {
  Value step = indexConstant(b, loc, kRows);
  Value steps = arith::DivUIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc, m, indexConstant(b, loc, kRows - 1)), step);
  return arith::MulIOp::create(b, loc, steps, step);
}

/// x [M, K] f32 as two bf16 terms in tiles, [Mp/16, K/32, 16, 32] with Mp
/// = M rounded up to 32 (the padding rows zero): each tile's 1 KB is
/// contiguous (rows 4 KB apart would share L1 sets: bench/int8_gemm.c
/// TILED_A=1, 14 % faster). One task per 16 rows: done on one thread, the
/// split of a 256-token prompt's inputs was a sixth of the prefill.
std::pair<Value, Value> splitInput(OpBuilder &b, Location loc, Value a,
                                   int64_t k) {
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  Value m = getValueOrCreateConstantIndexOp(b, loc, getSizes(b, loc, a)[0]);
  Value tileRows =
      arith::DivUIOp::create(b, loc, paddedRows(b, loc, m), c(b, 16));
  Type bf16 = b.getBF16Type();
  int64_t dyn = ShapedType::kDynamic, tiles = k / kDepth;
  auto type = RankedTensorType::get({dyn, tiles, 16, kDepth}, bf16);
  auto tileRowType = RankedTensorType::get({tiles, 16, kDepth}, bf16);
  // Not filled: every element is written below (the padding rows with
  // zeros), and a fill would be copied into both outputs.
  auto empty = [&] {
    return tensor::EmptyOp::create(b, loc, type, ValueRange{tileRows})
        .getResult();
  };
  auto lanes = VectorType::get({kVectorLanes}, bf16);
  auto wide = VectorType::get({kVectorLanes}, b.getF32Type());
  auto forall = scf::ForallOp::create(
      b, loc, SmallVector<OpFoldResult>{tileRows}, ValueRange{empty(), empty()},
      std::nullopt, [&](OpBuilder &fb, Location, ValueRange args) {
        Value tr = args[0];
        auto idx = [&](int64_t v) -> OpFoldResult {
          return fb.getIndexAttr(v);
        };
        SmallVector<OpFoldResult> offsets = {tr, idx(0), idx(0), idx(0)},
                                  sizes = {idx(1), idx(tiles), idx(16),
                                           idx(kDepth)},
                                  strides(4, idx(1));
        SmallVector<Value> slices;
        for (Value out : args.drop_front())
          slices.push_back(tensor::ExtractSliceOp::create(
              fb, loc, tileRowType, out, offsets, sizes, strides));
        Value first = arith::MulIOp::create(fb, loc, tr, c(fb, 16));
        // Rows [first, last) of x, then padding (M rounded up to 32 may
        // leave a task no row of x).
        Value last = arith::MaxUIOp::create(
            fb, loc, first,
            arith::MinUIOp::create(
                fb, loc, m, arith::AddIOp::create(fb, loc, first, c(fb, 16))));
        auto rows = scf::ForOp::create(
            fb, loc, first, last, c(fb, 1), slices,
            [&](OpBuilder &rb, Location, Value row, ValueRange terms) {
              Value r = arith::SubIOp::create(rb, loc, row, first);
              auto cols = scf::ForOp::create(
                  rb, loc, c(rb, 0), c(rb, k), c(rb, kVectorLanes), terms,
                  [&](OpBuilder &kb, Location, Value col, ValueRange t) {
                    Value x = readLanes(kb, loc, a, ValueRange{row, col});
                    Value hi = arith::TruncFOp::create(kb, loc, lanes, x);
                    Value rest = arith::SubFOp::create(
                        kb, loc, x, arith::ExtFOp::create(kb, loc, wide, hi));
                    Value lo = arith::TruncFOp::create(kb, loc, lanes, rest);
                    SmallVector<Value, 3> at = {
                        arith::DivUIOp::create(kb, loc, col, c(kb, kDepth)), r,
                        arith::RemUIOp::create(kb, loc, col, c(kb, kDepth))};
                    scf::YieldOp::create(
                        kb, loc,
                        ValueRange{writeLanes(kb, loc, hi, t[0], at),
                                   writeLanes(kb, loc, lo, t[1], at)});
                  });
              scf::YieldOp::create(rb, loc, cols.getResults());
            });
        // Padding rows past M: zeros.
        Value zeroLanes =
            splatLanes(fb, loc, floatConstant(fb, loc, bf16, 0.0));
        auto padded = scf::ForOp::create(
            fb, loc, last, arith::AddIOp::create(fb, loc, first, c(fb, 16)),
            c(fb, 1), rows.getResults(),
            [&](OpBuilder &rb, Location, Value row, ValueRange terms) {
              Value r = arith::SubIOp::create(rb, loc, row, first);
              auto cols = scf::ForOp::create(
                  rb, loc, c(rb, 0), c(rb, k), c(rb, kVectorLanes), terms,
                  [&](OpBuilder &kb, Location, Value col, ValueRange t) {
                    SmallVector<Value, 3> at = {
                        arith::DivUIOp::create(kb, loc, col, c(kb, kDepth)), r,
                        arith::RemUIOp::create(kb, loc, col, c(kb, kDepth))};
                    scf::YieldOp::create(
                        kb, loc,
                        ValueRange{writeLanes(kb, loc, zeroLanes, t[0], at),
                                   writeLanes(kb, loc, zeroLanes, t[1], at)});
                  });
              scf::YieldOp::create(rb, loc, cols.getResults());
            });
        auto inParallel = scf::InParallelOp::create(fb, loc);
        OpBuilder::InsertionGuard guard(fb);
        fb.setInsertionPointToStart(inParallel.getBody());
        for (auto [tile, out] :
             llvm::zip(padded.getResults(), args.drop_front()))
          tensor::ParallelInsertSliceOp::create(fb, loc, tile, out, offsets,
                                                sizes, strides);
      });
  return {forall.getResult(0), forall.getResult(1)};
}

/// Σx over each block of `block` inputs of each row, [Mp, K/block] f32
/// (padding rows zero): the affine blocks' offsets multiply it.
Value blockSums(OpBuilder &b, Location loc, Value a, int64_t k, int64_t block) {
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  Value m = getValueOrCreateConstantIndexOp(b, loc, getSizes(b, loc, a)[0]);
  Value padded = paddedRows(b, loc, m);
  Type f32 = b.getF32Type();
  auto type = RankedTensorType::get({ShapedType::kDynamic, k / block}, f32);
  Value zero = floatConstant(b, loc, f32, 0.0);
  Value sums =
      linalg::FillOp::create(
          b, loc, zero,
          tensor::EmptyOp::create(b, loc, type, ValueRange{padded}).getResult())
          .getResult(0);
  return scf::ForOp::create(
             b, loc, c(b, 0), m, c(b, 1), ValueRange{sums},
             [&](OpBuilder &rb, Location, Value row, ValueRange rowIt) {
               auto groups = scf::ForOp::create(
                   rb, loc, c(rb, 0), c(rb, k / block), c(rb, 1), rowIt,
                   [&](OpBuilder &gb, Location, Value g, ValueRange it) {
                     Value k0 = arith::MulIOp::create(gb, loc, g, c(gb, block));
                     auto lanes = scf::ForOp::create(
                         gb, loc, c(gb, 0), c(gb, block), c(gb, kVectorLanes),
                         ValueRange{splatLanes(gb, loc, zero)},
                         [&](OpBuilder &kb, Location, Value kk, ValueRange s) {
                           Value x =
                               readLanes(kb, loc, a,
                                         ValueRange{row, arith::AddIOp::create(
                                                             kb, loc, k0, kk)});
                           scf::YieldOp::create(
                               kb, loc,
                               arith::AddFOp::create(kb, loc, s[0], x)
                                   .getResult());
                         });
                     Value total = vector::ReductionOp::create(
                         gb, loc, vector::CombiningKind::ADD,
                         lanes.getResult(0));
                     scf::YieldOp::create(
                         gb, loc,
                         tensor::InsertOp::create(gb, loc, total, it[0],
                                                  ValueRange{row, g})
                             .getResult());
                   });
               scf::YieldOp::create(rb, loc, groups.getResults());
             })
      .getResult(0);
}

/// k per store of the f32 tiles where no block scale comes between: the
/// deepest of 256, 128, 64, 32 dividing K (one store per 256 k instead of
/// per 32).
int64_t unscaledRun(int64_t k) {
  for (int64_t d : {256, 128, 64})
    if (k % d == 0)
      return d;
  return kDepth;
}

/// Panel rows [k0, k0 + depth) (depth even) as bf16 pairs into `packed`
/// [kChunk/2, 2·width]: element (k, n) at [(k - k0)/2, 2n + (k - k0)%2].
/// With `packedLo` (splitsWeights), the elements are the dequantized f32
/// values, `packed` their bf16 rounding and `packedLo` the rest.
void repackChunk(OpBuilder &b, Location loc, const QuantizedPanel &q,
                 Value packed, Value packedLo, Value k0, Value depth) {
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  auto lanes = VectorType::get({kVectorLanes}, b.getBF16Type());
  auto wide = VectorType::get({kVectorLanes}, b.getF32Type());
  scf::ForOp::create(
      b, loc, c(b, 0), depth, c(b, 2), ValueRange{},
      [&](OpBuilder &kb, Location, Value kk, ValueRange) {
        Value at = arith::AddIOp::create(kb, loc, k0, kk);
        Value row = arith::DivUIOp::create(kb, loc, kk, c(kb, 2));
        for (int64_t j = 0; j < q.vectors; ++j) {
          // 4-bit values as nibble - 8, affine ones too (their offsets take
          // + 8 · scale): centred values keep the products small where
          // offset · Σx would cancel most of them (the split input's
          // rounding then stays at the symmetric blocks' 1e-6 relative).
          Value pairs;
          if (packedLo) {
            // value · scale (+ offset) of rows k and k + 1 (blocks may be
            // odd), then hi = bf16(w), lo = bf16(w - hi).
            auto [v0, v1] =
                elementPair(kb, loc, q, at, j, /*offset=*/!q.offsets);
            Value terms[2][2];
            for (int64_t e = 0; e < 2; ++e) {
              Value k = arith::AddIOp::create(kb, loc, at, c(kb, e));
              SmallVector<Value, 3> where = {
                  q.panel, arith::DivUIOp::create(kb, loc, k, c(kb, q.block)),
                  c(kb, j * kVectorLanes)};
              Value w = arith::MulFOp::create(
                  kb, loc, e ? v1 : v0, readLanes(kb, loc, q.scales, where));
              if (q.offsets)
                w = arith::AddFOp::create(kb, loc, w,
                                          readLanes(kb, loc, q.offsets, where));
              Value hi = arith::TruncFOp::create(kb, loc, lanes, w);
              terms[0][e] = hi;
              terms[1][e] = arith::TruncFOp::create(
                  kb, loc, lanes,
                  arith::SubFOp::create(
                      kb, loc, w, arith::ExtFOp::create(kb, loc, wide, hi)));
            }
            for (int64_t t = 0; t < 2; ++t)
              vector::StoreOp::create(
                  kb, loc,
                  vector::InterleaveOp::create(kb, loc, terms[t][0],
                                               terms[t][1]),
                  t ? packedLo : packed,
                  ValueRange{row, c(kb, 2 * j * kVectorLanes)});
            continue;
          }
          if (!q.scales) { // bf16 as stored: two rows interleaved
            auto map =
                AffineMap::get(3, 0, getAffineDimExpr(2, kb.getContext()));
            Value pad = floatConstant(kb, loc, kb.getBF16Type(), 0.0);
            Value col = c(kb, j * kVectorLanes);
            auto rowAt = [&](Value k) -> Value {
              return vector::TransferReadOp::create(
                  kb, loc, lanes, q.values, ValueRange{q.panel, k, col}, pad,
                  map, ArrayRef<bool>{true});
            };
            pairs = vector::InterleaveOp::create(
                kb, loc, rowAt(at),
                rowAt(arith::AddIOp::create(kb, loc, at, c(kb, 1))));
          } else {
            auto [w0, w1] = elementPair(kb, loc, q, at, j, /*offset=*/true);
            pairs = vector::InterleaveOp::create(
                kb, loc, arith::TruncFOp::create(kb, loc, lanes, w0),
                arith::TruncFOp::create(kb, loc, lanes, w1));
          }
          vector::StoreOp::create(kb, loc, pairs, packed,
                                  ValueRange{row, c(kb, 2 * j * kVectorLanes)});
        }
        scf::YieldOp::create(kb, loc);
      });
}

/// out [M, width] + x · panelᵀ for one panel, M > 1.
Value amxPanel(OpBuilder &b, Location loc, const QuantizedPanel &q, Value hi,
               Value lo, Value sums, Value out) {
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  Type f32 = b.getF32Type(), bf16 = b.getBF16Type();
  int64_t width = q.vectors * kVectorLanes;
  // Split weights: the block scales are in the repacked values; two
  // panels of half the depth take the stack of one.
  bool split = splitsWeights(q);
  bool scaled = q.scales && !split, affine = q.offsets && !split;
  int64_t block = split ? unscaledRun(q.k) : q.block;
  int64_t chunk = std::min(q.k, (split ? kChunk / 2 : kChunk) / block * block);
  int64_t steps = block / kDepth;
  // Per task: the repacked chunk, the four C tiles as stored, the
  // accumulators of 32 rows × 32 columns.
  auto packedType = MemRefType::get({chunk / 2, 2 * width}, bf16);
  Value packed = memref::AllocaOp::create(b, loc, packedType, ValueRange{},
                                          b.getI64IntegerAttr(64));
  Value packedLo =
      split ? memref::AllocaOp::create(b, loc, packedType, ValueRange{},
                                       b.getI64IntegerAttr(64))
                  .getResult()
            : Value();
  // Blocks per epilogue pass: 4 (or 2) where they divide every chunk's.
  int64_t pass = 1;
  for (int64_t p : {4, 2})
    if ((chunk / block) % p == 0 && (q.k % chunk / block) % p == 0) {
      pass = p;
      break;
    }
  Value tiles = memref::AllocaOp::create(
      b, loc, MemRefType::get({pass * 4 * 16, 16}, f32), ValueRange{},
      b.getI64IntegerAttr(64));
  Value acc =
      memref::AllocaOp::create(b, loc, MemRefType::get({kRows, kColumns}, f32),
                               ValueRange{}, b.getI64IntegerAttr(64));
  Value hiBuf = readBuffer(b, loc, hi), loBuf = readBuffer(b, loc, lo);
  Value m = getValueOrCreateConstantIndexOp(b, loc, getSizes(b, loc, out)[0]);
  auto aTile = amx::TileType::get({16, kDepth}, bf16);
  auto bTile = amx::TileType::get({16, kDepth}, bf16);
  auto cTile = amx::TileType::get({16, 16}, f32);
  auto wide = VectorType::get({kVectorLanes}, f32);
  Value aStride = c(b, kDepth), bStride = c(b, 2 * width);
  auto chunks = scf::ForOp::create(
      b, loc, c(b, 0), c(b, q.k), c(b, chunk), ValueRange{out},
      [&](OpBuilder &cb, Location, Value k0, ValueRange chunkIt) {
        Value depth = arith::MinUIOp::create(
            cb, loc, c(cb, chunk),
            arith::SubIOp::create(cb, loc, c(cb, q.k), k0));
        repackChunk(cb, loc, q, packed, packedLo, k0, depth);
        Value g0 = arith::DivUIOp::create(cb, loc, k0, c(cb, block));
        Value g1 = arith::DivUIOp::create(
            cb, loc, arith::AddIOp::create(cb, loc, k0, depth), c(cb, block));
        auto blocks = scf::ForOp::create(
            cb, loc, c(cb, 0), m, c(cb, kRows), chunkIt,
            [&](OpBuilder &mb, Location, Value m0, ValueRange mIt) {
              Value rows = arith::MinUIOp::create(
                  mb, loc, c(mb, kRows), arith::SubIOp::create(mb, loc, m, m0));
              auto halves = scf::ForOp::create(
                  mb, loc, c(mb, 0), c(mb, width), c(mb, kColumns), mIt,
                  [&](OpBuilder &hb, Location, Value n0, ValueRange hIt) {
                    // acc = out's rows, to be added to.
                    Value zero =
                        splatLanes(hb, loc, floatConstant(hb, loc, f32, 0.0));
                    for (int64_t r = 0; r < kRows; ++r)
                      for (int64_t v = 0; v < 2; ++v)
                        vector::StoreOp::create(
                            hb, loc, zero, acc,
                            ValueRange{c(hb, r), c(hb, 16 * v)});
                    scf::ForOp::create(
                        hb, loc, c(hb, 0), rows, c(hb, 1), ValueRange{},
                        [&](OpBuilder &rb, Location, Value r, ValueRange) {
                          Value row = arith::AddIOp::create(rb, loc, m0, r);
                          for (int64_t v = 0; v < 2; ++v) {
                            Value col = arith::AddIOp::create(rb, loc, n0,
                                                              c(rb, 16 * v));
                            vector::StoreOp::create(
                                rb, loc,
                                readLanes(rb, loc, hIt[0],
                                          ValueRange{row, col}),
                                acc, ValueRange{r, c(rb, 16 * v)});
                          }
                          scf::YieldOp::create(rb, loc);
                        });
                    scf::ForOp::create(
                        hb, loc, g0, g1, c(hb, pass), ValueRange{},
                        [&](OpBuilder &gb, Location, Value gp, ValueRange) {
                          // `pass` blocks' tiles, then one epilogue.
                          for (int64_t p = 0; p < pass; ++p) {
                            Value g =
                                arith::AddIOp::create(gb, loc, gp, c(gb, p));
                            SmallVector<Value, 4> cs;
                            for (int i = 0; i < 4; ++i)
                              cs.push_back(
                                  amx::TileZeroOp::create(gb, loc, cTile));
                            for (int64_t s = 0; s < steps; ++s) {
                              Value kAt = arith::AddIOp::create(
                                  gb, loc,
                                  arith::MulIOp::create(gb, loc, g,
                                                        c(gb, block)),
                                  c(gb, s * kDepth));
                              Value local = arith::DivUIOp::create(
                                  gb, loc,
                                  arith::SubIOp::create(gb, loc, kAt, k0),
                                  c(gb, 2));
                              // x's hi and lo terms times the panel's (and
                              // with split weights x's hi term times the
                              // panel's lo term: 3 of 4 products, the
                              // fourth below 2^-16 of the others): 4 C, 2
                              // B and 1 A tile live, of AMX's 8.
                              SmallVector<std::pair<Value, SmallVector<Value>>>
                                  products = {{packed, {hiBuf, loBuf}}};
                              if (split)
                                products.push_back({packedLo, {hiBuf}});
                              for (auto &[panelTerm, inputTerms] : products) {
                                Value bs[2];
                                for (int t = 0; t < 2; ++t) {
                                  SmallVector<Value, 2> at = {
                                      local, arith::AddIOp::create(
                                                 gb, loc,
                                                 arith::MulIOp::create(
                                                     gb, loc, n0, c(gb, 2)),
                                                 c(gb, 32 * t))};
                                  bs[t] = amx::TileLoadOp::create(
                                      gb, loc, bTile, panelTerm, at, bStride);
                                }
                                for (Value term : inputTerms)
                                  for (int i = 0; i < 2; ++i) {
                                    Value tileRow = arith::AddIOp::create(
                                        gb, loc,
                                        arith::DivUIOp::create(gb, loc, m0,
                                                               c(gb, 16)),
                                        c(gb, i));
                                    SmallVector<Value, 4> where = {
                                        tileRow,
                                        arith::DivUIOp::create(gb, loc, kAt,
                                                               c(gb, kDepth)),
                                        c(gb, 0), c(gb, 0)};
                                    Value at = amx::TileLoadOp::create(
                                        gb, loc, aTile, term, where, aStride);
                                    for (int t = 0; t < 2; ++t)
                                      cs[2 * i + t] = amx::TileMulFOp::create(
                                          gb, loc, cTile, at, bs[t],
                                          cs[2 * i + t]);
                                  }
                              }
                            }
                            for (int i = 0; i < 4; ++i)
                              amx::TileStoreOp::create(
                                  gb, loc, tiles,
                                  ValueRange{c(gb, 16 * (4 * p + i)), c(gb, 0)},
                                  cs[i], c(gb, 16));
                          }
                          // acc += each block's tiles · its column scales:
                          // acc read and written once per pass.
                          SmallVector<std::array<Value, 2>> scale(pass),
                              offset(pass);
                          for (int64_t p = 0; p < pass && scaled; ++p)
                            for (int t = 0; t < 2; ++t) {
                              SmallVector<Value, 3> at = {
                                  q.panel,
                                  arith::AddIOp::create(gb, loc, gp, c(gb, p)),
                                  arith::AddIOp::create(gb, loc, n0,
                                                        c(gb, 16 * t))};
                              scale[p][t] = readLanes(gb, loc, q.scales, at);
                              if (affine)
                                offset[p][t] =
                                    readLanes(gb, loc, q.offsets, at);
                              if (affine && q.nibbles)
                                offset[p][t] = math::FmaOp::create(
                                    gb, loc, scale[p][t],
                                    splatLanes(
                                        gb, loc,
                                        floatConstant(gb, loc, f32, 8.0)),
                                    offset[p][t]);
                            }
                          for (int i = 0; i < 2; ++i)
                            scf::ForOp::create(
                                gb, loc, c(gb, 0), c(gb, 16), c(gb, 1),
                                ValueRange{},
                                [&](OpBuilder &sb, Location, Value rr,
                                    ValueRange) {
                                  Value r = arith::AddIOp::create(
                                      sb, loc, rr, c(sb, 16 * i));
                                  // + offset · Σx of the row's block.
                                  SmallVector<Value> rowSum(pass);
                                  for (int64_t p = 0; p < pass && affine; ++p)
                                    rowSum[p] = splatLanes(
                                        sb, loc,
                                        tensor::ExtractOp::create(
                                            sb, loc, sums,
                                            ValueRange{
                                                arith::AddIOp::create(sb, loc,
                                                                      m0, r),
                                                arith::AddIOp::create(
                                                    sb, loc, gp, c(sb, p))}));
                                  for (int t = 0; t < 2; ++t) {
                                    SmallVector<Value, 2> at = {r,
                                                                c(sb, 16 * t)};
                                    Value next = vector::LoadOp::create(
                                        sb, loc, wide, acc, at);
                                    for (int64_t p = 0; p < pass; ++p) {
                                      Value tileRow = arith::AddIOp::create(
                                          sb, loc, rr,
                                          c(sb, 16 * (4 * p + 2 * i + t)));
                                      Value product = vector::LoadOp::create(
                                          sb, loc, wide, tiles,
                                          ValueRange{tileRow, c(sb, 0)});
                                      next = scaled
                                                 ? math::FmaOp::create(
                                                       sb, loc, product,
                                                       scale[p][t], next)
                                                       .getResult()
                                                 : arith::AddFOp::create(
                                                       sb, loc, product, next)
                                                       .getResult();
                                      if (affine)
                                        next = math::FmaOp::create(
                                            sb, loc, rowSum[p], offset[p][t],
                                            next);
                                    }
                                    vector::StoreOp::create(sb, loc, next, acc,
                                                            at);
                                  }
                                  scf::YieldOp::create(sb, loc);
                                });
                          scf::YieldOp::create(gb, loc);
                        });
                    // out's rows = acc.
                    auto written = scf::ForOp::create(
                        hb, loc, c(hb, 0), rows, c(hb, 1), hIt,
                        [&](OpBuilder &rb, Location, Value r, ValueRange wIt) {
                          Value row = arith::AddIOp::create(rb, loc, m0, r);
                          Value result = wIt[0];
                          for (int64_t v = 0; v < 2; ++v) {
                            Value col = arith::AddIOp::create(rb, loc, n0,
                                                              c(rb, 16 * v));
                            Value sum = vector::LoadOp::create(
                                rb, loc, wide, acc,
                                ValueRange{r, c(rb, 16 * v)});
                            result =
                                writeLanes(rb, loc, sum, result, {row, col});
                          }
                          scf::YieldOp::create(rb, loc, result);
                        });
                    scf::YieldOp::create(hb, loc, written.getResults());
                  });
              scf::YieldOp::create(mb, loc, halves.getResults());
            });
        scf::YieldOp::create(cb, loc, blocks.getResults());
      });
  return chunks.getResult(0);
}

} // namespace

bool amxTakesQuantizedPanels(const QuantizedPanel &q) {
  return q.k % kDepth == 0 && (q.vectors * kVectorLanes) % kColumns == 0;
}

bool splitsWeights(const QuantizedPanel &q) {
  return q.scales && q.block % kDepth != 0;
}

Value amxMatmulQuantizedPanels(OpBuilder &b, Location loc, Value a,
                               const QuantizedPanel &shape, int64_t panels,
                               Value init) {
  std::pair<Value, Value> terms = splitInput(b, loc, a, shape.k);
  Value hi = terms.first, lo = terms.second;
  Value sums = shape.offsets && !splitsWeights(shape)
                   ? blockSums(b, loc, a, shape.k, shape.block)
                   : Value();
  return forEachPanel(b, loc, a, init, panels, shape.vectors * kVectorLanes,
                      [&](OpBuilder &fb, Value panel, Value out) {
                        QuantizedPanel q = shape;
                        q.panel = panel;
                        return amxPanel(fb, loc, q, hi, lo, sums, out);
                      });
}

Value amxMatmulBf16Panels(OpBuilder &b, Location loc, Value a, Value w,
                          Value init) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t panels = wType.getDimSize(0), k = wType.getDimSize(1),
          width = wType.getDimSize(2);
  if (!wType.getElementType().isBF16() || !wType.hasStaticShape() ||
      k % kDepth != 0 || width % kColumns != 0 || width > 4 * kVectorLanes)
    return nullptr;
  // No scales: the f32 tiles run over several blocks of 32 k before they
  // are added into the accumulators.
  QuantizedPanel shape{
      w,    Value(), Value(), Value(), k, unscaledRun(k), width / kVectorLanes,
      false};
  return amxMatmulQuantizedPanels(b, loc, a, shape, panels, init);
}

} // namespace seqc::cpu
