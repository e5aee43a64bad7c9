//===- PackWeights.cpp - the seq-pack-weights pass ------------------------===//
//
// Projection weights in panels [N/p, K, p] (seq.weight `panels`), laid out
// once by the runtime at load: the CPU's x·Wᵀ kernel then reads each panel
// of p columns k-major in place, where it would otherwise transpose its
// columns of W on every call (docs/performance.md). A weight name is packed
// only if every seq.weight of that name is read by seq.linear (or, for a
// tied head's table, seq.embedding, which reads panels too), so that all
// functions of the model agree on its layout.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/Passes.h"

#include "dialects/seq/IR/SeqOps.h"
#include "passes/Codegen/CPU/CpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace seqc {
#define GEN_PASS_DEF_PACKWEIGHTS
#include "passes/Codegen/CPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;
using seqc::seq::EmbeddingOp;
using seqc::seq::LinearOp;
using seqc::seq::WeightOp;

namespace {

/// Fewest rows a weight with a partial last panel has (fewer waste too much
/// of the panels on zeros: a router of 4 experts).
constexpr int64_t kMinPartialRows = 64;

/// The panel width for `op`, or 0 when its layout stays; `readByLinear`
/// tells whether a seq.linear reads it (a table only looked up is packed
/// only when a seq.weight of the same name feeds a head).
int64_t panelWidth(WeightOp op, bool &readByLinear) {
  RankedTensorType type = op.getType();
  if (op.getTransposed() || op.getStacked() || op.getPanels() ||
      type.getRank() != 2)
    return 0;
  readByLinear = false;
  for (Operation *user : op->getUsers()) {
    // A tied head's table: the lookup reads panels too (row v at
    // [v / p, :, v mod p]), so the head gets the projection kernel.
    if (auto lookup = dyn_cast<EmbeddingOp>(user)) {
      if (lookup.getIndices() == op.getResult())
        return 0;
      continue;
    }
    auto linear = dyn_cast<LinearOp>(user);
    // The CPU kernel computes in f32 (the weight f32, bf16, f16 or i8 with
    // scales).
    if (!linear || linear.getInput() == op.getResult() ||
        linear.getBias() == op.getResult() ||
        !cast<ShapedType>(linear.getInput().getType()).getElementType().isF32())
      return 0;
    bool values = linear.getWeight() == op.getResult();
    bool scales = linear.getScales() == op.getResult() ||
                  linear.getOffsets() == op.getResult();
    if (values == scales) // both roles
      return 0;
    if (values && (type.getDimSize(1) % 16 != 0 ||
                   !seqc::cpu::isWeightElement(type.getElementType(),
                                               linear.getScales() != nullptr)))
      return 0;
    readByLinear = true;
  }
  for (int64_t width : {64, 32})
    if (type.getDimSize(0) % width == 0)
      return width;
  // Other row counts (a vocabulary of 58101) take a partial last panel,
  // zero-filled by the runtime: float weights seq.linear reads as weights
  // only (the results are cut back to N; block scales are never padded).
  // (A seq.weight only looked up answers as its projections do: the pass
  // keeps one layout per name.)
  if (!isa<FloatType>(type.getElementType()) ||
      type.getDimSize(0) < kMinPartialRows)
    return 0;
  for (Operation *user : op->getUsers())
    if (auto linear = dyn_cast<LinearOp>(user))
      if (linear.getWeight() != op.getResult() || linear.getScales())
        return 0;
  return type.getDimSize(0) >= 1024 ? 64 : 32;
}

/// `linear` over weight `panels` of P·p >= N columns: the same projection,
/// computed over all P·p columns (the bias padded with zeros) and cut back
/// to N.
void widen(IRRewriter &rewriter, LinearOp linear, Value panels, int64_t n) {
  Location loc = linear.getLoc();
  rewriter.setInsertionPoint(linear);
  auto type = cast<RankedTensorType>(panels.getType());
  int64_t all = type.getDimSize(0) * type.getDimSize(2);
  Value bias = linear.getBias();
  if (bias) {
    Type element = cast<RankedTensorType>(bias.getType()).getElementType();
    Value zeros = linalg::FillOp::create(
                      rewriter, loc,
                      ValueRange{arith::ConstantOp::create(
                          rewriter, loc, rewriter.getFloatAttr(element, 0.0))},
                      ValueRange{tensor::EmptyOp::create(
                          rewriter, loc, ArrayRef<int64_t>{all}, element)})
                      .getResult(0);
    bias = tensor::InsertSliceOp::create(
        rewriter, loc, bias, zeros,
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(n)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
  }
  auto wide = LinearOp::create(rewriter, loc, linear.getInput(), panels, bias,
                               Value(), Value(), linear.getBits());
  auto resultType = cast<RankedTensorType>(linear.getType());
  SmallVector<OpFoldResult> offsets(resultType.getRank(),
                                    rewriter.getIndexAttr(0)),
      sizes = tensor::getMixedSizes(rewriter, loc, wide.getResult()),
      strides(resultType.getRank(), rewriter.getIndexAttr(1));
  sizes.back() = rewriter.getIndexAttr(n);
  Value cut = tensor::ExtractSliceOp::create(
      rewriter, loc, resultType, wide.getResult(), offsets, sizes, strides);
  rewriter.replaceOp(linear, cut);
}

struct PackWeightsPass : seqc::impl::PackWeightsBase<PackWeightsPass> {
  void runOnOperation() override {
    llvm::StringMap<SmallVector<WeightOp>> byName;
    llvm::StringMap<int64_t> width;
    llvm::StringSet<> readByLinear;
    getOperation().walk([&](WeightOp op) {
      bool linear = false;
      int64_t w = panelWidth(op, linear);
      auto [it, inserted] = width.try_emplace(op.getName(), w);
      if (!inserted && it->second != w)
        it->second = 0;
      if (linear)
        readByLinear.insert(op.getName());
      byName[op.getName()].push_back(op);
    });
    // A table only looked up keeps the file's layout (mapped, not copied).
    for (auto &entry : width)
      if (!readByLinear.contains(entry.getKey()))
        entry.second = 0;
    // A block-quantized weight's values and scales take panels together.
    for (bool changed = true; changed;) {
      changed = false;
      // Values, scales and offsets of one weight take one layout.
      auto group = [&](ValueRange operands) {
        SmallVector<WeightOp> ops;
        for (Value v : operands)
          if (v)
            if (auto w = v.getDefiningOp<WeightOp>())
              ops.push_back(w);
        bool same = llvm::all_of(ops, [&](WeightOp w) {
          return width.lookup(w.getName()) == width.lookup(ops[0].getName());
        });
        if (ops.size() < 2 || same)
          return;
        for (WeightOp w : ops)
          width[w.getName()] = 0;
        changed = true;
      };
      getOperation().walk([&](Operation *op) {
        if (auto linear = dyn_cast<LinearOp>(op))
          group({linear.getWeight(), linear.getScales(), linear.getOffsets()});
        else if (auto lookup = dyn_cast<EmbeddingOp>(op))
          group({lookup.getTable(), lookup.getScales(), lookup.getOffsets()});
      });
    }
    IRRewriter rewriter(&getContext());
    for (auto &entry : byName) {
      int64_t p = width.lookup(entry.getKey());
      if (p == 0)
        continue;
      for (WeightOp op : entry.getValue()) {
        RankedTensorType type = op.getType();
        int64_t n = type.getDimSize(0), panels = (n + p - 1) / p;
        bool partial = panels * p != n;
        auto packed = RankedTensorType::get({panels, type.getDimSize(1), p},
                                            type.getElementType());
        rewriter.setInsertionPoint(op);
        auto replacement = WeightOp::create(
            rewriter, op.getLoc(), packed, op.getName(),
            /*transposed=*/false, /*stacked=*/false,
            /*panels=*/true, partial ? rewriter.getI64IntegerAttr(n) : nullptr);
        // A partial last panel: each projection computes all columns and
        // cuts them back.
        if (partial)
          for (Operation *user : llvm::make_early_inc_range(op->getUsers()))
            if (auto linear = dyn_cast<LinearOp>(user))
              widen(rewriter, linear, replacement.getResult(), n);
        // Only seq.linear (weight or scales) and seq.embedding (table or
        // scales) read it, and take either layout.
        rewriter.replaceAllUsesWith(op.getResult(), replacement.getResult());
        rewriter.eraseOp(op);
      }
    }
  }
};

} // namespace
