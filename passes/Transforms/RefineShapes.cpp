//===- RefineShapes.cpp - static shapes through seq ops ---------*- C++ -*-===//
//
// After inlining, `decode` calls the model with its one-token ids cast to
// the dynamic type the model was written for. Canonicalization moves such
// casts through tensor and linalg ops but not through seq ops or
// elementwise arithmetic on tensors; these patterns do, so that every op of
// a decode step (and each seq.layer body) has its static shape before
// layers are outlined.
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace seqc {
#define GEN_PASS_DEF_REFINESHAPES
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

/// `value`'s cast source when it is a tensor.cast that loses static
/// information, else null.
Value moreStaticSource(Value value) {
  auto cast = value.getDefiningOp<tensor::CastOp>();
  if (!cast || cast.getType() == cast.getSource().getType() ||
      !tensor::preservesStaticInformation(cast.getType(),
                                          cast.getSource().getType()))
    return nullptr;
  return cast.getSource();
}

/// Replaces `op` by `refined` (the same op with more static types), casting
/// each result whose type changed back to the old type.
void replaceWithRefined(PatternRewriter &rewriter, Operation *op,
                        Operation *refined) {
  rewriter.setInsertionPointAfter(refined);
  SmallVector<Value> results;
  for (auto [old, now] : llvm::zip(op->getResults(), refined->getResults()))
    results.push_back(
        old.getType() == now.getType()
            ? Value(now)
            : tensor::CastOp::create(rewriter, op->getLoc(), old.getType(), now)
                  .getResult());
  rewriter.replaceOp(op, results);
}

/// A seq op (its result types inferred from its operands) reading a cast
/// to a less static type reads the cast's source, and its results take the
/// types inferred from that.
struct RefineInferredSeqOp : RewritePattern {
  RefineInferredSeqOp(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    auto infer = dyn_cast<InferTypeOpInterface>(op);
    if (!infer || !isa<seqc::seq::SeqDialect>(op->getDialect()))
      return failure();
    IRMapping mapping;
    for (Value operand : op->getOperands())
      if (Value source = moreStaticSource(operand))
        mapping.map(operand, source);
    if (mapping.getValueMap().empty())
      return failure();
    Operation *refined = rewriter.clone(*op, mapping);
    SmallVector<Type> types;
    if (failed(cast<InferTypeOpInterface>(refined).inferReturnTypes(
            op->getContext(), op->getLoc(), refined->getOperands(),
            refined->getAttrDictionary(), refined->getPropertiesStorage(),
            refined->getRegions(), types)) ||
        types.size() != op->getNumResults()) {
      rewriter.eraseOp(refined);
      return failure();
    }
    for (auto [result, type] : llvm::zip(refined->getResults(), types)) {
      if (result.getType() != type &&
          !tensor::preservesStaticInformation(result.getType(), type)) {
        rewriter.eraseOp(refined);
        return failure();
      }
      result.setType(type);
    }
    replaceWithRefined(rewriter, op, refined);
    return success();
  }
};

/// Elementwise arithmetic on tensors (the residual add) whose operands are
/// all of, or cast from, one more static type computes in that type.
struct RefineElementwiseOp : RewritePattern {
  RefineElementwiseOp(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!op->hasTrait<OpTrait::Elementwise>() ||
        !op->hasTrait<OpTrait::SameOperandsAndResultType>() ||
        op->getNumResults() != 1 || op->getNumRegions() != 0 ||
        !isa<RankedTensorType>(op->getResult(0).getType()))
      return failure();
    Type refinedType;
    IRMapping mapping;
    for (Value operand : op->getOperands()) {
      Value source = moreStaticSource(operand);
      if (source)
        mapping.map(operand, source);
      Type type = source ? source.getType() : operand.getType();
      if (refinedType && type != refinedType)
        return failure();
      refinedType = type;
    }
    if (mapping.getValueMap().empty())
      return failure();
    Operation *refined = rewriter.clone(*op, mapping);
    refined->getResult(0).setType(refinedType);
    replaceWithRefined(rewriter, op, refined);
    return success();
  }
};

struct RefineShapesPass : seqc::impl::RefineShapesBase<RefineShapesPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<RefineInferredSeqOp, RefineElementwiseOp>(context);
    // With every op's canonicalization, which moves casts through tensor
    // ops and folds the sizes they make constant.
    for (Dialect *dialect : context->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : context->getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, context);
    // Like canonicalize, not converging within the iteration limit is not
    // an error: the IR is valid at every step.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace
