//===- LoweringUtils.cpp - builders shared by the seq lowerings -----------===//

#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace seqc::lowering {

SmallVector<OpFoldResult> getSizes(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, tensor, i).getResult());
    else
      sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
  }
  return sizes;
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elementType, double value) {
  Value empty = emptyTensor(b, loc, sizes, elementType);
  Value scalar = floatConstant(b, loc, elementType, value);
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  // Vector code (the vectorised scan) needs splat constants.
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(vector,
                               b.getFloatAttr(vector.getElementType(), value)));
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

AffineMap dimsMap(MLIRContext *ctx, unsigned numDims,
                  ArrayRef<int64_t> results) {
  SmallVector<AffineExpr> exprs;
  for (int64_t r : results)
    exprs.push_back(r < 0 ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(r, ctx));
  return AffineMap::get(numDims, 0, exprs, ctx);
}

arith::FastMathFlags contractionFlags() {
  return arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
}

void yieldValue(OpBuilder &b, Location loc, Value value) {
  linalg::YieldOp::create(b, loc, value);
}

SmallVector<utils::IteratorType> iterators(unsigned parallel,
                                           unsigned reduction) {
  SmallVector<utils::IteratorType> result(parallel,
                                          utils::IteratorType::parallel);
  result.append(reduction, utils::IteratorType::reduction);
  return result;
}

Value silu(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value one = floatConstant(b, loc, t, 1.0);
  Value negX = arith::NegFOp::create(b, loc, x);
  Value denom =
      arith::AddFOp::create(b, loc, one, math::ExpOp::create(b, loc, negX));
  return arith::DivFOp::create(b, loc, x, denom);
}

Value logSigmoid(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value e = math::ExpOp::create(
      b, loc, arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x)));
  return arith::SubFOp::create(
      b, loc,
      arith::MinimumFOp::create(b, loc, x, floatConstant(b, loc, t, 0.0)),
      math::Log1pOp::create(b, loc, e));
}

Value softplus(OpBuilder &b, Location loc, Value x) {
  // PyTorch's softplus returns x itself above the threshold 20, where
  // log1p(exp(x)) == x in float precision anyway and exp could overflow.
  Type t = x.getType();
  Value threshold = floatConstant(b, loc, t, 20.0);
  Value soft = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
  Value above =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, threshold);
  return arith::SelectOp::create(b, loc, above, x, soft);
}

Value applyActivation(OpBuilder &b, Location loc, seq::ActivationKind kind,
                      Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConstant(b, loc, t, v); };
  switch (kind) {
  case seq::ActivationKind::relu:
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  case seq::ActivationKind::gelu: {
    // 0.5 · x · (1 + erf(x / √2))
    Value scaled = arith::MulFOp::create(b, loc, x, c(M_SQRT1_2));
    Value erf = math::ErfOp::create(b, loc, scaled);
    Value onePlus = arith::AddFOp::create(b, loc, c(1.0), erf);
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
  case seq::ActivationKind::gelu_tanh: {
    // 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
    Value x3 =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, x3, c(0.044715)));
    Value scaled =
        arith::MulFOp::create(b, loc, inner, c(std::sqrt(2.0 / M_PI)));
    Value onePlus = arith::AddFOp::create(b, loc, c(1.0),
                                          math::TanhOp::create(b, loc, scaled));
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
  case seq::ActivationKind::silu:
    return silu(b, loc, x);
  case seq::ActivationKind::sigmoid: {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, c(1.0),
                                 arith::AddFOp::create(b, loc, c(1.0), e));
  }
  case seq::ActivationKind::tanh:
    return math::TanhOp::create(b, loc, x);
  case seq::ActivationKind::softplus:
    return softplus(b, loc, x);
  }
  llvm_unreachable("unknown activation kind");
}

Contractions::~Contractions() = default;

Value Contractions::matmulTransposedB(OpBuilder &, Location, Value, Value,
                                      const BlockQuantization &, Value) const {
  return nullptr;
}

Value Contractions::matmul(OpBuilder &, Location, Value, Value, Value,
                           bool) const {
  return nullptr;
}

bool Contractions::takesChunkProducts(Type, int64_t, int64_t) const {
  return false;
}

Value matmul(OpBuilder &b, Location l, Value a, Value bm, Value init,
             bool transposeA, const Contractions &contractions) {
  if (Value kernel = contractions.matmul(b, l, a, bm, init, transposeA))
    return kernel;
  MLIRContext *ctx = b.getContext();
  // (m, n, k)
  AffineMap aMap =
      transposeA ? dimsMap(ctx, 3, {2, 0}) : dimsMap(ctx, 3, {0, 2});
  return linalg::GenericOp::create(
             b, l, init.getType(), ValueRange{a, bm}, init,
             {aMap, dimsMap(ctx, 3, {2, 1}), dimsMap(ctx, 3, {0, 1})},
             iterators(2, 1),
             [](OpBuilder &nb, Location nl, ValueRange args) {
               auto fm = contractionFlags();
               Value prod = arith::MulFOp::create(nb, nl, args[0], args[1], fm);
               yieldValue(nb, nl,
                          arith::AddFOp::create(nb, nl, args[2], prod, fm));
             })
      .getResult(0);
}

Value widen(OpBuilder &b, Location loc, Value x, Type to) {
  return x.getType() == to ? x : arith::ExtFOp::create(b, loc, to, x);
}

Value dequantize(OpBuilder &b, Location loc, Value q, Value scale,
                 Value offset) {
  Type f32 = b.getF32Type();
  auto wide = [&](Value v) {
    return v.getType().isF32() ? v : arith::ExtFOp::create(b, loc, f32, v);
  };
  Value value = arith::MulFOp::create(
      b, loc, arith::SIToFPOp::create(b, loc, f32, q), wide(scale));
  if (!offset)
    return value;
  return arith::AddFOp::create(b, loc, value, wide(offset));
}

Value dequantizeBlocks(OpBuilder &b, Location loc, Value values, Value scales) {
  auto type = cast<RankedTensorType>(values.getType());
  auto scalesType = cast<RankedTensorType>(scales.getType());
  int64_t rank = type.getRank(), dim = type.getShape().back();
  int64_t blocks = scalesType.getShape().back(), block = dim / blocks;
  // [..., D] as [..., blocks, block], so that each map is a projection.
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, values);
  sizes.back() = b.getIndexAttr(blocks);
  sizes.push_back(b.getIndexAttr(block));
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = blocks;
  shape.push_back(block);
  SmallVector<ReassociationIndices> split;
  for (int64_t d = 0; d + 1 < rank; ++d)
    split.push_back({d});
  split.push_back({rank - 1, rank});
  Value blocked = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), values,
      split, sizes);
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> leading;
  for (int64_t d = 0; d < rank; ++d)
    leading.push_back(d);
  AffineMap all = b.getMultiDimIdentityMap(rank + 1);
  AffineMap perBlock = dimsMap(ctx, rank + 1, leading);
  Value init = emptyTensor(b, loc, sizes, b.getF32Type());
  Value wide = linalg::GenericOp::create(
                   b, loc, init.getType(), ValueRange{blocked, scales}, init,
                   {all, perBlock, all}, iterators(rank + 1),
                   [](OpBuilder &nb, Location nl, ValueRange a) {
                     yieldValue(nb, nl, dequantize(nb, nl, a[0], a[1]));
                   })
                   .getResult(0);
  return tensor::CollapseShapeOp::create(b, loc, type.clone(b.getF32Type()),
                                         wide, split);
}

Value unpackNibble(OpBuilder &b, Location loc, Value packed, Value high,
                   bool signedOffset) {
  Type i8 = b.getI8Type();
  auto c = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, v));
  };
  Value shifted = arith::ShRUIOp::create(b, loc, packed, c(4));
  Value nibble = arith::SelectOp::create(
      b, loc, high, shifted, arith::AndIOp::create(b, loc, packed, c(15)));
  return signedOffset ? arith::SubIOp::create(b, loc, nibble, c(8)).getResult()
                      : nibble;
}

Value matmulTransposedB(OpBuilder &b, Location loc, Value a, Value w,
                        const BlockQuantization &quant, Value init,
                        const Contractions &contractions) {
  if (Value kernel = contractions.matmulTransposedB(b, loc, a, w, quant, init))
    return kernel;
  Value scales = quant.scales, offsets = quant.offsets;
  MLIRContext *ctx = b.getContext();
  // (m, n, k): a[m, k] · w[n, k] -> out[m, n]; w in panels [N/p, K, p]
  // reads w[n floordiv p, k, n mod p]; scales [N, K/block] (or panels
  // [N/p, K/block, p]) read at k floordiv block.
  auto wType = cast<RankedTensorType>(w.getType());
  AffineExpr n = getAffineDimExpr(1, ctx), k = getAffineDimExpr(2, ctx);
  auto weightMap = [&](AffineExpr kk) {
    if (wType.getRank() == 2)
      return AffineMap::get(3, 0, {n, kk}, ctx);
    int64_t p = wType.getDimSize(2);
    return AffineMap::get(3, 0, {n.floorDiv(p), kk, n % p}, ctx);
  };
  // 4-bit values: two per byte along k.
  int64_t perByte = quant.bits == 4 ? 2 : 1;
  SmallVector<Value> inputs = {a, w};
  SmallVector<AffineMap> maps = {dimsMap(ctx, 3, {0, 2}),
                                 weightMap(k.floorDiv(perByte))};
  if (scales) {
    int64_t block = wType.getDimSize(1) * perByte /
                    cast<RankedTensorType>(scales.getType()).getDimSize(1);
    inputs.push_back(scales);
    maps.push_back(weightMap(k.floorDiv(block)));
    if (offsets) {
      inputs.push_back(offsets);
      maps.push_back(weightMap(k.floorDiv(block)));
    }
  }
  maps.push_back(dimsMap(ctx, 3, {0, 1}));
  auto op = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, ValueRange{init}, maps, iterators(2, 1),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        auto fm = contractionFlags();
        // A weight stored narrower (bf16/f16) is widened exactly; a
        // block-quantized one is dequantized.
        Value weight = args[1];
        if (perByte == 2) {
          Value kk = linalg::IndexOp::create(nb, nl, 2);
          Value odd = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::ne,
              arith::RemUIOp::create(nb, nl, kk, indexConstant(nb, nl, 2)),
              indexConstant(nb, nl, 0));
          weight = unpackNibble(nb, nl, weight, odd, !offsets);
        }
        if (scales)
          weight =
              dequantize(nb, nl, weight, args[2], offsets ? args[3] : Value());
        else if (weight.getType() != args[0].getType())
          weight = arith::ExtFOp::create(nb, nl, args[0].getType(), weight);
        Value prod = arith::MulFOp::create(nb, nl, args[0], weight, fm);
        Value sum = arith::AddFOp::create(nb, nl, args.back(), prod, fm);
        yieldValue(nb, nl, sum);
      });
  return op.getResult(0);
}

Value collapseToMatrix(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  if (rank == 2)
    return x;
  if (rank == 1) {
    auto matrixType =
        RankedTensorType::get({1, type.getDimSize(0)}, type.getElementType());
    return tensor::ExpandShapeOp::create(
        b, loc, matrixType, x, SmallVector<ReassociationIndices>{{0, 1}});
  }
  ReassociationIndices leading;
  for (int64_t i = 0; i + 1 < rank; ++i)
    leading.push_back(i);
  SmallVector<ReassociationIndices> reassociation = {leading, {rank - 1}};
  return tensor::CollapseShapeOp::create(b, loc, x, reassociation);
}

Value expandFromMatrix(OpBuilder &b, Location loc, Value matrix, Value like,
                       RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  if (rank == 2)
    return matrix;
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, like);
  sizes.back() = b.getIndexAttr(resultType.getShape().back());
  if (rank == 1)
    return tensor::CollapseShapeOp::create(
        b, loc, resultType, matrix, SmallVector<ReassociationIndices>{{0, 1}});
  ReassociationIndices leading;
  for (int64_t i = 0; i + 1 < rank; ++i)
    leading.push_back(i);
  SmallVector<ReassociationIndices> reassociation = {leading, {rank - 1}};
  return tensor::ExpandShapeOp::create(b, loc, resultType, matrix,
                                       reassociation, sizes);
}

Value sliceRank(OpBuilder &b, Location loc, Value src,
                ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                unsigned rank) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  auto type = tensor::ExtractSliceOp::inferCanonicalRankReducedResultType(
      rank, cast<RankedTensorType>(src.getType()), sizes);
  return tensor::ExtractSliceOp::create(b, loc, type, src, offsets, sizes,
                                        strides);
}

Value pointwise(OpBuilder &b, Location loc, ValueRange inputs, Value like,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(like.getType());
  Value init =
      emptyTensor(b, loc, getSizes(b, loc, like), type.getElementType());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<AffineMap> maps(inputs.size() + 1, identity);
  auto op = linalg::GenericOp::create(
      b, loc, type, inputs, ValueRange{init}, maps, iterators(type.getRank()),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value result = body(nb, nl, args.drop_back());
        yieldValue(nb, nl, result);
      });
  return op.getResult(0);
}

} // namespace seqc::lowering

std::pair<Value, Value> seqc::lowering::forEachBatchHead(
    OpBuilder &b, Location loc, Value query, int64_t heads, int64_t keyDim,
    int64_t valueDim, Type outputType, Type stateType,
    function_ref<std::pair<Value, Value>(OpBuilder &, Location, Value, Value)>
        head) {
  Type t = cast<RankedTensorType>(query.getType()).getElementType();
  SmallVector<OpFoldResult> qSizes = getSizes(b, loc, query);
  OpFoldResult batch = qSizes[0], length = qSizes[1];
  auto idx = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  Value yInit =
      emptyTensor(b, loc, {batch, length, idx(heads), idx(valueDim)}, t);
  Value sInit =
      emptyTensor(b, loc, {batch, idx(heads), idx(keyDim), idx(valueDim)}, t);
  auto forall = scf::ForallOp::create(
      b, loc, SmallVector<OpFoldResult>{batch, idx(heads)},
      ValueRange{yInit, sInit}, std::nullopt,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value ib = args[0], ih = args[1];
        auto [y, s] = head(nb, l, ib, ih);
        auto inParallel = scf::InParallelOp::create(nb, l);
        OpBuilder::InsertionGuard guard(nb);
        nb.setInsertionPointToStart(inParallel.getBody());
        OpFoldResult one = nb.getIndexAttr(1), zero = nb.getIndexAttr(0);
        tensor::ParallelInsertSliceOp::create(
            nb, l, y, args[2], ArrayRef<OpFoldResult>{ib, zero, ih, zero},
            ArrayRef<OpFoldResult>{one, length, one, nb.getIndexAttr(valueDim)},
            ArrayRef<OpFoldResult>{one, one, one, one});
        tensor::ParallelInsertSliceOp::create(
            nb, l, s, args[3], ArrayRef<OpFoldResult>{ib, ih, zero, zero},
            ArrayRef<OpFoldResult>{one, one, nb.getIndexAttr(keyDim),
                                   nb.getIndexAttr(valueDim)},
            ArrayRef<OpFoldResult>{one, one, one, one});
      });
  return {tensor::CastOp::create(b, loc, outputType, forall.getResult(0)),
          tensor::CastOp::create(b, loc, stateType, forall.getResult(1))};
}
