//===- LayerOps.cpp - seq.layer verifier and canonicalization -------------===//

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace seqc::seq;

LogicalResult LayerOp::verify() {
  Block &body = getBody().front();
  auto yield = body.empty() ? YieldOp() : dyn_cast<YieldOp>(body.back());
  if (!yield)
    return emitOpError("body must end in seq.yield");
  if (yield.getValues().getTypes() != getResultTypes()) {
    std::string yielded, results;
    llvm::raw_string_ostream y(yielded), r(results);
    llvm::interleaveComma(yield.getValues().getTypes(), y);
    llvm::interleaveComma(getResultTypes(), r);
    return emitOpError("yields (")
           << yielded << ") but its results are (" << results << ")";
  }
  return success();
}

namespace {

/// A yielded `tensor.cast` to a less static type moves after the layer: the
/// result takes the cast's source type, so the next layer (and the code
/// after the last) sees the static shape. Decode's one-token shapes then
/// reach every layer after inlining.
struct RefineLayerResultTypes : OpRewritePattern<LayerOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerOp layer,
                                PatternRewriter &rewriter) const override {
    auto yield = cast<YieldOp>(layer.getBody().front().getTerminator());
    SmallVector<Value> yielded(yield.getValues());
    SmallVector<Type> types(layer.getResultTypes());
    bool changed = false;
    for (auto [i, value] : llvm::enumerate(yielded)) {
      auto cast = value.getDefiningOp<tensor::CastOp>();
      if (!cast || cast.getType() == cast.getSource().getType() ||
          !tensor::preservesStaticInformation(cast.getType(),
                                              cast.getSource().getType()))
        continue;
      yielded[i] = cast.getSource();
      types[i] = cast.getSource().getType();
      changed = true;
    }
    if (!changed)
      return failure();
    auto refined = LayerOp::create(rewriter, layer.getLoc(), types);
    rewriter.inlineRegionBefore(layer.getBody(), refined.getBody(),
                                refined.getBody().end());
    rewriter.modifyOpInPlace(yield, [&] { yield->setOperands(yielded); });
    rewriter.setInsertionPointAfter(refined);
    SmallVector<Value> replacements;
    for (auto [old, now] :
         llvm::zip(layer.getResults(), refined.getResults())) {
      replacements.push_back(old.getType() == now.getType()
                                 ? Value(now)
                                 : tensor::CastOp::create(rewriter,
                                                          layer.getLoc(),
                                                          old.getType(), now)
                                       .getResult());
    }
    refined->setDiscardableAttrs(layer->getDiscardableAttrDictionary());
    rewriter.replaceOp(layer, replacements);
    return success();
  }
};

} // namespace

void LayerOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<RefineLayerResultTypes>(context);
}
