//===- ChannelMixerOps.cpp - verifiers of the channel-mixer ops -----------===//
//
// Weights, embedding, linear, norms, rope, softmax and MoE: shape checks and
// result-type inference.
//
//===----------------------------------------------------------------------===//

#include "dialects/seq/IR/SeqOps.h"
#include "dialects/seq/IR/VerifyUtils.h"

#include <cmath>

#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace seqc::seq;
using namespace seqc::seq::detail;

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("expected a non-empty weight name");
  // The name crosses the runtime's C API and its JSON descriptor.
  if (getName().contains('\0') || !llvm::json::isUTF8(getName()))
    return emitOpError("expected a weight name in UTF-8 without NUL bytes");
  if (getPanels()) {
    if (getTransposed() || getStacked())
      return emitOpError("expected a weight in panels to be neither "
                         "transposed nor stacked");
    if (getType().getRank() != 3)
      return emitOpError("expected a 3-D type [N/p, K, p] for a weight in "
                         "panels, got ")
             << getType();
    if (std::optional<uint64_t> rows = getRows()) {
      int64_t p = getType().getDimSize(2),
              all = getType().getDimSize(0) * getType().getDimSize(2);
      if (static_cast<int64_t>(*rows) <= all - p ||
          static_cast<int64_t>(*rows) >= all)
        return emitOpError("expected rows in (")
               << all - p << ", " << all
               << ") for panels whose last one is partial, got " << *rows;
    }
  } else if (getRows()) {
    return emitOpError("expected rows only on a weight in panels");
  }
  if (getTransposed() && getType().getRank() != 2)
    return emitOpError("expected a 2-D type for a transposed weight, got ")
           << getType();
  if (getStacked()) {
    if (getTransposed())
      return emitOpError("expected a weight to be either transposed or "
                         "stacked, not both");
    if (getType().getRank() < 2)
      return emitOpError(
                 "expected a type of rank >= 2 for a stacked weight, got ")
             << getType();
    size_t at = getName().find("{}");
    if (at == StringRef::npos ||
        getName().find("{}", at + 2) != StringRef::npos)
      return emitOpError("expected the name of a stacked weight to hold '{}' "
                         "exactly once, got '")
             << getName() << "'";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Block-quantized weights (seq.linear / seq.embedding `scales`)
//===----------------------------------------------------------------------===//

/// Checks that `values` (i8 [N, K], or panels [N/p, K, p]) and `scales`
/// ([N, K/block], or [N/p, K/block, p]) describe one block-quantized matrix,
/// and that values are i8 exactly when scales are given.
static LogicalResult verifyBlockScales(Operation *op, Value values,
                                       Value scales, Value offsets,
                                       int64_t bits) {
  if (offsets && !scales)
    return op->emitOpError("expected scales with offsets");
  if (offsets && offsets.getType() != scales.getType())
    return op->emitOpError("expected offsets of the scales' type ")
           << scales.getType() << ", got " << offsets.getType();
  NamedTensor v(values, "weight");
  bool quantized = v.type.getElementType().isInteger(8);
  if (bits != 8 && bits != 4)
    return op->emitOpError("expected bits = 8 or 4, got ") << bits;
  if (bits == 4 && !scales)
    return op->emitOpError("expected scales for 4-bit values");
  if (!scales) {
    if (quantized)
      return op->emitOpError("expected scales for an i8 (block-quantized) ")
             << v.name;
    return success();
  }
  if (!quantized)
    return op->emitOpError("expected an i8 ")
           << v.name << " with scales, got " << v.type.getElementType();
  NamedTensor s(scales, "scales");
  Type scale = s.type.getElementType();
  if (!isa<Float16Type, BFloat16Type, Float32Type>(scale))
    return op->emitOpError("expected f16, bf16 or f32 scales, got ") << scale;
  if (s.rank() != v.rank())
    return op->emitOpError("expected scales of rank ")
           << v.rank() << " like the " << v.name << ", got " << s.type;
  for (int64_t d : {int64_t(0), v.rank() - 1})
    if (d != 1 && failed(matchDim(op, s, d, v, d)))
      return failure();
  int64_t k = v.dim(1), blocks = s.dim(1);
  if (ShapedType::isDynamic(k) || ShapedType::isDynamic(blocks))
    return success();
  k *= 8 / bits; // two 4-bit values per byte
  if (blocks <= 0 || k % blocks != 0)
    return op->emitOpError("expected scales dim 1 (")
           << blocks << ") to divide the " << v.name << "'s " << k
           << " input features into equal blocks";
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto indices = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
  Type element = elementTypeOf(adaptor.getTable().getType());
  if (!indices || !element)
    return failure();
  SmallVector<int64_t> shape(indices.getShape());
  int64_t dim = dimOrDynamic(adaptor.getTable().getType(), 1);
  if (adaptor.getBits() == 4 && !ShapedType::isDynamic(dim))
    dim *= 2; // two 4-bit values per byte
  shape.push_back(dim);
  // Rows of a block-quantized (i8) table are dequantized to f32.
  if (adaptor.getScales() || element.isInteger(8))
    element = Float32Type::get(element.getContext());
  results.push_back(RankedTensorType::get(shape, element));
  return success();
}

LogicalResult EmbeddingOp::verify() {
  return verifyBlockScales(*this, getTable(), getScales(), getOffsets(),
                           getBits());
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto input = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
  if (!input || input.getRank() == 0)
    return failure();
  SmallVector<int64_t> shape(input.getShape());
  shape.back() = LinearOp::outFeatures(adaptor.getWeight().getType());
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

int64_t LinearOp::outFeatures(Type weightType) {
  int64_t rows = dimOrDynamic(weightType, 0);
  auto type = dyn_cast<RankedTensorType>(weightType);
  if (!type || type.getRank() != 3)
    return rows;
  int64_t width = type.getDimSize(2);
  return ShapedType::isDynamic(rows) || ShapedType::isDynamic(width)
             ? ShapedType::kDynamic
             : rows * width;
}

int64_t LinearOp::blockSize() {
  if (!getScales())
    return 0;
  int64_t k = cast<RankedTensorType>(getWeight().getType()).getDimSize(1);
  int64_t blocks = cast<RankedTensorType>(getScales().getType()).getDimSize(1);
  return ShapedType::isDynamic(k) || ShapedType::isDynamic(blocks)
             ? ShapedType::kDynamic
             : k * valuesPerElement() / blocks;
}

LogicalResult LinearOp::verify() {
  NamedTensor input(getInput(), "input"), weight(getWeight(), "weight");
  // The weight may be stored narrower than the input (bf16 or f16 weights
  // of an f32 model): the product widens each element in registers.
  Type element = elementTypeOf(getInput().getType());
  Type stored = elementTypeOf(getWeight().getType());
  if (failed(verifyBlockScales(*this, getWeight(), getScales(), getOffsets(),
                               getBits())))
    return failure();
  if (getScales() && !element.isF32())
    return emitOpError("expected an f32 input for a block-quantized "
                       "weight, got ")
           << element;
  if (stored != element && !getScales() &&
      !(isa<BFloat16Type, Float16Type>(stored) &&
        element.getIntOrFloatBitWidth() > 16))
    return emitOpError("expected the weight's element type to be the "
                       "input's (")
           << element << ") or bf16/f16 stored narrower, got " << stored;
  if (getBias() && elementTypeOf(getBias().getType()) != element)
    return emitOpError("expected the bias's element type to be the input's (")
           << element << "), got " << elementTypeOf(getBias().getType());
  if (getBits() == 4) {
    int64_t bytes = weight.dim(1), in = input.dim(-1);
    if (!ShapedType::isDynamic(bytes) && !ShapedType::isDynamic(in) &&
        bytes * 2 != in)
      return emitOpError("expected weight dim 1 (")
             << bytes << ") to hold the input's " << in
             << " features two 4-bit values per byte";
  } else if (failed(matchDim(*this, weight, 1, input, -1))) {
    return failure();
  }
  if (!getBias())
    return success();
  if (weight.type.getRank() == 2)
    return matchDim(*this, NamedTensor(getBias(), "bias"), 0, weight, 0);
  int64_t out = outFeatures(weight.type);
  int64_t bias = cast<RankedTensorType>(getBias().getType()).getDimSize(0);
  if (!ShapedType::isDynamic(out) && !ShapedType::isDynamic(bias) &&
      out != bias)
    return emitOpError("expected bias dim 0 to match the weight's ")
           << out << " output features (panels), got " << bias;
  return success();
}

//===----------------------------------------------------------------------===//
// RMSNormOp / LayerNormOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyEpsilon(Operation *op, float epsilon) {
  if (!(epsilon >= 0.0f))
    return op->emitOpError("expected epsilon >= 0, got ")
           << formatFloat(epsilon);
  return success();
}

LogicalResult RMSNormOp::verify() {
  NamedTensor input(getInput(), "input"), weight(getWeight(), "weight");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchDim(*this, weight, 0, input, -1)) ||
      failed(verifyEpsilon(*this, getEpsilon().convertToFloat())))
    return failure();
  if (getGate() && getGate().getType() != getInput().getType())
    return emitOpError("expected gate type ")
           << getGate().getType() << " to equal input type "
           << getInput().getType();
  if (std::optional<int64_t> group = getGroupSize()) {
    if (*group <= 0)
      return emitOpError("expected group_size > 0, got ") << *group;
    int64_t channels = input.dim(-1);
    if (!ShapedType::isDynamic(channels) && channels % *group != 0)
      return emitOpError("expected group_size (")
             << *group << ") to divide input dim " << input.index(-1) << " ("
             << channels << ")";
  }
  return success();
}

LogicalResult LayerNormOp::verify() {
  NamedTensor input(getInput(), "input"), weight(getWeight(), "weight");
  if (failed(verifySameFloatElementType(*this)) ||
      failed(matchDim(*this, weight, 0, input, -1)) ||
      failed(verifyEpsilon(*this, getEpsilon().convertToFloat())))
    return failure();
  if (getBias())
    return matchDim(*this, NamedTensor(getBias(), "bias"), 0, input, -1);
  return success();
}

//===----------------------------------------------------------------------===//
// RopeOp
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  NamedTensor input(getInput(), "input"),
      positions(getPositions(), "positions");
  // positions is [seq] or [batch, seq].
  if (positions.rank() == 2 && failed(matchDim(*this, positions, 0, input, 0)))
    return failure();
  if (failed(matchDim(*this, positions, -1, input, 1)))
    return failure();
  double theta = getTheta().convertToDouble();
  if (!(theta > 0.0))
    return emitOpError("expected theta > 0, got ") << formatFloat(theta);

  int64_t headDim = input.dim(3);
  int64_t rotaryDim = getRotaryDim().value_or(headDim);
  if (getRotaryDim()) {
    if (rotaryDim <= 0 || rotaryDim % 2 != 0)
      return emitOpError("expected rotary_dim to be positive and even, got ")
             << rotaryDim;
    if (!ShapedType::isDynamic(headDim) && rotaryDim > headDim)
      return emitOpError("expected rotary_dim (")
             << rotaryDim << ") <= input dim 3 (" << headDim << ")";
  } else if (!ShapedType::isDynamic(headDim) && headDim % 2 != 0) {
    return emitOpError("expected an even input dim 3 (head dim), got ")
           << headDim;
  }

  // Each scaling kind needs exactly its parameters; stray ones are a
  // frontend bug worth reporting.
  bool needsFactor = getScaling() != RopeScalingKind::none;
  bool needsLlama3 = getScaling() == RopeScalingKind::llama3;
  auto check = [&](bool present, bool needed, StringRef name) -> LogicalResult {
    if (present == needed)
      return success();
    if (needed)
      return emitOpError("expected '")
             << name << "' for scaling "
             << stringifyRopeScalingKind(getScaling());
    return emitOpError("unexpected '")
           << name << "' for scaling "
           << stringifyRopeScalingKind(getScaling());
  };
  if (failed(check(getScalingFactor().has_value(), needsFactor,
                   "scaling_factor")) ||
      failed(check(getLowFreqFactor().has_value(), needsLlama3,
                   "low_freq_factor")) ||
      failed(check(getHighFreqFactor().has_value(), needsLlama3,
                   "high_freq_factor")) ||
      failed(check(getOriginalMaxPositions().has_value(), needsLlama3,
                   "original_max_positions")))
    return failure();
  if (std::optional<ArrayRef<double>> factors = getFrequencyFactors()) {
    if (!ShapedType::isDynamic(rotaryDim) &&
        static_cast<int64_t>(factors->size()) != rotaryDim / 2)
      return emitOpError("expected ")
             << rotaryDim / 2
             << " frequency_factors (one per rotated pair), got "
             << factors->size();
    for (double f : *factors)
      if (!(f > 0.0) || !std::isfinite(f))
        return emitOpError("expected positive finite frequency_factors, got ")
               << formatFloat(f);
  }
  auto value = [](std::optional<APFloat> attr) {
    return attr->convertToDouble();
  };
  if (needsFactor && !(value(getScalingFactor()) > 0.0))
    return emitOpError("expected scaling_factor > 0, got ")
           << formatFloat(value(getScalingFactor()));
  if (needsLlama3) {
    double low = value(getLowFreqFactor()), high = value(getHighFreqFactor());
    if (!(high > low))
      return emitOpError("expected high_freq_factor (")
             << formatFloat(high) << ") > low_freq_factor (" << formatFloat(low)
             << ")";
    if (*getOriginalMaxPositions() <= 0)
      return emitOpError("expected original_max_positions > 0, got ")
             << *getOriginalMaxPositions();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  int64_t axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError("expected axis in [")
           << -rank << ", " << rank << "), got " << axis;
  return success();
}

//===----------------------------------------------------------------------===//
// MoeOp
//===----------------------------------------------------------------------===//

/// The stacked expert weights as stored: float (any width, read widened),
/// or i8 values with scales for all three (and offsets for all three or
/// none), scales [E, out, in / block] with block dividing the inputs.
static LogicalResult verifyExpertWeights(MoeOp op) {
  Value weights[] = {op.getGateWeight(), op.getUpWeight(), op.getDownWeight()};
  Value scales[] = {op.getGateScales(), op.getUpScales(), op.getDownScales()};
  Value offsets[] = {op.getGateOffsets(), op.getUpOffsets(),
                     op.getDownOffsets()};
  const char *names[] = {"gate_weight", "up_weight", "down_weight"};
  int64_t bits = op.getBits();
  if (bits != 8 && bits != 4)
    return op.emitOpError("expected bits = 8 or 4, got ") << bits;
  bool quantized = bool(scales[0]);
  if (bool(offsets[0]) && !quantized)
    return op.emitOpError("expected scales with offsets");
  if (bits == 4 && !quantized)
    return op.emitOpError("expected scales for 4-bit experts");
  for (int i = 0; i < 3; ++i) {
    NamedTensor w(weights[i], names[i]);
    bool isInt = w.type.getElementType().isInteger(8);
    Type element = w.type.getElementType(),
         inputElement = op.getInput().getType().getElementType();
    if (isInt != quantized)
      return op.emitOpError(quantized ? "expected an i8 "
                                      : "expected scales "
                                        "for an i8 ")
             << names[i] << (quantized ? " with scales, got " : ", got ")
             << element;
    if (!quantized) {
      // As stored: the input's type, or bf16/f16 under an f32 input.
      if (element != inputElement &&
          !(inputElement.isF32() && (element.isBF16() || element.isF16())))
        return op.emitOpError("expected ")
               << names[i] << " of the input's element type " << inputElement
               << " (or bf16/f16 under an f32 input), got " << element;
      continue;
    }
    if (!inputElement.isF32())
      return op.emitOpError("expected an f32 input with quantized experts");
    NamedTensor s(scales[i], "scales");
    if (!isa<Float16Type, BFloat16Type, Float32Type>(s.type.getElementType()))
      return op.emitOpError("expected f16, bf16 or f32 scales, got ")
             << s.type.getElementType();
    if (offsets[i] && offsets[i].getType() != scales[i].getType())
      return op.emitOpError("expected offsets of the scales' type ")
             << scales[i].getType() << ", got " << offsets[i].getType();
    if (failed(matchDim(op, s, 0, w, 0)) || failed(matchDim(op, s, 1, w, 1)))
      return failure();
    int64_t in = w.dim(2), blocks = s.dim(2);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(blocks))
      continue;
    in *= op.valuesPerElement();
    if (blocks <= 0 || in % blocks != 0)
      return op.emitOpError("expected scales dim 2 (")
             << blocks << ") to divide the " << names[i] << "'s " << in
             << " inputs into equal blocks";
  }
  return success();
}

LogicalResult MoeOp::verify() {
  NamedTensor input(getInput(), "input"),
      logits(getRouterLogits(), "router_logits"),
      gate(getGateWeight(), "gate_weight"), up(getUpWeight(), "up_weight"),
      down(getDownWeight(), "down_weight");
  if (logits.type.getElementType() != input.type.getElementType())
    return emitOpError("expected router_logits of the input's element type ")
           << input.type.getElementType();
  if (failed(verifyExpertWeights(*this)))
    return failure();
  // router_logits is input's shape with the feature dim replaced by experts.
  if (logits.rank() != input.rank())
    return emitOpError("expected router_logits of rank ")
           << input.rank() << " (the input's), got " << logits.type;
  for (int64_t i = 0; i + 1 < input.rank(); ++i)
    if (failed(matchDim(*this, logits, i, input, i)))
      return failure();
  // gate/up [E, F, D], down [E, D, F]; a last dim of 4-bit values holds
  // two inputs per byte.
  int64_t per = getGateScales() ? valuesPerElement() : 1;
  auto inputs = [&](const NamedTensor &w) {
    int64_t d = w.dim(2);
    return ShapedType::isDynamic(d) ? d : d * per;
  };
  auto matchInputs = [&](const NamedTensor &w, int64_t expected,
                         StringRef what) -> LogicalResult {
    int64_t got = inputs(w);
    if (ShapedType::isDynamic(got) || ShapedType::isDynamic(expected) ||
        got == expected)
      return success();
    return emitOpError("expected ") << w.name << " to take " << expected
                                    << " inputs (" << what << "), got " << got;
  };
  if (failed(matchDim(*this, gate, 0, logits, -1)) ||
      failed(matchDim(*this, up, 0, logits, -1)) ||
      failed(matchDim(*this, down, 0, logits, -1)) ||
      failed(matchInputs(gate, input.dim(-1), "the input's last dim")) ||
      failed(matchInputs(up, input.dim(-1), "the input's last dim")) ||
      failed(matchDim(*this, down, 1, input, -1)) ||
      failed(matchDim(*this, up, 1, gate, 1)) ||
      failed(matchInputs(down, gate.dim(1), "gate_weight dim 1")))
    return failure();
  int64_t experts = logits.dim(-1);
  int64_t topK = getTopK();
  if (topK < 1)
    return emitOpError("expected top_k >= 1, got ") << topK;
  if (!ShapedType::isDynamic(experts) && topK > experts)
    return emitOpError("expected top_k (")
           << topK << ") <= the number of experts (" << experts << ")";
  if (Value bias = getSelectionBias()) {
    if (getRouting() != MoeRoutingKind::sigmoid_topk)
      return emitOpError("expected selection_bias only with sigmoid_topk "
                         "routing");
    if (cast<RankedTensorType>(bias.getType()).getElementType() !=
        input.type.getElementType())
      return emitOpError("expected selection_bias of the input's element "
                         "type ")
             << input.type.getElementType();
    if (failed(matchDim(*this, NamedTensor(bias, "selection_bias"), 0, logits,
                        -1)))
      return failure();
  }
  int64_t groups = getExpertGroups();
  if (groups < 1)
    return emitOpError("expected expert_groups >= 1, got ") << groups;
  if (!ShapedType::isDynamic(experts) && experts % groups != 0)
    return emitOpError("expected expert_groups (")
           << groups << ") to divide the number of experts (" << experts << ")";
  if (std::optional<uint64_t> kept = getKeptGroups()) {
    int64_t keptGroups = static_cast<int64_t>(*kept);
    if (keptGroups < 1 || keptGroups > groups)
      return emitOpError("expected kept_groups in [1, expert_groups (")
             << groups << ")], got " << keptGroups;
    if (keptGroups < groups) {
      if (getRouting() != MoeRoutingKind::sigmoid_topk)
        return emitOpError("expected group-limited routing (kept_groups < "
                           "expert_groups) only with sigmoid_topk routing");
      if (!ShapedType::isDynamic(experts)) {
        int64_t perGroup = experts / groups;
        if (perGroup < 2)
          return emitOpError("expected at least 2 experts per group (a "
                             "group scores its best two), got ")
                 << perGroup;
        if (topK > keptGroups * perGroup)
          return emitOpError("expected top_k (")
                 << topK << ") <= the experts of the kept groups ("
                 << keptGroups * perGroup << ")";
      }
    }
  }
  double epsilon = getNormalizeEpsilon().convertToDouble();
  if (!(epsilon >= 0.0) || !std::isfinite(epsilon))
    return emitOpError("expected normalize_epsilon >= 0, got ")
           << formatFloat(epsilon);
  if (epsilon != 0.0 && getRouting() != MoeRoutingKind::sigmoid_topk)
    return emitOpError("expected normalize_epsilon only with sigmoid_topk "
                       "routing");
  if (!std::isfinite(getRoutedScale().convertToDouble()))
    return emitOpError("expected a finite routed_scale");
  return success();
}
