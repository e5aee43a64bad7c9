//===- ApproximateMath.cpp - polynomials for vector transcendental ops ----===//

#include "passes/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace seqc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "passes/Transforms/Passes.h.inc"
} // namespace seqc

using namespace mlir;

namespace {

/// exp(x) on vector<16xf32> for AVX-512: n = round(x / ln 2),
/// f = x - n·ln 2 (two-constant Cody-Waite, so f is exact to a few ulp),
/// e^f by a degree-6 polynomial on [-ln2/2, ln2/2] (relative error 7e-8,
/// fitted by tools/fit_exp_polynomial.py), and 2^n applied by vscalefps,
/// which over- and underflows to inf and 0 itself. Clamping x first keeps
/// ±inf out of the reduction (inf - inf would be NaN): exp(-inf) = 0.
struct ScalefExp : OpRewritePattern<math::ExpOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<VectorType>(op.getType());
    if (!type || type.getRank() != 1 || type.getNumElements() != 16 ||
        type.isScalable() || !type.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not vector<16xf32>");
    Location loc = op.getLoc();
    auto splat = [&](float value) -> Value {
      return arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, rewriter.getF32FloatAttr(value)));
    };
    auto fma = [&](Value a, Value b, Value c) -> Value {
      return math::FmaOp::create(rewriter, loc, a, b, c);
    };
    // cmpf + select lowers to one vmaxps/vminps (arith.maximumf would add
    // NaN handling).
    auto clamp = [&](Value x, float lo, float hi) -> Value {
      Value l = splat(lo), h = splat(hi);
      Value below =
          arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OLT, x, l);
      x = arith::SelectOp::create(rewriter, loc, below, l, x);
      Value above =
          arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT, x, h);
      return arith::SelectOp::create(rewriter, loc, above, h, x);
    };
    // Below -104, e^x is 0 in f32; above 89 it is inf.
    Value x = clamp(op.getOperand(), -104.0f, 89.0f);
    Value n = math::RoundEvenOp::create(
        rewriter, loc,
        arith::MulFOp::create(rewriter, loc, x, splat(1.44269504f)));
    Value f = fma(n, splat(-0.693359375f), x);
    f = fma(n, splat(2.12194440e-4f), f);
    static constexpr float kPoly[] = {1.0f,         1.0f,         0.49999994f,
                                      0.16666432f,  0.041668002f, 0.0083741555f,
                                      0.0013843646f};
    Value p = splat(kPoly[6]);
    for (int k = 5; k >= 0; --k)
      p = fma(p, f, splat(kPoly[k]));
    // x86vector.avx512.mask.scalef is Pure (bufferization needs to know it
    // touches no memory). MLIR 22 hands its operands to
    // llvm.x86.avx512.mask.scalef.ps.512(a, b, passthru, mask, rounding) in
    // the order written, so they go in that order: p · 2^n, all lanes.
    Value allLanes = arith::ConstantOp::create(rewriter, loc,
                                               rewriter.getI16IntegerAttr(-1));
    Value currentRounding =
        arith::ConstantOp::create(rewriter, loc, rewriter.getI32IntegerAttr(4));
    Value scaled = x86vector::MaskScaleFOp::create(rewriter, loc, type, p, n, p,
                                                   allLanes, currentRounding);
    rewriter.replaceOp(op, scaled);
    return success();
  }
};

struct ApproximateMathPass
    : seqc::impl::ApproximateMathBase<ApproximateMathPass> {
  using ApproximateMathBase::ApproximateMathBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Higher benefit than the generic exp polynomial, which still covers
    // other shapes.
    if (scalef)
      patterns.add<ScalefExp>(&getContext(), /*benefit=*/2);
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
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
