//===- VectorizeElementwise.cpp - the seq-vectorize-elementwise pass ------===//
//
// Elementwise linalg.generic ops (SiLU·up of a gated MLP, residual adds,
// activations) as 16-lane vector loops: an scf.forall over the outer dims,
// inside it the last dim 16 lanes at a time, the body's arith/math ops
// applied to vectors. Lowered as plain loops they stay scalar — a math.exp
// in the body is a libm call per element, which LLVM does not vectorise —
// and a gated MLP's SiLU·up was 6 % of a Q8_0 prefill (docs/performance.md);
// as vectors, seq-approximate-math turns the exp into its polynomial.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/CPU/Passes.h"
#include "passes/Codegen/CPU/VectorLanes.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

namespace seqc {
#define GEN_PASS_DEF_VECTORIZEELEMENTWISE
#include "passes/Codegen/CPU/Passes.h.inc"
} // namespace seqc

using namespace mlir;
using seqc::cpu::kVectorLanes;

namespace {

/// Whether `op` is elementwise (two dims or more) with f32 operands, its
/// last dim static and a
/// multiple of 16 and contiguous in every operand that uses it, and a body
/// of arith ops and vectorisable math ops on f32 (and i1) values only.
bool vectorizable(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumLoops() < 2 ||
      op.getNumReductionLoops() != 0 || !op.hasPureTensorSemantics())
    return false;
  unsigned last = op.getNumLoops() - 1;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return false;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation())
      return false;
    // Results in loop order (no transposes); the last dim, where used, last.
    int64_t previous = -1;
    for (AffineExpr e : map.getResults()) {
      int64_t d = cast<AffineDimExpr>(e).getPosition();
      if (d <= previous)
        return false;
      previous = d;
    }
  }
  // The output is only written (its elements are not read by the body).
  if (op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)))
    return false;
  auto out = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
      out.isDynamicDim(last) || out.getDimSize(last) % kVectorLanes != 0)
    return false;
  for (Operation &inner : op.getBody()->without_terminator()) {
    // math ops that have a vector form: seq-approximate-math's polynomials
    // and LLVM's intrinsics (erf would become a libm call per lane after
    // the vector dialect is gone).
    bool math = isa<math::ExpOp, math::Log1pOp, math::LogOp, math::TanhOp,
                    math::SqrtOp, math::AbsFOp, math::FmaOp>(inner);
    if ((!math && !isa<arith::ArithDialect>(inner.getDialect())) ||
        inner.getNumRegions() != 0)
      return false;
    for (Type t : llvm::concat<Type>(llvm::to_vector(inner.getOperandTypes()),
                                     llvm::to_vector(inner.getResultTypes())))
      if (!t.isF32() && !t.isInteger(1))
        return false;
  }
  return true;
}

Value vectorized(OpBuilder &b, linalg::GenericOp op) {
  Location loc = op.getLoc();
  auto c = [&](OpBuilder &bb, int64_t x) {
    return seqc::lowering::indexConstant(bb, loc, x);
  };
  unsigned loops = op.getNumLoops(), last = loops - 1;
  Value init = op.getDpsInits()[0];
  auto outType = cast<RankedTensorType>(init.getType());
  int64_t width = outType.getDimSize(last);
  SmallVector<OpFoldResult> outer;
  for (unsigned d = 0; d < last; ++d)
    outer.push_back(tensor::getMixedSize(b, loc, init, d));
  auto body = [&](OpBuilder &fb, ValueRange ivs, Value rowTensor) -> Value {
    // rowTensor: out[ivs..., :] as [1, ..., 1, width].
    auto step = [&](OpBuilder &kb, Value j, Value row) -> Value {
      SmallVector<Value> at(ivs.begin(), ivs.end());
      at.push_back(j);
      IRMapping map;
      Block *block = op.getBody();
      for (OpOperand *input : op.getDpsInputOperands()) {
        AffineMap indexing = op.getMatchingIndexingMap(input);
        SmallVector<Value> where;
        for (AffineExpr e : indexing.getResults())
          where.push_back(at[cast<AffineDimExpr>(e).getPosition()]);
        bool usesLast =
            indexing.getNumResults() > 0 &&
            cast<AffineDimExpr>(indexing.getResults().back()).getPosition() ==
                last;
        Value lanes =
            usesLast ? seqc::cpu::readLanes(kb, loc, input->get(), where)
                     : seqc::cpu::splatLanes(kb, loc,
                                             tensor::ExtractOp::create(
                                                 kb, loc, input->get(), where));
        map.map(block->getArgument(input->getOperandNumber()), lanes);
      }
      auto lanesOf = [&](Type t) { return VectorType::get({kVectorLanes}, t); };
      for (Operation &inner : block->without_terminator()) {
        if (isa<arith::ConstantOp>(inner)) {
          Value scalar = kb.clone(inner)->getResult(0);
          map.map(inner.getResult(0),
                  vector::BroadcastOp::create(
                      kb, loc, lanesOf(scalar.getType()), scalar));
          continue;
        }
        // Values from above the body (constants) are broadcast.
        for (Value v : inner.getOperands())
          if (!map.contains(v))
            map.map(v, vector::BroadcastOp::create(kb, loc,
                                                   lanesOf(v.getType()), v));
        Operation *clone = kb.clone(inner, map);
        for (OpResult r : clone->getResults())
          r.setType(lanesOf(r.getType()));
      }
      Value result = map.lookup(block->getTerminator()->getOperand(0));
      SmallVector<Value> rowAt(last, c(kb, 0));
      rowAt.push_back(j);
      return seqc::cpu::writeLanes(kb, loc, result, row, rowAt);
    };
    return scf::ForOp::create(
               fb, loc, c(fb, 0), c(fb, width), c(fb, kVectorLanes),
               ValueRange{rowTensor},
               [&](OpBuilder &kb, Location, Value j, ValueRange it) {
                 scf::YieldOp::create(kb, loc, step(kb, j, it[0]));
               })
        .getResult(0);
  };
  auto forall = scf::ForallOp::create(
      b, loc, outer, ValueRange{init}, std::nullopt,
      [&](OpBuilder &fb, Location, ValueRange args) {
        ValueRange ivs = args.take_front(last);
        SmallVector<OpFoldResult> offsets, sizes, strides;
        for (Value iv : ivs) {
          offsets.push_back(iv);
          sizes.push_back(fb.getIndexAttr(1));
          strides.push_back(fb.getIndexAttr(1));
        }
        offsets.push_back(fb.getIndexAttr(0));
        sizes.push_back(fb.getIndexAttr(width));
        strides.push_back(fb.getIndexAttr(1));
        Value row = tensor::ExtractSliceOp::create(fb, loc, args.back(),
                                                   offsets, sizes, strides);
        Value result = body(fb, ivs, row);
        auto inParallel = scf::InParallelOp::create(fb, loc);
        OpBuilder::InsertionGuard guard(fb);
        fb.setInsertionPointToStart(inParallel.getBody());
        tensor::ParallelInsertSliceOp::create(fb, loc, result, args.back(),
                                              offsets, sizes, strides);
      });
  return forall.getResult(0);
}

struct VectorizeElementwisePass
    : seqc::impl::VectorizeElementwiseBase<VectorizeElementwisePass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (vectorizable(op))
        ops.push_back(op);
    });
    for (linalg::GenericOp op : ops) {
      OpBuilder b(op);
      Value result = vectorized(b, op);
      op.getResult(0).replaceAllUsesWith(result);
      op.erase();
    }
  }
};

} // namespace
