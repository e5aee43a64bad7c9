//===- AttentionOps.cpp - seq.attention verifier and inference ------------===//

#include "dialects/seq/IR/SeqOps.h"
#include "dialects/seq/IR/VerifyUtils.h"

#include <cmath>

using namespace mlir;
using namespace seqc::seq;
using namespace seqc::seq::detail;

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  // [B, Sq, Hq, Dv]: the query's first three dims, the value's head dim.
  auto query = dyn_cast<RankedTensorType>(adaptor.getQuery().getType());
  if (!query || query.getRank() != 4)
    return failure();
  SmallVector<int64_t> shape(query.getShape());
  shape[3] = dimOrDynamic(adaptor.getValue().getType(), 3);
  results.push_back(RankedTensorType::get(shape, query.getElementType()));
  return success();
}

double AttentionOp::getEffectiveScale() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  return 1.0 /
         std::sqrt(static_cast<double>(getQuery().getType().getDimSize(3)));
}

/// A positive integer attribute, when present.
static LogicalResult verifyPositive(Operation *op, StringRef name,
                                    std::optional<int64_t> value) {
  if (value && *value <= 0)
    return op->emitOpError("expected ") << name << " > 0, got " << *value;
  return success();
}

/// Block-sparse layout: both attributes or neither; the layout is a 2-D
/// square map over blocks of absolute positions that covers every key.
static LogicalResult verifyBlockSparse(AttentionOp op, const NamedTensor &key) {
  std::optional<int64_t> blockSize = op.getBlockSize();
  std::optional<DenseIntElementsAttr> layout = op.getBlockLayout();
  if (blockSize.has_value() != layout.has_value())
    return op.emitOpError(
        "expected block_size and block_layout to be given together");
  if (!blockSize)
    return success();
  if (failed(verifyPositive(op, "block_size", blockSize)))
    return failure();
  auto layoutType = cast<ShapedType>(layout->getType());
  if (layoutType.getRank() != 2 ||
      layoutType.getDimSize(0) != layoutType.getDimSize(1))
    return op.emitOpError("expected block_layout to be a square 2-D map, got ")
           << layoutType;
  int64_t keys = key.dim(1);
  int64_t blocks = layoutType.getDimSize(0);
  if (!ShapedType::isDynamic(keys) && blocks * *blockSize < keys)
    return op.emitOpError("expected block_layout (")
           << blocks << " blocks of " << *blockSize << ") to cover key dim 1 ("
           << keys << ")";
  return success();
}

/// An 8-bit KV cache: i8 key and value with both scales, f32 query, and
/// scales [B, Skv, Hkv, D / block] of a float type, block dividing D.
static LogicalResult verifyCacheScales(AttentionOp op, const NamedTensor &query,
                                       const NamedTensor &key,
                                       const NamedTensor &value) {
  bool quantized = key.type.getElementType().isInteger(8);
  if (bool(op.getKeyScales()) != bool(op.getValueScales()))
    return op.emitOpError("expected key and value scales together");
  if (!op.getKeyScales()) {
    if (quantized || value.type.getElementType().isInteger(8))
      return op.emitOpError("expected scales for an i8 (8-bit) KV cache");
    return success();
  }
  if (!quantized || !value.type.getElementType().isInteger(8))
    return op.emitOpError("expected i8 key and value with scales, got ")
           << key.type.getElementType() << " and "
           << value.type.getElementType();
  if (!query.type.getElementType().isF32())
    return op.emitOpError("expected an f32 query over an 8-bit KV cache");
  for (auto [scales, values] :
       {std::pair{NamedTensor(op.getKeyScales(), "key scales"), &key},
        std::pair{NamedTensor(op.getValueScales(), "value scales"), &value}}) {
    if (!isa<Float16Type, BFloat16Type, Float32Type>(
            scales.type.getElementType()))
      return op.emitOpError("expected f16, bf16 or f32 ")
             << scales.name << ", got " << scales.type.getElementType();
    for (int64_t d = 0; d < 3; ++d)
      if (failed(matchDim(op, scales, d, *values, d)))
        return failure();
    int64_t dim = values->dim(3), blocks = scales.dim(3);
    if (!ShapedType::isDynamic(dim) && !ShapedType::isDynamic(blocks) &&
        (blocks <= 0 || dim % blocks != 0))
      return op.emitOpError("expected ")
             << scales.name << " dim 3 (" << blocks << ") to divide the "
             << values->name << "'s head dim (" << dim << ") into equal blocks";
  }
  return success();
}

LogicalResult AttentionOp::verify() {
  NamedTensor query(getQuery(), "query"), key(getKey(), "key"),
      value(getValue(), "value");
  // A narrow KV cache: key and value may be bf16/f16 (read widened) or i8
  // with scales under an f32 query; everything else shares the query's
  // element type.
  Type element = query.type.getElementType(),
       kvElement = key.type.getElementType();
  if (failed(verifyCacheScales(*this, query, key, value)))
    return failure();
  if (kvElement != element &&
      !(element.isF32() &&
        (kvElement.isBF16() || kvElement.isF16() || kvElement.isInteger(8))))
    return emitOpError("expected key of the query's element type ")
           << element << " (or bf16/f16/i8 under an f32 query), got "
           << kvElement;
  if (value.type.getElementType() != kvElement)
    return emitOpError("expected value of the key's element type ")
           << kvElement << ", got " << value.type.getElementType();
  if (getBias() &&
      cast<ShapedType>(getBias().getType()).getElementType() != element)
    return emitOpError("expected bias of the query's element type ") << element;
  if (getResult().getType().getElementType() != element)
    return emitOpError("expected result of the query's element type ")
           << element;
  // Batch, sequence, heads and head dims across q/k/v.
  if (failed(matchDim(*this, key, 0, query, 0)) ||
      failed(matchDim(*this, value, 0, query, 0)) ||
      failed(matchDim(*this, key, 3, query, 3)) ||
      failed(matchDim(*this, value, 1, key, 1)) ||
      failed(matchDim(*this, value, 2, key, 2)))
    return failure();

  // A ring maps slots to positions modulo its (known) size.
  if (getRing() && ShapedType::isDynamic(key.dim(1)))
    return emitOpError("expected a static key dim 1 (the ring's slots) with "
                       "ring");

  int64_t queryHeads = query.dim(2), kvHeads = key.dim(2);
  if (!ShapedType::isDynamic(queryHeads) && !ShapedType::isDynamic(kvHeads) &&
      (kvHeads == 0 || queryHeads % kvHeads != 0))
    return emitOpError("expected query heads (")
           << queryHeads << ") to be a multiple of key/value heads (" << kvHeads
           << ")";

  // The bias is added to scores [B, Hq, Sq, Skv]; any dim may broadcast.
  if (Value bias = getBias()) {
    NamedTensor b(bias, "bias");
    std::pair<const NamedTensor *, int64_t> scoreDims[] = {
        {&query, 0}, {&query, 2}, {&query, 1}, {&key, 1}};
    for (auto [i, ref] : llvm::enumerate(scoreDims))
      if (b.dim(i) != 1 &&
          failed(matchDim(*this, b, i, *ref.first, ref.second)))
        return failure();
  }

  if (std::optional<APFloat> scale = getScale())
    if (!scale->isFiniteNonZero())
      return emitOpError("expected a finite non-zero scale, got ")
             << formatFloat(scale->convertToDouble());

  // Without a cache, queries are the last Sq of Skv positions, so a causal
  // mask needs Sq <= Skv.
  int64_t sq = query.dim(1), skv = key.dim(1);
  if (getCausal() && !getKvLength() && !ShapedType::isDynamic(sq) &&
      !ShapedType::isDynamic(skv) && sq > skv)
    return emitOpError("expected query dim 1 (")
           << sq << ") <= key dim 1 (" << skv
           << ") for causal attention without kv_length";

  if (failed(verifyPositive(*this, "sliding_window", getSlidingWindow())) ||
      failed(verifyPositive(*this, "global_tokens", getGlobalTokens())) ||
      failed(verifyPositive(*this, "dilation_rate", getDilationRate())) ||
      failed(verifyPositive(*this, "dilation_segment", getDilationSegment())))
    return failure();
  if (getDilationRate().has_value() != getDilationSegment().has_value())
    return emitOpError(
        "expected dilation_rate and dilation_segment to be given together");
  if (getDilationRate() && *getDilationRate() > *getDilationSegment())
    return emitOpError("expected dilation_rate (")
           << *getDilationRate() << ") <= dilation_segment ("
           << *getDilationSegment() << ")";
  return verifyBlockSparse(*this, key);
}

/// Checks a modifier region's signature: `indexArgs` trailing index
/// arguments after `leading`, and a single yielded value of type `yielded`.
static LogicalResult verifyModifier(AttentionOp op, Region &region,
                                    StringRef name, ArrayRef<Type> leading,
                                    Type yielded) {
  if (region.empty())
    return success();
  Block &block = region.front();
  SmallVector<Type> expected(leading);
  expected.append(4, IndexType::get(op.getContext()));
  if (block.getArgumentTypes() != TypeRange(expected)) {
    InFlightDiagnostic diag = op.emitOpError("expected ")
                              << name << " arguments (";
    llvm::interleaveComma(expected, diag);
    return diag << ") for (" << (leading.empty() ? "" : "score, ")
                << "batch, head, query, key)";
  }
  auto yield = block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
  if (!yield || yield.getValues().size() != 1 ||
      yield.getValues()[0].getType() != yielded)
    return op.emitOpError("expected ")
           << name << " to yield one value of type " << yielded;
  return success();
}

LogicalResult AttentionOp::verifyRegions() {
  Type element = getQuery().getType().getElementType();
  if (failed(verifyModifier(*this, getMaskMod(), "mask_mod", {},
                            IntegerType::get(getContext(), 1))))
    return failure();
  return verifyModifier(*this, getScoreMod(), "score_mod", {element}, element);
}
