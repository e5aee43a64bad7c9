//===- VectorMatmul.cpp - register-tiled x·Wᵀ for f32 ---------------------===//
//
// The projections of every model: out[m, n] = init[m, n] + Σ_k a[m, k] ·
// w[n, k].
//
// W in panels [N/p, K, p] (seq-pack-weights; the runtime lays them out at
// load): one task per panel runs the outer-product micro-kernel below on
// it in place, from one row up, K in blocks of up to 2048.
//
// W in PyTorch's [N, K] layout (both operands contiguous along k): an
// scf.forall over blocks of up to 32 output columns,
// 4 at a time (each group keeps its 4 rows of W in L1 while it walks all
// rows of a; consecutive groups stream consecutive rows of W); inside,
// register tiles of 4 rows × 4 columns = 16 accumulators of 16 k-lanes,
// reduced across lanes once per tile. Decode (one row) streams W once.
// From 64 rows (N a multiple of 32) each task instead packs its 64 or 32
// columns of W k-major per block of K and runs an outer-product
// micro-kernel (6 rows × 4 vectors of accumulators, FMA of a broadcast
// element of a with a packed vector): 55-80 % of the FMA peak where the
// dot-product tiles reach 25-30 % (docs/performance.md). Rows left after
// the full tiles go in pairs, then one at a time.
// Applies to f32 with K a multiple of 16 and N a multiple of 4; W may be
// stored in bf16 or f16 (widened to f32 in registers as it is loaded: the
// same FMAs, half the bytes streamed).
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/CpuKernels.h"
#include "passes/Codegen/CPU/QuantizedPanel.h"
#include "passes/Codegen/CPU/VectorLanes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace seqc::cpu {

using namespace seqc::lowering;

namespace {
constexpr int64_t kLanes = kVectorLanes, kRows = 4, kCols = 4;
/// Rows of the packed outer-product micro-kernel: 6 × 4 accumulators, 4
/// packed vectors and a broadcast fit AVX-512's 32 registers.
constexpr int64_t kPackedRows = 6;
/// Rows from which packing W pays off (bench/projections.py: at 16 rows the
/// dot-product tiles are twice as fast, at 256 the packed kernel is).
constexpr int64_t kPackedMinRows = 64;
/// Deepest packed panel along K: [2048, 64] f32 is 512 KB, a quarter of
/// this class of core's L2. bench/projections.py at M = 256 / 2048 (% of
/// FMA peak): panels of 128 deep 57-60 / 58-59, 512 deep 60-67 / 65-72,
/// 1024-2048 deep 61-63 / 70-80, all of K (3.6 MB at K = 14336) 33 / 35.
constexpr int64_t kMaxPanelDepth = 2048;
} // namespace

Value forEachPanel(OpBuilder &b, Location loc, Value a, Value init,
                   int64_t panels, int64_t width,
                   function_ref<Value(OpBuilder &, Value, Value)> body) {
  OpFoldResult mSize = getSizes(b, loc, a)[0];
  auto forall = scf::ForallOp::create(
      b, loc, SmallVector<OpFoldResult>{b.getIndexAttr(panels)},
      ValueRange{init}, std::nullopt,
      [&](OpBuilder &fb, Location, ValueRange args) {
        auto idx = [&](int64_t v) -> OpFoldResult {
          return fb.getIndexAttr(v);
        };
        Value nBase = arith::MulIOp::create(fb, loc, args[0],
                                            indexConstant(fb, loc, width));
        SmallVector<OpFoldResult> offsets = {idx(0), nBase},
                                  sizes = {mSize, idx(width)},
                                  strides = {idx(1), idx(1)};
        Value out = tensor::ExtractSliceOp::create(fb, loc, args[1], offsets,
                                                   sizes, strides);
        Value result = body(fb, args[0], out);
        auto inParallel = scf::InParallelOp::create(fb, loc);
        OpBuilder::InsertionGuard guard(fb);
        fb.setInsertionPointToStart(inParallel.getBody());
        tensor::ParallelInsertSliceOp::create(fb, loc, result, args[1], offsets,
                                              sizes, strides);
      });
  return forall.getResult(0);
}

Value byRowCount(OpBuilder &b, Location loc, int64_t staticRows,
                 OpFoldResult rows, function_ref<Value(OpBuilder &)> oneRow,
                 function_ref<Value(OpBuilder &)> severalRows) {
  if (staticRows == 1)
    return oneRow(b);
  if (!ShapedType::isDynamic(staticRows))
    return severalRows(b);
  Value one = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      getValueOrCreateConstantIndexOp(b, loc, rows), indexConstant(b, loc, 1));
  return scf::IfOp::create(
             b, loc, one,
             [&](OpBuilder &tb, Location) {
               scf::YieldOp::create(tb, loc, oneRow(tb));
             },
             [&](OpBuilder &eb, Location) {
               scf::YieldOp::create(eb, loc, severalRows(eb));
             })
      .getResult(0);
}

bool isWeightElement(Type t, bool blockScales) {
  if (blockScales)
    return t.isInteger(8);
  return t.isF32() || t.isBF16() || t.isF16();
}

// K in equal blocks of at most kMaxPanelDepth (multiples of 16; the last
// may be shorter), so that a panel block [kc, width] stays in L2 while the
// rows of a stream past it in long runs; the micro-kernel takes
// kPackedRows rows at a time.
Value accumulateKBlocks(
    OpBuilder &b, Location loc, Value a, Value out, int64_t k,
    function_ref<Value(OpBuilder &, Value, OpFoldResult)> panelBlock) {
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  int64_t kBlocks = (k + kMaxPanelDepth - 1) / kMaxPanelDepth;
  int64_t kc = ((k + kBlocks - 1) / kBlocks + kLanes - 1) / kLanes * kLanes;
  OpFoldResult mSize = getSizes(b, loc, a)[0];
  return scf::ForOp::create(
             b, loc, c(b, 0), c(b, k), c(b, kc), ValueRange{out},
             [&](OpBuilder &kb, Location, Value k0, ValueRange kit) {
               OpFoldResult depth = kb.getIndexAttr(kc);
               if (k % kc != 0)
                 depth = arith::MinSIOp::create(
                             kb, loc, c(kb, kc),
                             arith::SubIOp::create(kb, loc, c(kb, k), k0))
                             .getResult();
               Value aBlock = tensor::ExtractSliceOp::create(
                   kb, loc, a, ArrayRef<OpFoldResult>{kb.getIndexAttr(0), k0},
                   ArrayRef<OpFoldResult>{mSize, depth},
                   ArrayRef<OpFoldResult>{kb.getIndexAttr(1),
                                          kb.getIndexAttr(1)});
               scf::YieldOp::create(
                   kb, loc,
                   vectorMatmul(kb, loc, aBlock, panelBlock(kb, k0, depth),
                                kit[0], /*transposeA=*/false, kPackedRows));
             })
      .getResult(0);
}

/// Panels of W laid out at load time ([N/p, K, p], seq.weight `panels`):
/// one task per panel runs the outer-product kernel on it directly, K in
/// blocks of at most kMaxPanelDepth; one row (decode) streams the panel
/// once, p/16 FMAs per element of a with no reduction across lanes.
static Value vectorMatmulPanels(OpBuilder &b, Location loc, Value a, Value w,
                                Value init, bool amx) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t panels = wType.getDimSize(0), k = wType.getDimSize(1),
          width = wType.getDimSize(2);
  if (!isWeightElement(wType.getElementType()) || wType.isDynamicDim(0) ||
      wType.isDynamicDim(1) || wType.isDynamicDim(2) || width % kLanes != 0 ||
      width > 4 * kLanes)
    return nullptr;
  int64_t staticRows = cast<RankedTensorType>(a.getType()).getDimSize(0);
  if (amx && staticRows != 1 && wType.getElementType().isBF16()) {
    // Several rows of a bf16 weight on AMX tiles (AmxQuantizedMatmul.cpp),
    // the row count decided once per call.
    return byRowCount(
        b, loc, staticRows, getSizes(b, loc, a)[0],
        [&](OpBuilder &ob) {
          return vectorMatmulPanels(ob, loc, a, w, init, /*amx=*/false);
        },
        [&](OpBuilder &sb) {
          if (Value viaTiles = amxMatmulBf16Panels(sb, loc, a, w, init))
            return viaTiles;
          return vectorMatmulPanels(sb, loc, a, w, init, /*amx=*/false);
        });
  }
  return forEachPanel(
      b, loc, a, init, panels, width,
      [&](OpBuilder &fb, Value panel, Value out) {
        auto idx = [&](int64_t v) -> OpFoldResult {
          return fb.getIndexAttr(v);
        };
        return accumulateKBlocks(
            fb, loc, a, out, k,
            [&](OpBuilder &kb, Value k0, OpFoldResult depth) -> Value {
              std::optional<int64_t> d = getConstantIntValue(depth);
              return tensor::ExtractSliceOp::create(
                  kb, loc,
                  RankedTensorType::get({d ? *d : ShapedType::kDynamic, width},
                                        wType.getElementType()),
                  w, ArrayRef<OpFoldResult>{panel, k0, idx(0)},
                  ArrayRef<OpFoldResult>{idx(1), depth, idx(width)},
                  ArrayRef<OpFoldResult>{idx(1), idx(1), idx(1)});
            });
      });
}

Value vectorMatmulTransposedB(OpBuilder &b, Location loc, Value a, Value w,
                              const BlockQuantization &quant, Value init,
                              bool amx) {
  if (quant)
    return cast<RankedTensorType>(w.getType()).getRank() == 3
               ? vectorMatmulQuantizedPanels(b, loc, a, w, quant, init, amx)
               : nullptr;
  auto aType = cast<RankedTensorType>(a.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  if (wType.getRank() == 3) {
    if (aType.getElementType() != b.getF32Type() ||
        cast<RankedTensorType>(init.getType()).getElementType() !=
            b.getF32Type())
      return nullptr;
    return vectorMatmulPanels(b, loc, a, w, init, amx);
  }
  auto initType = cast<RankedTensorType>(init.getType());
  Type f32 = b.getF32Type();
  int64_t n = wType.getDimSize(0), k = wType.getDimSize(1);
  if (aType.getElementType() != f32 ||
      !isWeightElement(wType.getElementType()) ||
      initType.getElementType() != f32 || ShapedType::isDynamic(n) ||
      ShapedType::isDynamic(k) || k % kLanes != 0 || n < kCols)
    return nullptr;
  if (n % kCols != 0) {
    // A vocabulary that is no multiple of 4 (OPUS-MT's 58101): the kernel
    // on the columns up to the last multiple of 4, the generic contraction
    // on the 1-3 left.
    int64_t full = n - n % kCols;
    auto idx = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
    OpFoldResult rows = getSizes(b, loc, a)[0];
    auto columns = [&](Value x, int64_t from, int64_t count) -> Value {
      auto type = cast<RankedTensorType>(x.getType());
      return tensor::ExtractSliceOp::create(
          b, loc,
          RankedTensorType::get({type.getDimSize(0), count},
                                type.getElementType()),
          x, ArrayRef<OpFoldResult>{idx(0), idx(from)},
          ArrayRef<OpFoldResult>{rows, idx(count)},
          ArrayRef<OpFoldResult>{idx(1), idx(1)});
    };
    auto weightRows = [&](int64_t from, int64_t count) -> Value {
      return tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({count, k}, wType.getElementType()), w,
          ArrayRef<OpFoldResult>{idx(from), idx(0)},
          ArrayRef<OpFoldResult>{idx(count), idx(k)},
          ArrayRef<OpFoldResult>{idx(1), idx(1)});
    };
    Value head = vectorMatmulTransposedB(b, loc, a, weightRows(0, full), quant,
                                         columns(init, 0, full), amx);
    if (!head)
      return nullptr;
    Value tail =
        matmulTransposedB(b, loc, a, weightRows(full, n - full), quant,
                          columns(init, full, n - full), Contractions());
    auto place = [&](Value part, Value into, int64_t from, int64_t count) {
      return tensor::InsertSliceOp::create(
                 b, loc, part, into, ArrayRef<OpFoldResult>{idx(0), idx(from)},
                 ArrayRef<OpFoldResult>{rows, idx(count)},
                 ArrayRef<OpFoldResult>{idx(1), idx(1)})
          .getResult();
    };
    return place(tail, place(head, init, 0, full), full, n - full);
  }
  MLIRContext *ctx = b.getContext();
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  Value zeroF = floatConstant(b, loc, f32, 0.0);
  auto read = [&](OpBuilder &bb, Value src, Value row, Value col) {
    return readLanes(bb, loc, src, ValueRange{row, col});
  };
  auto reassoc =
      arith::FastMathFlagsAttr::get(ctx, arith::FastMathFlags::reassoc);
  Value m = getValueOrCreateConstantIndexOp(b, loc, getSizes(b, loc, a)[0]);
  OpFoldResult mSize = getSizes(b, loc, a)[0];

  // Rows [m0, m0 + rows) of the [M, 4] tile of columns n0 .. n0+3 (rows
  // <= 4): acc[r][j] += a[m0 + r, k:k+16] · w[n0 + j, k:k+16], then plus
  // `source` (the task's view of init).
  auto emitTile = [&](OpBuilder &bb, Value source, Value tile, Value m0,
                      int64_t rows, Value n0, Value tileCol0) -> Value {
    SmallVector<Value> zeros(rows * kCols, splatLanes(bb, loc, zeroF));
    auto kLoop = scf::ForOp::create(
        bb, loc, c(bb, 0), c(bb, k), c(bb, kLanes), zeros,
        [&](OpBuilder &kb, Location, Value kk, ValueRange acc) {
          SmallVector<Value> wv, av, next;
          for (int64_t j = 0; j < kCols; ++j)
            wv.push_back(
                read(kb, w, arith::AddIOp::create(kb, loc, n0, c(kb, j)), kk));
          for (int64_t r = 0; r < rows; ++r)
            av.push_back(
                read(kb, a, arith::AddIOp::create(kb, loc, m0, c(kb, r)), kk));
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < kCols; ++j)
              next.push_back(math::FmaOp::create(kb, loc, av[r], wv[j],
                                                 acc[r * kCols + j]));
          scf::YieldOp::create(kb, loc, next);
        });
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < kCols; ++j) {
        Value row = arith::AddIOp::create(bb, loc, m0, c(bb, r));
        Value col = arith::AddIOp::create(bb, loc, n0, c(bb, j));
        Value sum = vector::ReductionOp::create(
            bb, loc, vector::CombiningKind::ADD, kLoop.getResult(r * kCols + j),
            Value(), reassoc.getValue());
        Value base =
            tensor::ExtractOp::create(bb, loc, source, ValueRange{row, col});
        tile = tensor::InsertOp::create(
            bb, loc, arith::AddFOp::create(bb, loc, base, sum), tile,
            ValueRange{row,
                       arith::AddIOp::create(bb, loc, tileCol0, c(bb, j))});
      }
    return tile;
  };

  // One row of `a` (decode): one column at a time, so each thread streams
  // W row after row. Measured on a 154 MB [50280, 768] W (2 threads):
  // 28-34 GB/s one row at a time, 24-25 GB/s for four rows read together
  // (four streams per core); decode is bound by exactly this.
  // Two accumulators hide the FMA latency.
  auto emitColumn = [&](OpBuilder &bb, Value source, Value tile, Value col,
                        Value tileCol) -> Value {
    int64_t step = k % (2 * kLanes) == 0 ? 2 * kLanes : kLanes;
    int64_t parts = step / kLanes;
    SmallVector<Value> zeros(parts, splatLanes(bb, loc, zeroF));
    Value row0 = c(bb, 0);
    auto kLoop = scf::ForOp::create(
        bb, loc, c(bb, 0), c(bb, k), c(bb, step), zeros,
        [&](OpBuilder &kb, Location, Value kk, ValueRange acc) {
          SmallVector<Value> next;
          for (int64_t p = 0; p < parts; ++p) {
            Value at = arith::AddIOp::create(kb, loc, kk, c(kb, p * kLanes));
            next.push_back(math::FmaOp::create(kb, loc, read(kb, a, row0, at),
                                               read(kb, w, col, at), acc[p]));
          }
          scf::YieldOp::create(kb, loc, next);
        });
    Value total = kLoop.getResult(0);
    for (int64_t p = 1; p < parts; ++p)
      total = arith::AddFOp::create(bb, loc, total, kLoop.getResult(p));
    Value sum = vector::ReductionOp::create(bb, loc, vector::CombiningKind::ADD,
                                            total, Value(), reassoc.getValue());
    Value base =
        tensor::ExtractOp::create(bb, loc, source, ValueRange{row0, col});
    return tensor::InsertOp::create(bb, loc,
                                    arith::AddFOp::create(bb, loc, base, sum),
                                    tile, ValueRange{row0, tileCol});
  };
  // M known to be 1, or decided at run time when dynamic (a layer body
  // shared by prefill and decode).
  int64_t staticRows = aType.getDimSize(0);

  // Columns per task: up to 8 blocks of 4 (consecutive rows of W, one
  // longer stream for the prefetcher), keeping at least 16 tasks.
  int64_t groups = 1;
  for (int64_t g : {8, 4, 2})
    if (n % (kCols * g) == 0 && n / (kCols * g) >= 16) {
      groups = g;
      break;
    }
  int64_t width = kCols * groups;
  // Several rows (prefill): a task packs its columns of W k-major once, then
  // an outer-product micro-kernel keeps kPackedRows rows × width/16 vectors
  // of accumulators, each an FMA of a broadcast element of a with a packed
  // vector (no reduction across lanes). Needs N a multiple of 32.
  int64_t packedVecs = 0;
  if (staticRows != 1)
    for (int64_t v : {4, 2})
      if (n % (v * kLanes) == 0) {
        packedVecs = v;
        break;
      }
  if (packedVecs)
    width = packedVecs * kLanes;
  auto forall = scf::ForallOp::create(
      b, loc, SmallVector<OpFoldResult>{b.getIndexAttr(n / width)},
      ValueRange{init}, std::nullopt,
      [&](OpBuilder &fb, Location, ValueRange args) {
        Value nBase = arith::MulIOp::create(fb, loc, args[0], c(fb, width));
        Value tile = emptyTensor(fb, loc, {mSize, fb.getIndexAttr(width)}, f32);
        auto columnByColumn = [&](OpBuilder &cb) -> Value {
          return scf::ForOp::create(
                     cb, loc, c(cb, 0), c(cb, width), c(cb, 1),
                     ValueRange{tile},
                     [&](OpBuilder &jb, Location, Value j, ValueRange it) {
                       Value col = arith::AddIOp::create(jb, loc, nBase, j);
                       scf::YieldOp::create(
                           jb, loc, emitColumn(jb, args[1], it[0], col, j));
                     })
              .getResult(0);
        };
        // Pack, then full blocks of kPackedRows rows, then the rest one at
        // a time.
        auto packedTiles = [&](OpBuilder &pb) -> Value {
          auto idx = [&](int64_t v) -> OpFoldResult {
            return pb.getIndexAttr(v);
          };
          Value out = tensor::ExtractSliceOp::create(
              pb, loc, args[1], ArrayRef<OpFoldResult>{idx(0), nBase},
              ArrayRef<OpFoldResult>{mSize, idx(width)},
              ArrayRef<OpFoldResult>{idx(1), idx(1)});
          return accumulateKBlocks(
              pb, loc, a, out, k,
              [&](OpBuilder &kb, Value k0, OpFoldResult depth) -> Value {
                Value slab = tensor::ExtractSliceOp::create(
                    kb, loc, w, ArrayRef<OpFoldResult>{nBase, k0},
                    ArrayRef<OpFoldResult>{idx(width), depth},
                    ArrayRef<OpFoldResult>{idx(1), idx(1)});
                return linalg::TransposeOp::create(
                           kb, loc, slab,
                           emptyTensor(kb, loc, {depth, idx(width)},
                                       wType.getElementType()),
                           ArrayRef<int64_t>{1, 0})
                    .getResult()[0];
              });
        };
        // Full blocks of 4 rows, then the remaining rows one at a time.
        auto tiled = [&](OpBuilder &tb) -> Value {
          OpBuilder &fb = tb;
          Value fullRows = arith::MulIOp::create(
              fb, loc, arith::DivUIOp::create(fb, loc, m, c(fb, kRows)),
              c(fb, kRows));
          auto perGroup = scf::ForOp::create(
              fb, loc, c(fb, 0), c(fb, width), c(fb, kCols), ValueRange{tile},
              [&](OpBuilder &gb, Location, Value col0, ValueRange git) {
                Value n0 = arith::AddIOp::create(gb, loc, nBase, col0);
                auto blocks = scf::ForOp::create(
                    gb, loc, c(gb, 0), fullRows, c(gb, kRows), git,
                    [&](OpBuilder &mb, Location, Value m0, ValueRange it) {
                      scf::YieldOp::create(
                          mb, loc,
                          emitTile(mb, args[1], it[0], m0, kRows, n0, col0));
                    });
                auto rest = scf::ForOp::create(
                    gb, loc, fullRows, m, c(gb, 1), blocks.getResults(),
                    [&](OpBuilder &mb, Location, Value m0, ValueRange it) {
                      scf::YieldOp::create(
                          mb, loc,
                          emitTile(mb, args[1], it[0], m0, 1, n0, col0));
                    });
                scf::YieldOp::create(gb, loc, rest.getResults());
              });
          return perGroup.getResult(0);
        };
        // Packing pays off from kPackedMinRows rows.
        auto severalRows = [&](OpBuilder &sb) -> Value {
          if (!packedVecs)
            return tiled(sb);
          if (!ShapedType::isDynamic(staticRows))
            return staticRows >= kPackedMinRows ? packedTiles(sb) : tiled(sb);
          Value many = arith::CmpIOp::create(sb, loc, arith::CmpIPredicate::uge,
                                             m, c(sb, kPackedMinRows));
          return scf::IfOp::create(
                     sb, loc, many,
                     [&](OpBuilder &pb, Location) {
                       scf::YieldOp::create(pb, loc, packedTiles(pb));
                     },
                     [&](OpBuilder &eb, Location) {
                       scf::YieldOp::create(eb, loc, tiled(eb));
                     })
              .getResult(0);
        };
        Value result =
            byRowCount(fb, loc, staticRows, mSize, columnByColumn, severalRows);
        auto inParallel = scf::InParallelOp::create(fb, loc);
        OpBuilder::InsertionGuard guard(fb);
        fb.setInsertionPointToStart(inParallel.getBody());
        tensor::ParallelInsertSliceOp::create(
            fb, loc, result, args[1],
            ArrayRef<OpFoldResult>{fb.getIndexAttr(0), nBase},
            ArrayRef<OpFoldResult>{mSize, fb.getIndexAttr(width)},
            ArrayRef<OpFoldResult>{fb.getIndexAttr(1), fb.getIndexAttr(1)});
      });
  return forall.getResult(0);
}

} // namespace seqc::cpu

namespace seqc::cpu {

using namespace seqc::lowering;

/// out[m, n] = init[m, n] + Σ_k a[m, k] · b[k, n] (or a[k, m] with
/// `transposeA`), b contiguous along n: register tiles of 4 rows × up to 4
/// vectors of 16 columns, FMA on a broadcast element of a. Null unless f32
/// with N a static multiple of 16 (M and K may be dynamic).
Value vectorMatmul(OpBuilder &b, Location loc, Value a, Value bm, Value init,
                   bool transposeA, int64_t rowsPerTile) {
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(bm.getType());
  auto initType = cast<RankedTensorType>(init.getType());
  Type f32 = b.getF32Type();
  int64_t n = bType.getDimSize(1);
  if (aType.getElementType() != f32 ||
      !isWeightElement(bType.getElementType()) ||
      initType.getElementType() != f32 || ShapedType::isDynamic(n) ||
      n % kLanes != 0)
    return nullptr;
  auto c = [&](OpBuilder &bb, int64_t x) { return indexConstant(bb, loc, x); };
  auto read = [&](OpBuilder &bb, Value src, Value row, Value col) {
    return readLanes(bb, loc, src, ValueRange{row, col});
  };
  auto write = [&](OpBuilder &bb, Value vec, Value dest, Value row, Value col) {
    return writeLanes(bb, loc, vec, dest, ValueRange{row, col});
  };
  SmallVector<OpFoldResult> initSizes = getSizes(b, loc, init);
  Value m = getValueOrCreateConstantIndexOp(b, loc, initSizes[0]);
  Value kDim = getValueOrCreateConstantIndexOp(
      b, loc, getSizes(b, loc, a)[transposeA ? 0 : 1]);
  int64_t colVecs = std::min<int64_t>(4, n / kLanes);
  while ((n / kLanes) % colVecs != 0)
    --colVecs;

  // Rows [m0, m0 + rows) × columns [n0, n0 + 16·colVecs).
  auto emitTile = [&](OpBuilder &bb, Value out, Value m0, int64_t rows,
                      Value n0) -> Value {
    SmallVector<Value> rowsIdx, accs;
    for (int64_t r = 0; r < rows; ++r) {
      rowsIdx.push_back(arith::AddIOp::create(bb, loc, m0, c(bb, r)));
      for (int64_t j = 0; j < colVecs; ++j)
        accs.push_back(
            read(bb, out, rowsIdx[r],
                 arith::AddIOp::create(bb, loc, n0, c(bb, j * kLanes))));
    }
    auto kLoop = scf::ForOp::create(
        bb, loc, c(bb, 0), kDim, c(bb, 1), accs,
        [&](OpBuilder &kb, Location, Value kk, ValueRange acc) {
          SmallVector<Value> bv, next;
          for (int64_t j = 0; j < colVecs; ++j)
            bv.push_back(
                read(kb, bm, kk,
                     arith::AddIOp::create(kb, loc, n0, c(kb, j * kLanes))));
          for (int64_t r = 0; r < rows; ++r) {
            Value scalar = tensor::ExtractOp::create(
                kb, loc, a,
                transposeA ? ValueRange{kk, rowsIdx[r]}
                           : ValueRange{rowsIdx[r], kk});
            Value splat = splatLanes(kb, loc, scalar);
            for (int64_t j = 0; j < colVecs; ++j)
              next.push_back(math::FmaOp::create(kb, loc, splat, bv[j],
                                                 acc[r * colVecs + j]));
          }
          scf::YieldOp::create(kb, loc, next);
        });
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < colVecs; ++j)
        out = write(bb, kLoop.getResult(r * colVecs + j), out, rowsIdx[r],
                    arith::AddIOp::create(bb, loc, n0, c(bb, j * kLanes)));
    return out;
  };

  // Rows in tiles of rowsPerTile, then of 2, then 1: each tile reads the
  // columns of b once, so a remainder of 4 rows takes 2 passes, not 4.
  auto multipleOf = [&](OpBuilder &bb, Value rows, int64_t step) -> Value {
    return arith::MulIOp::create(
        bb, loc, arith::DivUIOp::create(bb, loc, rows, c(bb, step)),
        c(bb, step));
  };
  Value fullRows = multipleOf(b, m, rowsPerTile);
  Value pairRows = arith::AddIOp::create(
      b, loc, fullRows,
      multipleOf(b, arith::SubIOp::create(b, loc, m, fullRows), 2));
  auto columns = scf::ForOp::create(
      b, loc, c(b, 0), c(b, n), c(b, colVecs * kLanes), ValueRange{init},
      [&](OpBuilder &nb, Location, Value n0, ValueRange it) {
        ValueRange out = it;
        Value from = c(nb, 0);
        for (auto [to, rows] :
             {std::pair<Value, int64_t>{fullRows, rowsPerTile},
              {pairRows, rowsPerTile > 2 ? 2 : 1},
              {m, 1}}) {
          out = scf::ForOp::create(nb, loc, from, to, c(nb, rows), out,
                                   [&, rows = rows](OpBuilder &mb, Location,
                                                    Value m0, ValueRange acc) {
                                     scf::YieldOp::create(
                                         mb, loc,
                                         emitTile(mb, acc[0], m0, rows, n0));
                                   })
                    .getResults();
          from = to;
        }
        scf::YieldOp::create(nb, loc, out);
      });
  return columns.getResult(0);
}

Value CpuContractions::matmulTransposedB(OpBuilder &b, Location loc, Value a,
                                         Value w,
                                         const BlockQuantization &quant,
                                         Value init) const {
  return vectorMatmulTransposedB(b, loc, a, w, quant, init, amx);
}

Value CpuContractions::matmul(OpBuilder &b, Location loc, Value a, Value bm,
                              Value init, bool transposeA) const {
  return vectorMatmul(b, loc, a, bm, init, transposeA);
}

bool CpuContractions::takesChunkProducts(Type element, int64_t headDim,
                                         int64_t state) const {
  // The chunk products are [*, N]·[N, P] and [N, *]ᵀ·[*, P] with the state
  // transposed: vectorMatmul takes them when P (its columns) is a multiple
  // of the lanes; N too, so the state's rows fill whole vectors.
  return element.isF32() && headDim % kVectorLanes == 0 &&
         state % kVectorLanes == 0;
}

} // namespace seqc::cpu
