//===- ApproximateMath.cpp - polynomials for vector transcendental ops ----===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace seqc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {
struct ApproximateMathPass
    : seqc::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          // MLIR 22 passes full operation names ("math.exp").
          name.consume_front("math.");
          // log: what the log1p polynomial is built from.
          return name == "exp" || name == "log1p" || name == "log" ||
                 name == "tanh";
        });
    // Only vector ops: scalar ones keep their (exact) libm calls.
    FrozenRewritePatternSet frozen(std::move(patterns));
    SmallVector<Operation *> vectorOps;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::ExpOp, math::Log1pOp, math::LogOp, math::TanhOp>(op) &&
          isa<VectorType>(op->getResult(0).getType()))
        vectorOps.push_back(op);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(vectorOps, frozen, config)))
      signalPassFailure();
  }
};
} // namespace
