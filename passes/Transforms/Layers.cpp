//===- Layers.cpp - seq.layer as shared functions, or spliced in place ----===//
//
// seq-outline-layers: each seq.layer becomes a call of a private function;
// layers with equal bodies share one, so a deep model generates code for
// each distinct layer once per entry point instead of once per layer.
// seq-inline-layers: the bodies spliced in place (one straight-line
// function per entry point).
//
//===----------------------------------------------------------------------===//

#include "passes/Transforms/Passes.h"

#include "dialects/seq/IR/SeqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include <map>

namespace seqc {
#define GEN_PASS_DEF_OUTLINELAYERS
#define GEN_PASS_DEF_INLINELAYERS
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;
using seqc::seq::LayerOp;
using seqc::seq::YieldOp;

namespace {

/// The functions already outlined, bucketed by signature and size so that
/// a new body is compared op by op with few candidates.
class LayerFunctions {
public:
  /// An outlined function with a body equal to `fn`'s, or null; else `fn`
  /// is added as the first of its kind.
  func::FuncOp findOrAdd(func::FuncOp fn) {
    SmallVector<func::FuncOp> &candidates = buckets[keyOf(fn)];
    for (func::FuncOp other : candidates)
      if (OperationEquivalence::isRegionEquivalentTo(
              &fn.getBody(), &other.getBody(),
              OperationEquivalence::IgnoreLocations))
        return other;
    candidates.push_back(fn);
    return nullptr;
  }

private:
  static std::pair<Type, int64_t> keyOf(func::FuncOp fn) {
    int64_t ops = 0;
    fn.getBody().walk([&](Operation *) { ++ops; });
    return {fn.getFunctionType(), ops};
  }
  struct KeyLess {
    bool operator()(const std::pair<Type, int64_t> &a,
                    const std::pair<Type, int64_t> &b) const {
      if (a.first != b.first)
        return a.first.getAsOpaquePointer() < b.first.getAsOpaquePointer();
      return a.second < b.second;
    }
  };
  std::map<std::pair<Type, int64_t>, SmallVector<func::FuncOp>, KeyLess>
      buckets;
};

/// The sizes layers read of values from outside, as values computed
/// outside, the same value wherever they are equal by construction: the
/// first layer's input (the embedding) has a token count that folds to the
/// ids' size, the next layers' inputs are the previous layers' results,
/// whose sizes are those of what they yield, and the bodies must not differ
/// by that.
class LayerSizes {
public:
  LayerSizes(func::FuncOp fn) : dominance(fn) {}

  /// Replaces each `tensor.dim` in `layer` of a value from outside.
  void resolve(RewriterBase &rewriter, LayerOp layer) {
    SmallVector<tensor::DimOp> dims;
    layer.getBody().walk([&](tensor::DimOp dim) {
      if (!layer.getBody().isAncestor(dim.getSource().getParentRegion()) &&
          dim.getConstantIndex())
        dims.push_back(dim);
    });
    for (tensor::DimOp dim : dims)
      rewriter.replaceOp(dim, sizeBefore(rewriter, dim.getSource(),
                                         *dim.getConstantIndex(), layer));
  }

private:
  /// Size `d` of `value` (defined before `layer`) as a value defined before
  /// `layer`: destination-passing results are followed to their inits,
  /// casts to their sources, layer results to what the layer yields, and a
  /// tensor.empty gives its size operand.
  Value sizeBefore(RewriterBase &rewriter, Value value, int64_t d,
                   LayerOp layer) {
    Value lastBefore = value; // the last value seen that dominates `layer`
    for (int step = 0; step < 10000; ++step) {
      if (dominance.properlyDominates(value, layer))
        lastBefore = value;
      auto type = cast<RankedTensorType>(value.getType());
      if (!type.isDynamicDim(d)) {
        rewriter.setInsertionPoint(layer);
        return arith::ConstantIndexOp::create(rewriter, layer.getLoc(),
                                              type.getDimSize(d));
      }
      auto result = dyn_cast<OpResult>(value);
      if (!result)
        break;
      Operation *op = result.getOwner();
      if (auto dps = dyn_cast<DestinationStyleOpInterface>(op)) {
        value = dps.getDpsInitOperand(result.getResultNumber())->get();
      } else if (auto cast = dyn_cast<tensor::CastOp>(op)) {
        value = cast.getSource();
      } else if (auto other = dyn_cast<LayerOp>(op)) {
        value = other.getBody().front().getTerminator()->getOperand(
            result.getResultNumber());
      } else if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
        Value size = empty.getDynamicSize(d);
        if (dominance.properlyDominates(size, layer))
          return size;
        break;
      } else {
        break;
      }
      if (cast<RankedTensorType>(value.getType()).getRank() != type.getRank())
        break;
    }
    // The size of the last value the layer could read.
    auto [it, added] = sizes.try_emplace({lastBefore, d});
    if (added) {
      rewriter.setInsertionPointAfterValue(lastBefore);
      Value index = arith::ConstantIndexOp::create(rewriter, layer.getLoc(), d);
      it->second =
          tensor::DimOp::create(rewriter, layer.getLoc(), lastBefore, index);
    }
    return it->second;
  }

  DominanceInfo dominance;
  llvm::DenseMap<std::pair<Value, int64_t>, Value> sizes;
};

/// Makes `layer`'s body read nothing from outside: constants it reads are
/// cloned to its start (they are part of what makes two layers equal), every
/// other value becomes an argument of the body's block, in first-use order.
/// Returns those values.
SmallVector<Value> isolateBody(RewriterBase &rewriter, LayerOp layer) {
  Region &region = layer.getBody();
  Block &body = region.front();
  // Weights (before the ABI export binds them) are read by name: they go
  // before the layer and are passed in, so that equal layers stay equal.
  SmallVector<seqc::seq::WeightOp> weights;
  region.walk([&](seqc::seq::WeightOp w) { weights.push_back(w); });
  for (seqc::seq::WeightOp w : weights)
    rewriter.moveOpBefore(w, layer);
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(region, above);
  rewriter.setInsertionPointToStart(&body);
  SmallVector<Value> captured;
  for (Value value : above) {
    Operation *def = value.getDefiningOp();
    Value inside;
    if (def && def->hasTrait<OpTrait::ConstantLike>()) {
      inside = rewriter.clone(*def)->getResult(
          cast<OpResult>(value).getResultNumber());
    } else {
      inside = body.addArgument(value.getType(), value.getLoc());
      captured.push_back(value);
    }
    replaceAllUsesInRegionWith(value, inside, region);
  }
  return captured;
}

/// "prefill" for the ABI's "seq_impl_prefill" (layers outlined after the
/// export).
StringRef entryName(func::FuncOp fn) {
  StringRef name = fn.getSymName();
  name.consume_front("seq_impl_");
  return name;
}

struct OutlineLayersPass : seqc::impl::OutlineLayersBase<OutlineLayersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SymbolTable symbols(module);
    LayerFunctions outlined;
    IRRewriter rewriter(ctx);
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp fn : functions) {
      SmallVector<LayerOp> layers;
      WalkResult nested = fn.walk<WalkOrder::PreOrder>([&](LayerOp layer) {
        if (layer->getParentOfType<LayerOp>()) {
          layer.emitOpError("inside another seq.layer is not supported");
          return WalkResult::interrupt();
        }
        layers.push_back(layer);
        return WalkResult::advance();
      });
      if (nested.wasInterrupted())
        return signalPassFailure();
      LayerSizes sizes(fn);
      for (LayerOp layer : layers)
        sizes.resolve(rewriter, layer);
      for (auto [index, layer] : llvm::enumerate(layers)) {
        Location loc = layer.getLoc();
        SmallVector<Value> captured = isolateBody(rewriter, layer);
        Block &body = layer.getBody().front();
        auto yield = cast<YieldOp>(body.getTerminator());
        rewriter.setInsertionPoint(yield);
        func::ReturnOp::create(rewriter, yield.getLoc(), yield.getValues());
        rewriter.eraseOp(yield);

        auto callee = func::FuncOp::create(
            loc, (entryName(fn) + "_layer_" + llvm::Twine(index)).str(),
            FunctionType::get(ctx, body.getArgumentTypes(),
                              layer.getResultTypes()));
        callee.getBody().takeBody(layer.getBody());
        func::FuncOp target = outlined.findOrAdd(callee);
        if (target) {
          callee.erase();
        } else {
          target = callee;
          target.setPrivate();
          // Internal in the object too, like the entry points' bodies.
          target->setAttr("llvm.linkage",
                          LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
          symbols.insert(target, std::next(Block::iterator(fn)));
        }
        rewriter.setInsertionPoint(layer);
        auto call = func::CallOp::create(rewriter, loc, target, captured);
        rewriter.replaceOp(layer, call.getResults());
      }
    }
  }
};

struct InlineLayersPass : seqc::impl::InlineLayersBase<InlineLayersPass> {
  void runOnOperation() override {
    SmallVector<LayerOp> layers;
    getOperation()->walk([&](LayerOp layer) { layers.push_back(layer); });
    IRRewriter rewriter(&getContext());
    // Post-order: inner layers are spliced before the layers around them.
    for (LayerOp layer : layers) {
      Block &body = layer.getBody().front();
      auto yield = cast<YieldOp>(body.getTerminator());
      SmallVector<Value> results(yield.getValues());
      rewriter.eraseOp(yield);
      rewriter.inlineBlockBefore(&body, layer);
      rewriter.replaceOp(layer, results);
    }
  }
};

} // namespace
