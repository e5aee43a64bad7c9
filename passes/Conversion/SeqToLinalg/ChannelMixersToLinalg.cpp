//===- ChannelMixersToLinalg.cpp - lower projections, norms, rope, MoE ----===//
//
// Reference lowerings of the channel-mixer ops to linalg.generic on tensors.
// Norm statistics are reductions into a tensor of the leading dims followed by
// a pointwise pass; projections are a single contraction in PyTorch layout.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/LoweringStrategy.h"
#include "passes/Conversion/SeqToLinalg/LoweringUtils.h"
#include "passes/Conversion/SeqToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>
#include <limits>
#include <tuple>

using namespace mlir;
using namespace seqc::lowering;
namespace seq = seqc::seq;

namespace {

//===----------------------------------------------------------------------===//
// Pointwise ops
//===----------------------------------------------------------------------===//

struct ActivationLowering : OpConversionPattern<seq::ActivationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::ActivationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    seq::ActivationKind kind = op.getKind();
    rewriter.replaceOp(
        op,
        pointwise(rewriter, op.getLoc(), adaptor.getInput(), adaptor.getInput(),
                  [&](OpBuilder &b, Location loc, ValueRange args) {
                    return applyActivation(b, loc, kind, args[0]);
                  }));
    return success();
  }
};

struct GluLowering : OpConversionPattern<seq::GluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::GluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    seq::ActivationKind kind = op.getKind();
    rewriter.replaceOp(
        op, pointwise(rewriter, op.getLoc(),
                      {adaptor.getGate(), adaptor.getUp()}, adaptor.getGate(),
                      [&](OpBuilder &b, Location loc, ValueRange args) {
                        Value g = applyActivation(b, loc, kind, args[0]);
                        return arith::MulFOp::create(b, loc, g, args[1]);
                      }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// Reduces `input` along `axis` with `combine`, starting from `initValue`.
static Value
reduceAlong(OpBuilder &b, Location loc, Value input, int64_t axis,
            double initValue,
            function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, input);
  sizes.erase(sizes.begin() + axis);
  Value init = filledTensor(b, loc, sizes, type.getElementType(), initValue);
  SmallVector<int64_t> outDims;
  SmallVector<utils::IteratorType> iters;
  for (int64_t i = 0; i < rank; ++i) {
    if (i != axis)
      outDims.push_back(i);
    iters.push_back(i == axis ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);
  }
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 dimsMap(ctx, rank, outDims)};
  return linalg::GenericOp::create(
             b, loc, init.getType(), input, init, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               yieldValue(nb, nl, combine(nb, nl, args[0], args[1]));
             })
      .getResult(0);
}

struct SoftmaxLowering : OpConversionPattern<seq::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    // I64Attr getters return uint64_t: convert before testing the sign.
    int64_t axis = static_cast<int64_t>(op.getAxis());
    if (axis < 0)
      axis += rank;
    Value max = reduceAlong(rewriter, loc, x, axis, -INFINITY,
                            [](OpBuilder &b, Location l, Value v, Value acc) {
                              return arith::MaximumFOp::create(b, l, v, acc);
                            });
    // Σ exp(x - max) along the axis, reading max broadcast along it.
    SmallVector<int64_t> outDims;
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis)
        outDims.push_back(i);
    MLIRContext *ctx = rewriter.getContext();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = dimsMap(ctx, rank, outDims);
    SmallVector<OpFoldResult> reducedSizes = getSizes(rewriter, loc, x);
    reducedSizes.erase(reducedSizes.begin() + axis);
    Value zero =
        filledTensor(rewriter, loc, reducedSizes, type.getElementType(), 0.0);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters[axis] = utils::IteratorType::reduction;
    Value sum = linalg::GenericOp::create(
                    rewriter, loc, zero.getType(), ValueRange{x, max}, zero,
                    {identity, reduced, reduced}, iters,
                    [](OpBuilder &b, Location l, ValueRange args) {
                      Value e = math::ExpOp::create(
                          b, l, arith::SubFOp::create(b, l, args[0], args[1]));
                      yieldValue(b, l, arith::AddFOp::create(b, l, e, args[2]));
                    })
                    .getResult(0);
    Value init = emptyTensor(rewriter, loc, getSizes(rewriter, loc, x),
                             type.getElementType());
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, type, ValueRange{x, max, sum}, init,
            {identity, reduced, reduced, identity}, iterators(rank),
            [](OpBuilder &b, Location l, ValueRange args) {
              Value e = math::ExpOp::create(
                  b, l, arith::SubFOp::create(b, l, args[0], args[1]));
              yieldValue(b, l, arith::DivFOp::create(b, l, e, args[2]));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Embedding and linear
//===----------------------------------------------------------------------===//

struct EmbeddingLowering : OpConversionPattern<seq::EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value table = adaptor.getTable(), ids = adaptor.getIndices(),
          scales = adaptor.getScales(), offsets = adaptor.getOffsets();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t blockSize = 0, perByte = op.getBits() == 4 ? 2 : 1;
    if (scales) {
      int64_t dim =
          cast<RankedTensorType>(table.getType()).getDimSize(1) * perByte;
      int64_t blocks = cast<RankedTensorType>(scales.getType()).getDimSize(1);
      if (ShapedType::isDynamic(dim) || ShapedType::isDynamic(blocks))
        return rewriter.notifyMatchFailure(op, "scales of dynamic shape");
      blockSize = dim / blocks;
    }
    int64_t rank = resultType.getRank();
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, ids);
    sizes.push_back(rewriter.getIndexAttr(resultType.getShape().back()));
    if (resultType.isDynamicDim(rank - 1))
      return rewriter.notifyMatchFailure(op, "a table of dynamic width");
    Value init = emptyTensor(rewriter, loc, sizes, resultType.getElementType());
    SmallVector<int64_t> idDims;
    for (int64_t i = 0; i + 1 < rank; ++i)
      idDims.push_back(i);
    SmallVector<AffineMap> maps = {dimsMap(rewriter.getContext(), rank, idDims),
                                   rewriter.getMultiDimIdentityMap(rank)};
    // A table in panels [V/p, D, p] (a tied head's layout): row v is
    // table[v / p, :, v mod p].
    auto tableType = cast<RankedTensorType>(table.getType());
    int64_t panel = tableType.getRank() == 3 ? tableType.getDimSize(2) : 0;
    if (panel && (tableType.isDynamicDim(0) || ShapedType::isDynamic(panel)))
      return rewriter.notifyMatchFailure(op, "table panels of dynamic shape");
    Value vocab = getValueOrCreateConstantIndexOp(
        rewriter, loc, getSizes(rewriter, loc, table)[0]);
    if (panel)
      vocab = indexConstant(rewriter, loc, tableType.getDimSize(0) * panel);
    Value vocabLast = arith::SubIOp::create(rewriter, loc, vocab,
                                            indexConstant(rewriter, loc, 1));
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ids, init, maps, iterators(rank),
            [&](OpBuilder &b, Location l, ValueRange args) {
              // Clamp so a bad id can never read outside the table; the
              // runtime rejects out-of-range ids before calling.
              Value id =
                  arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
              id = arith::MaxSIOp::create(b, l, id, indexConstant(b, l, 0));
              id = arith::MinSIOp::create(b, l, id, vocabLast);
              Value col = linalg::IndexOp::create(b, l, rank - 1);
              // Indices of (row id, column c) in the table or its scales.
              auto at = [&](Value c) -> SmallVector<Value> {
                if (!panel)
                  return {id, c};
                Value p = indexConstant(b, l, panel);
                return {arith::DivUIOp::create(b, l, id, p), c,
                        arith::RemUIOp::create(b, l, id, p)};
              };
              Value v;
              if (perByte == 2) {
                Value two = indexConstant(b, l, 2);
                Value byte = tensor::ExtractOp::create(
                    b, l, table, at(arith::DivUIOp::create(b, l, col, two)));
                Value odd = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::ne,
                    arith::RemUIOp::create(b, l, col, two),
                    indexConstant(b, l, 0));
                v = unpackNibble(b, l, byte, odd, !offsets);
              } else {
                v = tensor::ExtractOp::create(b, l, table, at(col));
              }
              if (scales) {
                Value block = arith::DivUIOp::create(
                    b, l, col, indexConstant(b, l, blockSize));
                v = dequantize(
                    b, l, v, tensor::ExtractOp::create(b, l, scales, at(block)),
                    offsets
                        ? tensor::ExtractOp::create(b, l, offsets, at(block))
                              .getResult()
                        : Value());
              }
              yieldValue(b, l, v);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// [m, n] initialised with `bias` broadcast over rows, or zeros.
static Value biasOrZeros(OpBuilder &b, Location loc, Value bias,
                         ArrayRef<OpFoldResult> sizes, Type elementType) {
  if (!bias)
    return filledTensor(b, loc, sizes, elementType, 0.0);
  Value init = emptyTensor(b, loc, sizes, elementType);
  MLIRContext *ctx = b.getContext();
  return linalg::GenericOp::create(
             b, loc, init.getType(), bias, init,
             {dimsMap(ctx, 2, {1}), b.getMultiDimIdentityMap(2)}, iterators(2),
             [](OpBuilder &nb, Location nl, ValueRange args) {
               yieldValue(nb, nl, args[0]);
             })
      .getResult(0);
}

struct LinearLowering : OpConversionPattern<seq::LinearOp> {
  LinearLowering(MLIRContext *ctx, const Contractions &contractions)
      : OpConversionPattern(ctx), contractions(contractions) {}

  LogicalResult
  matchAndRewrite(seq::LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t features =
        seq::LinearOp::outFeatures(adaptor.getWeight().getType());
    if (ShapedType::isDynamic(features) &&
        cast<RankedTensorType>(adaptor.getWeight().getType()).getRank() == 3)
      return rewriter.notifyMatchFailure(op, "weight panels of dynamic shape");
    Value x = collapseToMatrix(rewriter, loc, adaptor.getInput());
    SmallVector<OpFoldResult> sizes = {
        getSizes(rewriter, loc, x)[0],
        ShapedType::isDynamic(features)
            ? getSizes(rewriter, loc, adaptor.getWeight())[0]
            : OpFoldResult(rewriter.getIndexAttr(features))};
    Value init = biasOrZeros(rewriter, loc, adaptor.getBias(), sizes,
                             resultType.getElementType());
    if (adaptor.getScales() && ShapedType::isDynamic(op.blockSize()))
      return rewriter.notifyMatchFailure(op, "scales of dynamic shape");
    BlockQuantization quant{adaptor.getScales(), adaptor.getOffsets(),
                            static_cast<int64_t>(op.getBits())};
    Value out = matmulTransposedB(rewriter, loc, x, adaptor.getWeight(), quant,
                                  init, contractions);
    rewriter.replaceOp(op, expandFromMatrix(rewriter, loc, out,
                                            adaptor.getInput(), resultType));
    return success();
  }

  const Contractions &contractions;
};

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

/// Splits the last dim of `x` into [groups, groupSize].
static Value splitLastDim(OpBuilder &b, Location loc, Value x, int64_t groups,
                          int64_t groupSize) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = groups;
  shape.push_back(groupSize);
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x);
  sizes.back() = b.getIndexAttr(groups);
  sizes.push_back(b.getIndexAttr(groupSize));
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i + 1 < rank; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 1, rank});
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x,
      reassociation, sizes);
}

/// Inverse of splitLastDim.
static Value mergeLastDims(OpBuilder &b, Location loc, Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i + 2 < rank; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 2, rank - 1});
  return tensor::CollapseShapeOp::create(b, loc, x, reassociation);
}

/// Σ over the last dim of f(x...) into a tensor of the leading dims.
static Value
sumLastDim(OpBuilder &b, Location loc, ValueRange inputs,
           ArrayRef<AffineMap> inputMaps,
           function_ref<Value(OpBuilder &, Location, ValueRange)> term) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, inputs[0]);
  sizes.pop_back();
  Value init = filledTensor(b, loc, sizes, type.getElementType(), 0.0);
  SmallVector<int64_t> lead;
  for (int64_t i = 0; i + 1 < rank; ++i)
    lead.push_back(i);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(dimsMap(b.getContext(), rank, lead));
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, init, maps, iterators(rank - 1, 1),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value t = term(nb, nl, args.drop_back());
               yieldValue(nb, nl,
                          arith::AddFOp::create(nb, nl, t, args.back()));
             })
      .getResult(0);
}

struct RMSNormLowering : OpConversionPattern<seq::RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::generic))
      return failure();
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t channels = type.getShape().back();
    if (ShapedType::isDynamic(channels))
      return rewriter.notifyMatchFailure(op, "dynamic channel dim");
    // Group statistics by splitting channels into [groups, groupSize]; the
    // plain norm is one group.
    int64_t groupSize = op.getGroupSize().value_or(channels);
    int64_t groups = channels / groupSize;
    Value x =
        splitLastDim(rewriter, loc, adaptor.getInput(), groups, groupSize);
    Value gate =
        adaptor.getGate()
            ? splitLastDim(rewriter, loc, adaptor.getGate(), groups, groupSize)
            : Value();
    auto weightType =
        RankedTensorType::get({groups, groupSize}, type.getElementType());
    Value weight = tensor::ExpandShapeOp::create(
        rewriter, loc, weightType, adaptor.getWeight(),
        SmallVector<ReassociationIndices>{{0, 1}});
    int64_t rank = type.getRank() + 1;
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<Value> inputs = {x};
    if (gate)
      inputs.push_back(gate);
    // x, or x · silu(gate) for the gated form.
    auto gated = [&](OpBuilder &b, Location l, ValueRange args) {
      return gate ? arith::MulFOp::create(b, l, args[0], silu(b, l, args[1]))
                        .getResult()
                  : args[0];
    };
    Value sumSq = sumLastDim(rewriter, loc, inputs,
                             SmallVector<AffineMap>(inputs.size(), identity),
                             [&](OpBuilder &b, Location l, ValueRange args) {
                               Value v = gated(b, l, args);
                               return arith::MulFOp::create(b, l, v, v);
                             });
    SmallVector<int64_t> lead;
    for (int64_t i = 0; i + 1 < rank; ++i)
      lead.push_back(i);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<Value> normInputs(inputs);
    normInputs.append({sumSq, weight});
    SmallVector<AffineMap> maps(inputs.size(), identity);
    maps.append({dimsMap(ctx, rank, lead),
                 dimsMap(ctx, rank, {rank - 2, rank - 1}), identity});
    Value init = emptyTensor(rewriter, loc, getSizes(rewriter, loc, x),
                             type.getElementType());
    double eps = op.getEpsilon().convertToDouble();
    double offset = op.getWeightOffset().convertToDouble();
    bool hasGate = static_cast<bool>(gate);
    Value normalized =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), normInputs, init, maps,
            iterators(rank),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Type t = args[0].getType();
              Value v = gated(b, l, args);
              Value ss = args[hasGate ? 2 : 1], w = args[hasGate ? 3 : 2];
              Value mean = arith::DivFOp::create(
                  b, l, ss, floatConstant(b, l, t, groupSize));
              Value inv = math::RsqrtOp::create(
                  b, l,
                  arith::AddFOp::create(b, l, mean,
                                        floatConstant(b, l, t, eps)));
              if (offset != 0.0)
                w = arith::AddFOp::create(b, l, w,
                                          floatConstant(b, l, t, offset));
              Value y = arith::MulFOp::create(
                  b, l, arith::MulFOp::create(b, l, v, inv), w);
              yieldValue(b, l, y);
            })
            .getResult(0);
    rewriter.replaceOp(op, mergeLastDims(rewriter, loc, normalized));
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<seq::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!seqc::loweredAs(op, seq::LoweringKernel::generic))
      return failure();
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t channels = type.getShape().back();
    if (ShapedType::isDynamic(channels))
      return rewriter.notifyMatchFailure(op, "dynamic channel dim");
    Value x = adaptor.getInput();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<int64_t> lead;
    for (int64_t i = 0; i + 1 < rank; ++i)
      lead.push_back(i);
    AffineMap leadMap = dimsMap(ctx, rank, lead);
    Value sum =
        sumLastDim(rewriter, loc, x, identity,
                   [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    double n = static_cast<double>(channels);
    // Biased variance from the centred values (two passes, as PyTorch).
    Value sumSq =
        sumLastDim(rewriter, loc, {x, sum}, {identity, leadMap},
                   [&](OpBuilder &b, Location l, ValueRange a) {
                     Value mean = arith::DivFOp::create(
                         b, l, a[1], floatConstant(b, l, a[0].getType(), n));
                     Value d = arith::SubFOp::create(b, l, a[0], mean);
                     return arith::MulFOp::create(b, l, d, d);
                   });
    SmallVector<Value> inputs = {x, sum, sumSq, adaptor.getWeight()};
    SmallVector<AffineMap> maps = {identity, leadMap, leadMap,
                                   dimsMap(ctx, rank, {rank - 1})};
    if (adaptor.getBias()) {
      inputs.push_back(adaptor.getBias());
      maps.push_back(dimsMap(ctx, rank, {rank - 1}));
    }
    maps.push_back(identity);
    Value init = emptyTensor(rewriter, loc, getSizes(rewriter, loc, x),
                             type.getElementType());
    double eps = op.getEpsilon().convertToDouble();
    bool hasBias = static_cast<bool>(adaptor.getBias());
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, type, inputs, init, maps, iterators(rank),
            [&](OpBuilder &b, Location l, ValueRange a) {
              Type t = a[0].getType();
              Value mean =
                  arith::DivFOp::create(b, l, a[1], floatConstant(b, l, t, n));
              Value var =
                  arith::DivFOp::create(b, l, a[2], floatConstant(b, l, t, n));
              Value inv = math::RsqrtOp::create(
                  b, l,
                  arith::AddFOp::create(b, l, var,
                                        floatConstant(b, l, t, eps)));
              Value y = arith::MulFOp::create(
                  b, l, arith::SubFOp::create(b, l, a[0], mean), inv);
              y = arith::MulFOp::create(b, l, y, a[3]);
              if (hasBias)
                y = arith::AddFOp::create(b, l, y, a[4]);
              yieldValue(b, l, y);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// The rotary inverse frequencies, computed at compile time the way Hugging
/// Face computes them (including Llama 3.1's piecewise rescaling).
static SmallVector<float> ropeInverseFrequencies(seq::RopeOp op,
                                                 int64_t rotaryDim) {
  double theta = op.getTheta().convertToDouble();
  SmallVector<float> result;
  for (int64_t i = 0; i < rotaryDim / 2; ++i) {
    double inv = 1.0 / std::pow(theta, static_cast<double>(2 * i) / rotaryDim);
    switch (op.getScaling()) {
    case seq::RopeScalingKind::none:
      break;
    case seq::RopeScalingKind::linear:
      inv /= op.getScalingFactor()->convertToDouble();
      break;
    case seq::RopeScalingKind::llama3: {
      double factor = op.getScalingFactor()->convertToDouble();
      double low = op.getLowFreqFactor()->convertToDouble();
      double high = op.getHighFreqFactor()->convertToDouble();
      double original = static_cast<double>(*op.getOriginalMaxPositions());
      double wavelen = 2 * M_PI / inv;
      if (wavelen > original / low) {
        inv /= factor; // low frequencies: fully interpolated
      } else if (!(wavelen < original / high)) {
        double smooth = (original / wavelen - low) / (high - low);
        inv = (1 - smooth) * inv / factor + smooth * inv;
      }
      break;
    }
    }
    if (std::optional<ArrayRef<double>> factors = op.getFrequencyFactors())
      inv /= (*factors)[i];
    result.push_back(static_cast<float>(inv));
  }
  return result;
}

struct RopeLowering : OpConversionPattern<seq::RopeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(seq::RopeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t headDim = type.getDimSize(3);
    if (ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(op, "dynamic head dim");
    int64_t rotaryDim = op.getRotaryDim().value_or(headDim);
    int64_t half = rotaryDim / 2;
    bool interleaved = op.getInterleaved();
    SmallVector<float> invFreq = ropeInverseFrequencies(op, rotaryDim);
    auto freqType = RankedTensorType::get({half}, rewriter.getF32Type());
    Value freqs = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(freqType, ArrayRef(invFreq)));

    Value x = adaptor.getInput(), positions = adaptor.getPositions();
    MLIRContext *ctx = rewriter.getContext();
    int64_t posRank = cast<RankedTensorType>(positions.getType()).getRank();
    AffineMap posMap =
        posRank == 1 ? dimsMap(ctx, 4, {1}) : dimsMap(ctx, 4, {0, 1});
    Value init = emptyTensor(rewriter, loc, getSizes(rewriter, loc, x),
                             type.getElementType());
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, type, ValueRange{x, positions}, init,
            {rewriter.getMultiDimIdentityMap(4), posMap,
             rewriter.getMultiDimIdentityMap(4)},
            iterators(4),
            [&](OpBuilder &b, Location l, ValueRange a) {
              Type t = a[0].getType();
              Value d = linalg::IndexOp::create(b, l, 3);
              auto cIdx = [&](int64_t v) { return indexConstant(b, l, v); };
              Value rotated = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::slt, d, cIdx(rotaryDim));
              // Pair index i, partner channel, and the sign of the partner's
              // term: out = x·cos(θ_i) + sign·x[partner]·sin(θ_i).
              Value pair, partner, negative;
              if (interleaved) {
                pair = arith::DivUIOp::create(b, l, d, cIdx(2));
                Value odd = arith::RemUIOp::create(b, l, d, cIdx(2));
                negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                 odd, cIdx(0));
                partner = arith::SelectOp::create(
                    b, l, negative, arith::AddIOp::create(b, l, d, cIdx(1)),
                    arith::SubIOp::create(b, l, d, cIdx(1)));
              } else {
                negative = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::slt, d, cIdx(half));
                pair = arith::SelectOp::create(
                    b, l, negative, d,
                    arith::SubIOp::create(b, l, d, cIdx(half)));
                partner = arith::SelectOp::create(
                    b, l, negative, arith::AddIOp::create(b, l, d, cIdx(half)),
                    arith::SubIOp::create(b, l, d, cIdx(half)));
              }
              // Channels past rotary_dim pass through; keep their indices in
              // bounds.
              pair = arith::SelectOp::create(b, l, rotated, pair, cIdx(0));
              partner = arith::SelectOp::create(b, l, rotated, partner, d);
              Value bIdx = linalg::IndexOp::create(b, l, 0);
              Value sIdx = linalg::IndexOp::create(b, l, 1);
              Value hIdx = linalg::IndexOp::create(b, l, 2);
              Value other = tensor::ExtractOp::create(
                  b, l, x, ValueRange{bIdx, sIdx, hIdx, partner});
              Value freq = tensor::ExtractOp::create(b, l, freqs, pair);
              Value pos = arith::SIToFPOp::create(b, l, b.getF32Type(), a[1]);
              Value angle = arith::MulFOp::create(b, l, pos, freq);
              Value cos = math::CosOp::create(b, l, angle);
              Value sin = math::SinOp::create(b, l, angle);
              if (t != b.getF32Type()) {
                cos = arith::TruncFOp::create(b, l, t, cos);
                sin = arith::TruncFOp::create(b, l, t, sin);
              }
              Value otherTerm = arith::MulFOp::create(b, l, other, sin);
              otherTerm = arith::SelectOp::create(
                  b, l, negative, arith::NegFOp::create(b, l, otherTerm),
                  otherTerm);
              Value y = arith::AddFOp::create(
                  b, l, arith::MulFOp::create(b, l, a[0], cos), otherTerm);
              yieldValue(b, l, arith::SelectOp::create(b, l, rotated, y, a[0]));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Mixture of experts
//===----------------------------------------------------------------------===//

/// rank[..., e] = #{e2 : c[..., e2] > c[..., e] or (equal and e2 < e)}
/// along the last dim: an expert (or a group) is kept when its rank is
/// below the number kept.
static Value moeRanks(OpBuilder &b, Location loc, Value choice) {
  MLIRContext *ctx = b.getContext();
  Type t = cast<RankedTensorType>(choice.getType()).getElementType();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, choice);
  int64_t rank = static_cast<int64_t>(sizes.size());
  SmallVector<int64_t> own, other;
  for (int64_t d = 0; d < rank; ++d) {
    own.push_back(d);
    other.push_back(d + 1 == rank ? rank : d);
  }
  Value zeros = filledTensor(b, loc, sizes, t, 0.0);
  return linalg::GenericOp::create(
             b, loc, zeros.getType(), ValueRange{choice, choice}, zeros,
             {dimsMap(ctx, rank + 1, own), dimsMap(ctx, rank + 1, other),
              dimsMap(ctx, rank + 1, own)},
             iterators(rank, 1),
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value e = linalg::IndexOp::create(nb, nl, rank - 1);
               Value e2 = linalg::IndexOp::create(nb, nl, rank);
               Value greater = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OGT, a[1], a[0]);
               Value equal = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OEQ, a[1], a[0]);
               Value before = arith::CmpIOp::create(
                   nb, nl, arith::CmpIPredicate::ult, e2, e);
               Value beats = arith::OrIOp::create(
                   nb, nl, greater,
                   arith::AndIOp::create(nb, nl, equal, before));
               Value inc = arith::SelectOp::create(
                   nb, nl, beats, floatConstant(nb, nl, t, 1.0),
                   floatConstant(nb, nl, t, 0.0));
               yieldValue(nb, nl, arith::AddFOp::create(nb, nl, a[2], inc));
             })
      .getResult(0);
}

/// Group-limited routing: `choice` [T, E] with the experts outside each
/// token's `kept` best of `groups` groups set to −inf. A group scores the
/// sum of its two best choices; ranks break ties by the lower index.
static Value groupLimitedChoice(OpBuilder &b, Location loc, Value choice,
                                int64_t experts, int64_t groups, int64_t kept) {
  MLIRContext *ctx = b.getContext();
  Type t = cast<RankedTensorType>(choice.getType()).getElementType();
  int64_t perGroup = experts / groups;
  OpFoldResult tokens = getSizes(b, loc, choice)[0];
  choice = tensor::CastOp::create(
      b, loc, RankedTensorType::get({ShapedType::kDynamic, experts}, t),
      choice);
  // [T, E] as [T, G, P].
  auto grouped = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get({ShapedType::kDynamic, groups, perGroup}, t),
      choice, SmallVector<ReassociationIndices>{{0}, {1, 2}},
      // The result's token dim is dynamic: its size as a value.
      SmallVector<OpFoldResult>{getValueOrCreateConstantIndexOp(b, loc, tokens),
                                b.getIndexAttr(groups),
                                b.getIndexAttr(perGroup)});
  auto zeroF = [&](OpBuilder &nb, Location nl) {
    return floatConstant(nb, nl, t, 0.0);
  };
  // Each expert's rank within its group.
  Value rank = moeRanks(b, loc, grouped);
  // score[t, g] = the sum of the group's two best choices.
  Value scoreInit =
      filledTensor(b, loc, {tokens, b.getIndexAttr(groups)}, t, 0.0);
  Value score =
      linalg::GenericOp::create(
          b, loc, scoreInit.getType(), ValueRange{grouped, rank}, scoreInit,
          {dimsMap(ctx, 3, {0, 1, 2}), dimsMap(ctx, 3, {0, 1, 2}),
           dimsMap(ctx, 3, {0, 1})},
          iterators(2, 1),
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value best =
                arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT, a[1],
                                      floatConstant(nb, nl, t, 2.0));
            Value v =
                arith::SelectOp::create(nb, nl, best, a[0], zeroF(nb, nl));
            yieldValue(nb, nl, arith::AddFOp::create(nb, nl, a[2], v));
          })
          .getResult(0);
  Value groupRank = moeRanks(b, loc, score);
  // Experts of the groups ranked `kept` or worse: −inf.
  Value maskedInit = emptyTensor(
      b, loc, {tokens, b.getIndexAttr(groups), b.getIndexAttr(perGroup)}, t);
  Value masked =
      linalg::GenericOp::create(
          b, loc, maskedInit.getType(), ValueRange{grouped, groupRank},
          maskedInit,
          {dimsMap(ctx, 3, {0, 1, 2}), dimsMap(ctx, 3, {0, 1}),
           dimsMap(ctx, 3, {0, 1, 2})},
          iterators(3),
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value in = arith::CmpFOp::create(
                nb, nl, arith::CmpFPredicate::OLT, a[1],
                floatConstant(nb, nl, t, static_cast<double>(kept)));
            Value none = floatConstant(
                nb, nl, t, -std::numeric_limits<double>::infinity());
            yieldValue(nb, nl, arith::SelectOp::create(nb, nl, in, a[0], none));
          })
          .getResult(0);
  return tensor::CollapseShapeOp::create(
      b, loc, masked, SmallVector<ReassociationIndices>{{0}, {1, 2}});
}

/// sigmoid_topk: the kept experts' sigmoids, chosen by sigmoid + bias,
/// normalised (sum + epsilon) when asked; zero elsewhere.
static Value sigmoidRoutingWeights(OpBuilder &b, Location loc, seq::MoeOp op,
                                   Value logits, Value bias) {
  MLIRContext *ctx = b.getContext();
  Type t = cast<RankedTensorType>(logits.getType()).getElementType();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, logits);
  AffineMap full = dimsMap(ctx, 2, {0, 1}), row = dimsMap(ctx, 2, {0});
  auto sigmoid = [&](OpBuilder &nb, Location nl, Value x) {
    Value one = floatConstant(nb, nl, t, 1.0);
    Value ex = math::ExpOp::create(nb, nl, arith::NegFOp::create(nb, nl, x));
    return arith::DivFOp::create(nb, nl, one,
                                 arith::AddFOp::create(nb, nl, one, ex));
  };
  Value scores = pointwise(b, loc, logits, logits,
                           [&](OpBuilder &nb, Location nl, ValueRange a) {
                             return sigmoid(nb, nl, a[0]);
                           });
  Value choice = scores;
  if (bias)
    choice =
        linalg::GenericOp::create(
            b, loc, scores.getType(), ValueRange{scores, bias},
            emptyTensor(b, loc, sizes, t), {full, dimsMap(ctx, 2, {1}), full},
            iterators(2),
            [&](OpBuilder &nb, Location nl, ValueRange a) {
              yieldValue(nb, nl, arith::AddFOp::create(nb, nl, a[0], a[1]));
            })
            .getResult(0);
  if (op.groupLimited()) {
    int64_t experts =
        cast<RankedTensorType>(op.getGateWeight().getType()).getDimSize(0);
    choice = groupLimitedChoice(b, loc, choice, experts, op.getExpertGroups(),
                                static_cast<int64_t>(*op.getKeptGroups()));
  }
  Value rank = moeRanks(b, loc, choice);
  double topK = static_cast<double>(op.getTopK());
  Value kept =
      linalg::GenericOp::create(
          b, loc, scores.getType(), ValueRange{scores, rank},
          emptyTensor(b, loc, sizes, t), {full, full, full}, iterators(2),
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value in =
                arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT, a[1],
                                      floatConstant(nb, nl, t, topK));
            yieldValue(nb, nl,
                       arith::SelectOp::create(nb, nl, in, a[0],
                                               floatConstant(nb, nl, t, 0.0)));
          })
          .getResult(0);
  if (!op.getNormalize())
    return kept;
  Value sum = filledTensor(b, loc, {sizes[0]}, t, 0.0);
  sum = linalg::GenericOp::create(
            b, loc, sum.getType(), kept, sum, {full, row}, iterators(1, 1),
            [](OpBuilder &nb, Location nl, ValueRange a) {
              yieldValue(nb, nl, arith::AddFOp::create(nb, nl, a[0], a[1]));
            })
            .getResult(0);
  double epsilon = op.getNormalizeEpsilon().convertToDouble();
  return linalg::GenericOp::create(
             b, loc, kept.getType(), ValueRange{kept, sum},
             emptyTensor(b, loc, sizes, t), {full, row, full}, iterators(2),
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value d = a[1];
               if (epsilon != 0.0)
                 d = arith::AddFOp::create(nb, nl, d,
                                           floatConstant(nb, nl, t, epsilon));
               yieldValue(nb, nl, arith::DivFOp::create(nb, nl, a[0], d));
             })
      .getResult(0);
}

/// softmax_topk / topk_softmax: softmax probabilities of the kept
/// experts (over all experts, or over the kept ones); zero elsewhere.
static Value softmaxRoutingWeights(OpBuilder &b, Location loc, seq::MoeOp op,
                                   Value logits) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(logits.getType());
  Type t = type.getElementType();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, logits);
  // Softmax is monotonic, so ranking logits ranks probabilities too.
  Value rank = moeRanks(b, loc, logits);
  double topK = static_cast<double>(op.getTopK());
  auto kept = [&](OpBuilder &nb, Location nl, Value r) {
    return arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT, r,
                                 floatConstant(nb, nl, t, topK));
  };
  // Row max, Σ exp over all experts, Σ exp over kept experts.
  SmallVector<OpFoldResult> rowSizes = {sizes[0]};
  Value max = filledTensor(b, loc, rowSizes, t, -INFINITY);
  AffineMap full = dimsMap(ctx, 2, {0, 1}), row = dimsMap(ctx, 2, {0});
  max = linalg::GenericOp::create(
            b, loc, max.getType(), logits, max, {full, row}, iterators(1, 1),
            [](OpBuilder &nb, Location nl, ValueRange a) {
              yieldValue(nb, nl, arith::MaximumFOp::create(nb, nl, a[0], a[1]));
            })
            .getResult(0);
  Value rowZeros = filledTensor(b, loc, rowSizes, t, 0.0);
  auto sums = linalg::GenericOp::create(
      b, loc, TypeRange{rowZeros.getType(), rowZeros.getType()},
      ValueRange{logits, rank, max}, ValueRange{rowZeros, rowZeros},
      {full, full, row, row, row}, iterators(1, 1),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value e = math::ExpOp::create(
            nb, nl, arith::SubFOp::create(nb, nl, a[0], a[2]));
        Value keptE = arith::SelectOp::create(nb, nl, kept(nb, nl, a[1]), e,
                                              floatConstant(nb, nl, t, 0.0));
        linalg::YieldOp::create(
            nb, nl,
            ValueRange{arith::AddFOp::create(nb, nl, a[3], e),
                       arith::AddFOp::create(nb, nl, a[4], keptE)});
      });
  // softmax_topk without renormalisation divides by the full softmax sum;
  // every other combination normalises over the kept experts.
  bool fullSum = op.getRouting() == seq::MoeRoutingKind::softmax_topk &&
                 !op.getNormalize();
  Value denom = sums.getResult(fullSum ? 0 : 1);
  Value init = emptyTensor(b, loc, sizes, t);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{logits, rank, max, denom}, init,
             {full, full, row, row, full}, iterators(2),
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value e = math::ExpOp::create(
                   nb, nl, arith::SubFOp::create(nb, nl, a[0], a[2]));
               Value w = arith::DivFOp::create(nb, nl, e, a[3]);
               yieldValue(
                   nb, nl,
                   arith::SelectOp::create(nb, nl, kept(nb, nl, a[1]), w,
                                           floatConstant(nb, nl, t, 0.0)));
             })
      .getResult(0);
}

/// Routing weights [tokens, experts]: zero for experts outside the top k,
/// times routed_scale.
static Value moeRoutingWeights(OpBuilder &b, Location loc, seq::MoeOp op,
                               Value logits, Value bias) {
  Value weights = op.getRouting() == seq::MoeRoutingKind::sigmoid_topk
                      ? sigmoidRoutingWeights(b, loc, op, logits, bias)
                      : softmaxRoutingWeights(b, loc, op, logits);
  double scale = op.getRoutedScale().convertToDouble();
  if (scale == 1.0)
    return weights;
  Type t = cast<RankedTensorType>(weights.getType()).getElementType();
  return pointwise(b, loc, weights, weights,
                   [&](OpBuilder &nb, Location nl, ValueRange a) {
                     return arith::MulFOp::create(
                         nb, nl, a[0], floatConstant(nb, nl, t, scale));
                   });
}
/// Expert `e` of a stacked [E, a, b] weight as [a, b].
static Value expertSlice(OpBuilder &b, Location loc, Value stacked, Value e) {
  auto type = cast<RankedTensorType>(stacked.getType());
  auto sliceType = RankedTensorType::get(
      {type.getDimSize(1), type.getDimSize(2)}, type.getElementType());
  SmallVector<OpFoldResult> offsets = {e, b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                     b.getIndexAttr(type.getDimSize(1)),
                                     b.getIndexAttr(type.getDimSize(2))};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, sliceType, stacked, offsets,
                                        sizes, strides);
}

/// The rows of `x` [tokens, D] whose routing weight in `column` [tokens]
/// is nonzero (`count` of them, a rank-0 float tensor), in token order:
/// (rows [count, D], count, slot [tokens] index: the token's row, or -1).
static std::tuple<Value, OpFoldResult, Value>
gatherRoutedRows(OpBuilder &b, Location loc, Value x, Value column,
                 Value count) {
  MLIRContext *ctx = b.getContext();
  Type t = cast<RankedTensorType>(x.getType()).getElementType();
  Type index = b.getIndexType();
  SmallVector<OpFoldResult> xSizes = getSizes(b, loc, x);
  Value n = arith::IndexCastOp::create(
      b, loc, index,
      arith::FPToSIOp::create(
          b, loc, b.getI64Type(),
          tensor::ExtractOp::create(b, loc, count, ValueRange{})));
  Value tokens = getValueOrCreateConstantIndexOp(b, loc, xSizes[0]);
  // positions[j]: the j-th routed token; slot[t]: its j, or -1.
  Value positions = tensor::EmptyOp::create(
      b, loc, ArrayRef<OpFoldResult>{OpFoldResult(n)}, index);
  Value slot =
      tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{xSizes[0]}, index);
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value none = indexConstant(b, loc, -1);
  auto scan = scf::ForOp::create(
      b, loc, zero, tokens, one, ValueRange{positions, slot, zero},
      [&](OpBuilder &nb, Location nl, Value tok, ValueRange iter) {
        Value w = tensor::ExtractOp::create(nb, nl, column, ValueRange{tok});
        Value routed = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UNE,
                                             w, floatConstant(nb, nl, t, 0.0));
        auto branch = scf::IfOp::create(
            nb, nl, routed,
            [&](OpBuilder &ib, Location il) {
              Value p = tensor::InsertOp::create(ib, il, tok, iter[0],
                                                 ValueRange{iter[2]});
              Value s = tensor::InsertOp::create(ib, il, iter[2], iter[1],
                                                 ValueRange{tok});
              Value j = arith::AddIOp::create(ib, il, iter[2], one);
              scf::YieldOp::create(ib, il, ValueRange{p, s, j});
            },
            [&](OpBuilder &ib, Location il) {
              Value s = tensor::InsertOp::create(ib, il, none, iter[1],
                                                 ValueRange{tok});
              scf::YieldOp::create(ib, il, ValueRange{iter[0], s, iter[2]});
            });
        scf::YieldOp::create(nb, nl, branch.getResults());
      });
  positions = scan.getResult(0);
  slot = scan.getResult(1);
  // rows[j, d] = x[positions[j], d]
  Value rows = emptyTensor(b, loc, {n, xSizes[1]}, t);
  rows = linalg::GenericOp::create(
             b, loc, rows.getType(), ValueRange{positions}, rows,
             {dimsMap(ctx, 2, {0}), dimsMap(ctx, 2, {0, 1})}, iterators(2),
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value d = linalg::IndexOp::create(nb, nl, 1);
               yieldValue(
                   nb, nl,
                   tensor::ExtractOp::create(nb, nl, x, ValueRange{a[0], d}));
             })
             .getResult(0);
  return {rows, n, slot};
}

struct MoeLowering : OpConversionPattern<seq::MoeOp> {
  MoeLowering(MLIRContext *ctx, const Contractions &contractions)
      : OpConversionPattern(ctx), contractions(contractions) {}

  LogicalResult
  matchAndRewrite(seq::MoeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type t = type.getElementType();
    auto gateType = cast<RankedTensorType>(adaptor.getGateWeight().getType());
    int64_t experts = gateType.getDimSize(0), ffn = gateType.getDimSize(1);
    if (ShapedType::isDynamic(experts) || ShapedType::isDynamic(ffn))
      return rewriter.notifyMatchFailure(op, "dynamic expert shapes");
    Value x = collapseToMatrix(rewriter, loc, adaptor.getInput());
    Value logits = collapseToMatrix(rewriter, loc, adaptor.getRouterLogits());
    Value weights = moeRoutingWeights(rewriter, loc, op, logits,
                                      adaptor.getSelectionBias());
    OpFoldResult tokens = getSizes(rewriter, loc, x)[0];
    OpFoldResult dim = getSizes(rewriter, loc, x)[1];
    Value acc = filledTensor(rewriter, loc, {tokens, dim}, t, 0.0);
    seq::ActivationKind kind = op.getActivation();
    uint64_t bits = op.getBits();
    MLIRContext *ctx = rewriter.getContext();
    // Every expert some token routes to runs, weighted by its routing
    // weight: on the CPU on the rows of its tokens only (gathered, results
    // scattered back), the other experts skipped; elsewhere on every row
    // (zero weights for the tokens not routed to it).
    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0),
        indexConstant(rewriter, loc, experts), indexConstant(rewriter, loc, 1),
        acc, [&](OpBuilder &ob, Location l, Value e, ValueRange iter) {
          auto columnType = RankedTensorType::get(
              {cast<RankedTensorType>(weights.getType()).getDimSize(0)}, t);
          Value column = tensor::ExtractSliceOp::create(
              ob, l, columnType, weights,
              ArrayRef<OpFoldResult>{ob.getIndexAttr(0), e},
              ArrayRef<OpFoldResult>{tokens, ob.getIndexAttr(1)},
              ArrayRef<OpFoldResult>{ob.getIndexAttr(1), ob.getIndexAttr(1)});
          // routed = Σ_t (w_t != 0), as a count.
          Value count = filledTensor(ob, l, {}, t, 0.0);
          count = linalg::GenericOp::create(
                      ob, l, count.getType(), column, count,
                      {dimsMap(ctx, 1, {0}), AffineMap::get(1, 0, ctx)},
                      iterators(0, 1),
                      [&](OpBuilder &nb, Location nl, ValueRange a) {
                        Value nz = arith::CmpFOp::create(
                            nb, nl, arith::CmpFPredicate::UNE, a[0],
                            floatConstant(nb, nl, t, 0.0));
                        Value inc = arith::SelectOp::create(
                            nb, nl, nz, floatConstant(nb, nl, t, 1.0),
                            floatConstant(nb, nl, t, 0.0));
                        yieldValue(nb, nl,
                                   arith::AddFOp::create(nb, nl, a[1], inc));
                      })
                      .getResult(0);
          // Targets whose host cannot read the count run every expert.
          Value routed =
              contractions.branchesOnData()
                  ? arith::CmpFOp::create(
                        ob, l, arith::CmpFPredicate::OGT,
                        tensor::ExtractOp::create(ob, l, count, ValueRange{}),
                        floatConstant(ob, l, t, 0.0))
                        .getResult()
                  : arith::ConstantIntOp::create(ob, l, 1, 1).getResult();
          auto ifOp = scf::IfOp::create(
              ob, l, routed,
              [&](OpBuilder &b, Location l) {
                // Expert e's weight (and block scales and offsets, if
                // quantized).
                auto expert = [&](Value w, Value scales, Value offsets) {
                  auto slice = [&](Value v) {
                    return v ? expertSlice(b, l, v, e) : Value();
                  };
                  return std::pair{
                      slice(w), BlockQuantization{slice(scales), slice(offsets),
                                                  static_cast<int64_t>(bits)}};
                };
                auto [gw, gq] =
                    expert(adaptor.getGateWeight(), adaptor.getGateScales(),
                           adaptor.getGateOffsets());
                auto [uw, uq] =
                    expert(adaptor.getUpWeight(), adaptor.getUpScales(),
                           adaptor.getUpOffsets());
                auto [dw, dq] =
                    expert(adaptor.getDownWeight(), adaptor.getDownScales(),
                           adaptor.getDownOffsets());
                // On the CPU the expert reads only its tokens' rows
                // (gathered), elsewhere every row.
                Value rows = x;
                OpFoldResult rowCount = tokens;
                Value slot; // CPU: token t's row in `rows`, or -1
                if (contractions.branchesOnData())
                  std::tie(rows, rowCount, slot) =
                      gatherRoutedRows(b, l, x, column, count);
                Value zerosF =
                    filledTensor(b, l, {rowCount, b.getIndexAttr(ffn)}, t, 0.0);
                Value g =
                    matmulTransposedB(b, l, rows, gw, gq, zerosF, contractions);
                Value u =
                    matmulTransposedB(b, l, rows, uw, uq, zerosF, contractions);
                Value h =
                    pointwise(b, l, {g, u}, g,
                              [&](OpBuilder &nb, Location nl, ValueRange a) {
                                Value act = applyActivation(nb, nl, kind, a[0]);
                                return arith::MulFOp::create(nb, nl, act, a[1]);
                              });
                Value zerosD = filledTensor(b, l, {rowCount, dim}, t, 0.0);
                Value o =
                    matmulTransposedB(b, l, h, dw, dq, zerosD, contractions);
                Value next;
                if (slot) {
                  // acc[t] += w_t · o[slot_t] for the routed tokens.
                  next =
                      linalg::GenericOp::create(
                          b, l, iter[0].getType(), ValueRange{column, slot},
                          iter[0],
                          {dimsMap(ctx, 2, {0}), dimsMap(ctx, 2, {0}),
                           dimsMap(ctx, 2, {0, 1})},
                          iterators(2),
                          [&](OpBuilder &nb, Location nl, ValueRange a) {
                            Value zeroI =
                                arith::ConstantIndexOp::create(nb, nl, 0);
                            Value in = arith::CmpIOp::create(
                                nb, nl, arith::CmpIPredicate::sge, a[1], zeroI);
                            Value row = arith::SelectOp::create(nb, nl, in,
                                                                a[1], zeroI);
                            Value d = linalg::IndexOp::create(nb, nl, 1);
                            Value v = tensor::ExtractOp::create(
                                nb, nl, o, ValueRange{row, d});
                            Value w = arith::MulFOp::create(nb, nl, v, a[0]);
                            w = arith::SelectOp::create(
                                nb, nl, in, w, floatConstant(nb, nl, t, 0.0));
                            yieldValue(nb, nl,
                                       arith::AddFOp::create(nb, nl, a[2], w));
                          })
                          .getResult(0);
                } else {
                  next =
                      linalg::GenericOp::create(
                          b, l, iter[0].getType(), ValueRange{o, column},
                          iter[0],
                          {dimsMap(ctx, 2, {0, 1}), dimsMap(ctx, 2, {0}),
                           dimsMap(ctx, 2, {0, 1})},
                          iterators(2),
                          [](OpBuilder &nb, Location nl, ValueRange a) {
                            Value w = arith::MulFOp::create(nb, nl, a[0], a[1]);
                            yieldValue(nb, nl,
                                       arith::AddFOp::create(nb, nl, a[2], w));
                          })
                          .getResult(0);
                }
                scf::YieldOp::create(b, l, next);
              },
              [&](OpBuilder &b, Location l) {
                scf::YieldOp::create(b, l, iter[0]);
              });
          scf::YieldOp::create(ob, l, ifOp.getResult(0));
        });
    rewriter.replaceOp(op, expandFromMatrix(rewriter, loc, loop.getResult(0),
                                            adaptor.getInput(), type));
    return success();
  }

  const Contractions &contractions;
};

} // namespace

void seqc::populateChannelMixerLoweringPatterns(
    RewritePatternSet &patterns, const lowering::Contractions &contractions) {
  patterns
      .add<ActivationLowering, GluLowering, SoftmaxLowering, EmbeddingLowering,
           RMSNormLowering, LayerNormLowering, RopeLowering>(
          patterns.getContext());
  patterns.add<LinearLowering, MoeLowering>(patterns.getContext(),
                                            contractions);
}
