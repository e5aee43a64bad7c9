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
  return 0;
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
        auto packed = RankedTensorType::get(
            {type.getDimSize(0) / p, type.getDimSize(1), p},
            type.getElementType());
        rewriter.setInsertionPoint(op);
        auto replacement =
            WeightOp::create(rewriter, op.getLoc(), packed, op.getName(),
                             /*transposed=*/false, /*stacked=*/false,
                             /*panels=*/true);
        // Only seq.linear (weight or scales) and seq.embedding (table or
        // scales) read it, and take either layout.
        rewriter.replaceAllUsesWith(op.getResult(), replacement.getResult());
        rewriter.eraseOp(op);
      }
    }
  }
};

} // namespace
