//===- ModelEmitter.cpp - build a language model in the seq dialect -------===//

#include "frontends/hf/ModelEmitter.h"

#include "frontends/hf/Architectures.h"
#include "frontends/hf/BlockQuantization.h"
#include "frontends/hf/HfConfig.h"

#include "SafeTensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;

namespace seqc::hf {

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

ModelEmitter::ModelEmitter(MLIRContext *context,
                           const seqrt::WeightStore &weights,
                           std::string source)
    : context(context), b(context), location(UnknownLoc::get(context)),
      weights(weights), source(std::move(source)) {
  location = FileLineColLoc::get(context, this->source, 0, 0);
  module = ModuleOp::create(location);
}

RankedTensorType ModelEmitter::f32(ArrayRef<int64_t> shape) const {
  return RankedTensorType::get(shape, Float32Type::get(context));
}

void ModelEmitter::fail(const std::string &message) {
  if (firstError.empty())
    firstError = message;
}

void ModelEmitter::beginForward() {
  b.setInsertionPointToEnd(module->getBody());
  auto idsType =
      RankedTensorType::get({1, ShapedType::kDynamic}, b.getI64Type());
  forward =
      func::FuncOp::create(b, location, "forward",
                           b.getFunctionType({idsType, b.getIndexType()}, {}));
  forward.setPrivate();
  Block *body = forward.addEntryBlock();
  b.setInsertionPointToStart(body);
  idsArg = body->getArgument(0);
  posArg = body->getArgument(1);
  lengthValue = tensor::DimOp::create(b, location, idsArg, 1);
}

bool ModelEmitter::hasWeight(StringRef name) const {
  return weights.find(name.str()) != nullptr;
}

seq::ActivationKind activationField(HfConfig &config, StringRef key,
                                    StringRef fallback) {
  std::string name = config.string(key, fallback);
  std::optional<seq::ActivationKind> kind =
      llvm::StringSwitch<std::optional<seq::ActivationKind>>(name)
          .Case("relu", seq::ActivationKind::relu)
          .Cases({"gelu", "gelu_python"}, seq::ActivationKind::gelu)
          .Cases({"gelu_new", "gelu_pytorch_tanh", "gelu_accurate",
                  "gelu_python_tanh"},
                 seq::ActivationKind::gelu_tanh)
          .Cases({"silu", "swish"}, seq::ActivationKind::silu)
          .Case("sigmoid", seq::ActivationKind::sigmoid)
          .Case("tanh", seq::ActivationKind::tanh)
          .Default(std::nullopt);
  if (!kind) {
    config.fail(key,
                "'" + name +
                    "' is not supported (relu, gelu, "
                    "gelu_python, gelu_new, gelu_pytorch_tanh, gelu_accurate, "
                    "gelu_python_tanh, silu, swish, sigmoid, tanh are)");
    return seq::ActivationKind::silu;
  }
  return *kind;
}

std::string ModelEmitter::lmHead(HfConfig &config, StringRef embedding,
                                 bool tiedByDefault, StringRef headPrefix) {
  bool tied = config.boolean("tie_word_embeddings", tiedByDefault);
  // A GPTQ checkpoint may pack the head too (GPTQModel's lm_head: true).
  if (hasWeight((headPrefix + ".weight").str()) ||
      (packedFormat && hasWeight((headPrefix + ".qweight").str())))
    return headPrefix.str();
  if (!tied)
    fail("missing tensor '" + headPrefix.str() +
         ".weight' (tie_word_embeddings is false, so the head is not the "
         "embedding)");
  return embedding.str();
}

void ModelEmitter::checkAllTensorsUsed(StringRef architecture,
                                       bool (*ignorable)(StringRef)) {
  std::vector<std::string> unused;
  for (const seqrt::TensorInfo &t : weights.tensors())
    if (!usedWeights.count(t.name) && !(ignorable && ignorable(t.name)))
      unused.push_back("'" + t.name + "'");
  if (unused.empty())
    return;
  std::string list;
  for (size_t i = 0; i < unused.size() && i < 6; ++i)
    list += (i ? ", " : "") + unused[i];
  if (unused.size() > 6)
    list += " and " + std::to_string(unused.size() - 6) + " more";
  fail(std::to_string(unused.size()) + " checkpoint tensor" +
       (unused.size() > 1 ? "s are" : " is") + " not used by the " +
       architecture.str() + " model the config describes: " + list +
       " (a feature seqc does not implement, or a config that does not "
       "match the weights)");
}

void ModelEmitter::checkWeight(StringRef name, ArrayRef<int64_t> stored) {
  usedWeights.insert(name.str());
  const seqrt::TensorInfo *info = weights.find(name.str());
  if (!info) {
    StringRef layer = name;
    if (layer.consume_back(".weight") &&
        weights.find((layer + ".qweight").str()))
      fail("tensor '" + layer.str() + ".qweight' holds packed 4-bit weights " +
           (packedFormat ? "where seqc reads float ones (packed expert "
                           "weights are not supported)"
                         : "but config.json has no quantization_config "
                           "saying how (GPTQ or AWQ)"));
    else
      fail("missing tensor '" + name.str() + "' (expected shape " +
           shapeString(stored) + " from the config)");
  } else if (ArrayRef<int64_t>(info->shape) != stored) {
    fail("tensor '" + name.str() + "' in " + info->file + " has shape " +
         shapeString(info->shape) + " but the config implies " +
         shapeString(stored));
  } else if (info->dtype != seqrt::DType::F32 &&
             info->dtype != seqrt::DType::F16 &&
             info->dtype != seqrt::DType::BF16 &&
             info->dtype != seqrt::DType::F64) {
    fail("tensor '" + name.str() + "' in " + info->file + " is " +
         seqrt::dtypeName(info->dtype) +
         "; weights must be F32, F16, BF16 or F64");
  }
}

void ModelEmitter::claimElement(StringRef name, Type element) {
  // One checkpoint tensor, one element type (a tied LM head reads the
  // embedding table as the lookup does).
  auto [it, inserted] = weightElements.try_emplace(name, element);
  if (!inserted && it->second != element)
    fail("internal error: tensor '" + name.str() +
         "' is read in two element types");
}

Value ModelEmitter::weight(StringRef name, ArrayRef<int64_t> shape,
                           bool transposed, Type element) {
  SmallVector<int64_t> stored(shape);
  if (transposed)
    std::swap(stored[0], stored[1]);
  checkWeight(name, stored);
  if (!element)
    element = Float32Type::get(context);
  if (const seqrt::TensorInfo *info = weights.find(name.str()))
    rewritten.copy(*info);
  claimElement(name, element);
  return seq::WeightOp::create(
      b, location, RankedTensorType::get(shape, element), name, transposed,
      /*stacked=*/false, /*panels=*/false);
}

ModelEmitter::StackedWeights
ModelEmitter::stackedWeights(StringRef pattern, int64_t count, int64_t rows,
                             int64_t cols, bool quantize) {
  size_t at = pattern.find("{}");
  auto nameOf = [&](int64_t i) {
    return (pattern.take_front(at) + std::to_string(i) +
            pattern.drop_front(at + 2))
        .str();
  };
  auto stacked = [&](const std::string &name, ArrayRef<int64_t> slice,
                     Type type) {
    return stackedWeightOp(name, count, slice, type);
  };
  if (storedQuantized(nameOf(0)))
    return storedStackedWeights(pattern, count, rows, cols);
  WeightsFile::Format format = blockFormat();
  Type element = quantize ? Type(IntegerType::get(context, 8))
                          : floatProjectionElement(nameOf(0));
  for (int64_t i = 0; i < count; ++i) {
    std::string name = nameOf(i);
    checkWeight(name, {rows, cols});
    claimElement(name, element);
    const seqrt::TensorInfo *info = weights.find(name);
    if (!info)
      continue;
    if (!quantize)
      rewritten.copy(*info);
    else if (ArrayRef<int64_t>(info->shape) == ArrayRef<int64_t>{rows, cols})
      rewritten.quantize(*info, /*transposed=*/false, format);
  }
  StackedWeights w;
  if (!quantize) {
    w.values = stacked(pattern.str(), {rows, cols}, element);
    return w;
  }
  w.bits = quantizedBits();
  w.values =
      stacked(pattern.str(), {rows, w.bits == 4 ? cols / 2 : cols}, element);
  SmallVector<int64_t> perBlock = {rows, cols / WeightsFile::blockSize(format)};
  w.scales = stacked(WeightsFile::scalesName(pattern.str()), perBlock,
                     Float16Type::get(context));
  if (format == WeightsFile::Format::Q4_1 ||
      format == WeightsFile::Format::Q4_G128)
    w.offsets = stacked(WeightsFile::offsetsName(pattern.str()), perBlock,
                        Float16Type::get(context));
  return w;
}

Value ModelEmitter::stackedWeightOp(StringRef pattern, int64_t count,
                                    ArrayRef<int64_t> slice, Type element) {
  SmallVector<int64_t> shape{count};
  shape.append(slice.begin(), slice.end());
  return seq::WeightOp::create(b, location,
                               RankedTensorType::get(shape, element), pattern,
                               /*transposed=*/false, /*stacked=*/true,
                               /*panels=*/false);
}

ModelEmitter::StackedWeights
ModelEmitter::storedStackedWeights(StringRef pattern, int64_t count,
                                   int64_t rows, int64_t cols) {
  size_t at = pattern.find("{}");
  auto nameOf = [&](StringRef stem, int64_t i) {
    return (stem.take_front(at) + std::to_string(i) + stem.drop_front(at + 2))
        .str();
  };
  std::string valuesPattern = pattern.str(),
              scalesPattern = WeightsFile::scalesName(valuesPattern),
              offsetsPattern = WeightsFile::offsetsName(valuesPattern);
  const seqrt::TensorInfo *first[3] = {weights.find(nameOf(valuesPattern, 0)),
                                       weights.find(nameOf(scalesPattern, 0)),
                                       weights.find(nameOf(offsetsPattern, 0))};
  Type i8 = IntegerType::get(context, 8);
  StackedWeights w;
  auto fail = [&](const std::string &name, const std::string &why) {
    this->fail("tensor '" + name + "' " + why);
    w.values = seq::WeightOp::create(b, location, f32({count, rows, cols}),
                                     valuesPattern, /*transposed=*/false,
                                     /*stacked=*/true,
                                     /*panels=*/false);
    return w;
  };
  // Values [rows, cols] (8 bits) or [rows, cols / 2] (4 bits), scales and
  // offsets [rows, cols / block] of one float type, alike for all experts.
  const seqrt::TensorInfo &values = *first[0], &scales = *first[1];
  if (values.shape.size() != 2 || values.shape[0] != rows ||
      (values.shape[1] != cols && values.shape[1] * 2 != cols))
    return fail(values.name, "holds block-quantized values of shape " +
                                 shapeString(values.shape) +
                                 " but the config implies " +
                                 shapeString({rows, cols}));
  Type scaleType =
      scales.dtype == seqrt::DType::F16   ? Type(Float16Type::get(context))
      : scales.dtype == seqrt::DType::F32 ? Type(Float32Type::get(context))
                                          : Type();
  if (!scaleType || scales.shape.size() != 2 || scales.shape[0] != rows ||
      scales.shape[1] <= 0 || cols % scales.shape[1] != 0)
    return fail(scales.name, "is " +
                                 std::string(seqrt::dtypeName(scales.dtype)) +
                                 " " + shapeString(scales.shape) +
                                 "; expected F16 or F32 [out, in / block]");
  for (int64_t i = 0; i < count; ++i) {
    const char *part[3] = {"values", "scales", "offsets"};
    for (int j = 0; j < 3; ++j) {
      std::string name = nameOf(j == 0   ? valuesPattern
                                : j == 1 ? scalesPattern
                                         : offsetsPattern,
                                i);
      const seqrt::TensorInfo *t = weights.find(name);
      if (bool(t) != bool(first[j]))
        return fail(t ? name : nameOf(valuesPattern, i),
                    std::string(t ? "is" : "has no") + " block " + part[j] +
                        " unlike expert 0");
      if (!t)
        continue;
      if (t->dtype != first[j]->dtype || t->shape != first[j]->shape)
        return fail(name, "differs in type or shape from expert 0's " +
                              std::string(part[j]));
      usedWeights.insert(name);
    }
    claimElement(nameOf(valuesPattern, i), i8);
  }
  w.bits = values.shape[1] == cols ? 8 : 4;
  auto stacked = [&](const std::string &name, ArrayRef<int64_t> slice,
                     Type type) {
    return stackedWeightOp(name, count, slice, type);
  };
  w.values = stacked(valuesPattern, values.shape, i8);
  w.scales = stacked(scalesPattern, scales.shape, scaleType);
  if (first[2])
    w.offsets = stacked(offsetsPattern, scales.shape, scaleType);
  return w;
}

bool ModelEmitter::blockQuantizes(int64_t in) const {
  switch (projectionWeights) {
  case WeightFormat::Q8_0:
  case WeightFormat::Q4_0:
  case WeightFormat::Q4_1:
  case WeightFormat::Q4_G128:
    return in % WeightsFile::blockSize(blockFormat()) == 0;
  default:
    return false;
  }
}

Type ModelEmitter::floatProjectionElement(StringRef name) const {
  Type f32 = Float32Type::get(context);
  switch (projectionWeights) {
  case WeightFormat::F32:
    return f32;
  case WeightFormat::BF16:
    return BFloat16Type::get(context);
  case WeightFormat::F16:
    return Float16Type::get(context);
  default: // auto, and block formats where the blocks do not apply
    break;
  }
  const seqrt::TensorInfo *info = weights.find(name.str());
  if (info && info->dtype == seqrt::DType::BF16)
    return BFloat16Type::get(context);
  if (info && info->dtype == seqrt::DType::F16)
    return Float16Type::get(context);
  return f32;
}

const seqrt::TensorInfo *ModelEmitter::storedQuantized(StringRef name) const {
  const seqrt::TensorInfo *info = weights.find(name.str());
  if (info && info->dtype == seqrt::DType::I8 &&
      weights.find(WeightsFile::scalesName(name.str())))
    return info;
  return nullptr;
}

Type ModelEmitter::projectionElement(StringRef name, int64_t in) const {
  if (!weights.find(name.str()))
    return Float32Type::get(context);
  // Blocks the checkpoint already holds (a GGUF file's) are read as stored.
  if (storedQuantized(name))
    return IntegerType::get(context, 8);
  // Blocks run along the input features; a weight they do not divide stays
  // as stored (as llama.cpp keeps such tensors unquantized).
  if (blockQuantizes(in))
    return IntegerType::get(context, 8);
  return floatProjectionElement(name);
}

ModelEmitter::QuantizedWeight
ModelEmitter::storedQuantizedWeight(StringRef name, ArrayRef<int64_t> shape) {
  // Values [out, in] (8 bits) or [out, in / 2] (4 bits), scales and, for
  // affine blocks, offsets [out, in / block] of one float type.
  QuantizedWeight q;
  std::string valuesName = name.str(),
              scalesName = WeightsFile::scalesName(valuesName),
              offsetsName = WeightsFile::offsetsName(valuesName);
  const seqrt::TensorInfo *values = weights.find(valuesName),
                          *scales = weights.find(scalesName),
                          *offsets = weights.find(offsetsName);
  usedWeights.insert(valuesName);
  usedWeights.insert(scalesName);
  if (offsets)
    usedWeights.insert(offsetsName);
  int64_t out = shape[0], in = shape[1];
  auto fail = [&](const std::string &why) {
    this->fail("tensor '" + valuesName + "' in " + values->file + " " + why);
    // The error is recorded; build on with a float stand-in.
    QuantizedWeight standIn;
    standIn.values = seq::WeightOp::create(b, location, f32({out, in}),
                                           valuesName, /*transposed=*/false,
                                           /*stacked=*/false, /*panels=*/false);
    return standIn;
  };
  if (values->shape.size() != 2 || values->shape[0] != out ||
      (values->shape[1] != in && values->shape[1] * 2 != in))
    return fail("holds block-quantized values of shape " +
                shapeString(values->shape) + " but the config implies " +
                shapeString({out, in}) + " (or " + shapeString({out, in / 2}) +
                " at 4 bits)");
  q.bits = values->shape[1] == in ? 8 : 4;
  auto floatType = [&](const seqrt::TensorInfo &t) -> Type {
    if (t.dtype == seqrt::DType::F16)
      return Float16Type::get(context);
    if (t.dtype == seqrt::DType::F32)
      return Float32Type::get(context);
    return Type();
  };
  Type scaleType = floatType(*scales);
  if (!scaleType || scales->shape.size() != 2 || scales->shape[0] != out ||
      scales->shape[1] <= 0 || in % scales->shape[1] != 0)
    return fail("has scales '" + scalesName + "' of " +
                seqrt::dtypeName(scales->dtype) + " " +
                shapeString(scales->shape) +
                "; expected F16 or F32 [out, in / block]");
  if (offsets &&
      (offsets->shape != scales->shape || offsets->dtype != scales->dtype))
    return fail("has offsets '" + offsetsName + "' unlike its scales");
  claimElement(valuesName, IntegerType::get(context, 8));
  auto weightOp = [&](const std::string &n, ArrayRef<int64_t> dims,
                      Type element) -> Value {
    return seq::WeightOp::create(b, location,
                                 RankedTensorType::get(dims, element), n,
                                 /*transposed=*/false, /*stacked=*/false,
                                 /*panels=*/false);
  };
  q.values = weightOp(valuesName, values->shape, IntegerType::get(context, 8));
  q.scales = weightOp(scalesName, scales->shape, scaleType);
  if (offsets)
    q.offsets = weightOp(offsetsName, offsets->shape, scaleType);
  return q;
}

ModelEmitter::QuantizedWeight
ModelEmitter::quantizedWeight(StringRef name, ArrayRef<int64_t> shape,
                              bool transposed) {
  // Blocks already in the checkpoint run along the inputs: [out, in]
  // whatever the layout transformers stores floats in.
  if (storedQuantized(name))
    return storedQuantizedWeight(name, shape);
  SmallVector<int64_t> stored(shape);
  if (transposed)
    std::swap(stored[0], stored[1]);
  checkWeight(name, stored);
  Type i8 = IntegerType::get(context, 8);
  claimElement(name, i8);
  const seqrt::TensorInfo *info = weights.find(name.str());
  WeightsFile::Format format = blockFormat();
  bool q4 = quantizedBits() == 4,
       affine = format == WeightsFile::Format::Q4_1 ||
                format == WeightsFile::Format::Q4_G128;
  if (info && ArrayRef<int64_t>(info->shape) == ArrayRef<int64_t>(stored))
    rewritten.quantize(*info, transposed, format);
  // The import writes them [out, in] (4-bit: [out, in / 2]), whatever the
  // checkpoint's layout.
  Value values = seq::WeightOp::create(
      b, location,
      RankedTensorType::get({shape[0], q4 ? shape[1] / 2 : shape[1]}, i8), name,
      /*transposed=*/false, /*stacked=*/false, /*panels=*/false);
  auto perBlock = RankedTensorType::get(
      {shape[0], shape[1] / WeightsFile::blockSize(format)},
      Float16Type::get(context));
  Value scales = seq::WeightOp::create(
      b, location, perBlock, WeightsFile::scalesName(name.str()),
      /*transposed=*/false, /*stacked=*/false, /*panels=*/false);
  Value offsets;
  if (affine)
    offsets = seq::WeightOp::create(
        b, location, perBlock, WeightsFile::offsetsName(name.str()),
        /*transposed=*/false, /*stacked=*/false, /*panels=*/false);
  return {values, scales, offsets, Value(), quantizedBits()};
}

WeightsFile::Format ModelEmitter::blockFormat() const {
  switch (projectionWeights) {
  case WeightFormat::Q4_0:
    return WeightsFile::Format::Q4_0;
  case WeightFormat::Q4_1:
    return WeightsFile::Format::Q4_1;
  case WeightFormat::Q4_G128:
    return WeightsFile::Format::Q4_G128;
  default:
    return WeightsFile::Format::Q8_0;
  }
}

const seqrt::TensorInfo *ModelEmitter::packedTensor(const std::string &name,
                                                    ArrayRef<int64_t> stored,
                                                    bool words) {
  usedWeights.insert(name);
  const seqrt::TensorInfo *info = weights.find(name);
  if (!info) {
    fail("missing tensor '" + name + "' (expected shape " +
         shapeString(stored) + " from the config)");
    return nullptr;
  }
  if (ArrayRef<int64_t>(info->shape) != stored) {
    fail("tensor '" + name + "' in " + info->file + " has shape " +
         shapeString(info->shape) + " but the config implies " +
         shapeString(stored));
    return nullptr;
  }
  bool ok = words ? info->dtype == seqrt::DType::I32
                  : info->dtype == seqrt::DType::F16 ||
                        info->dtype == seqrt::DType::BF16 ||
                        info->dtype == seqrt::DType::F32;
  if (!ok) {
    fail("tensor '" + name + "' in " + info->file + " is " +
         seqrt::dtypeName(info->dtype) + "; expected " +
         (words ? "I32 words of packed 4-bit values" : "F16, BF16 or F32"));
    return nullptr;
  }
  return info;
}

ModelEmitter::QuantizedWeight
ModelEmitter::packedWeight(StringRef prefix, int64_t out, int64_t in) {
  PackedInt4Weight w;
  w.format = *packedFormat;
  w.out = out;
  w.in = in;
  std::string base = prefix.str();
  std::string kind =
      w.format.layout == PackedInt4Format::Layout::Gptq ? "GPTQ" : "AWQ";
  if (in % 8 || out % 8 || in % w.group() || w.group() % 2) {
    fail(kind + " layer '" + base + "' is " + std::to_string(out) + " x " +
         std::to_string(in) + ": inputs and outputs must be multiples of 8 " +
         "and the inputs of group_size " + std::to_string(w.group()));
    return {};
  }
  w.qweight = packedTensor(base + ".qweight", w.qweightShape(), true);
  w.qzeros = packedTensor(base + ".qzeros", w.qzerosShape(), true);
  w.scales = packedTensor(base + ".scales", w.scalesShape(), false);
  if (!w.qweight || !w.qzeros || !w.scales)
    return {};
  w.symmetric = w.zerosAllEight();
  for (float s : w.rowScales())
    if (!std::isfinite(s)) {
      fail("tensor '" + base + ".scales' in " + w.scales->file +
           " holds a non-finite scale");
      return {};
    }
  if (w.format.layout == PackedInt4Format::Layout::Gptq) {
    // g_idx maps each input to its group; act-order checkpoints (desc_act)
    // permute them, and the layer then reads its input sorted by group.
    const seqrt::TensorInfo *groups = packedTensor(base + ".g_idx", {in}, true);
    if (!groups)
      return {};
    std::string why;
    if (!w.readGroupIndex(*groups, why)) {
      fail("tensor '" + base + ".g_idx' in " + groups->file + " " + why);
      return {};
    }
  }
  std::string name = base + ".weight";
  Type i8 = IntegerType::get(context, 8);
  claimElement(name, i8);
  rewritten.unpack(name, w);
  Type scaleType = w.scalesType() == seqrt::DType::F16
                       ? Type(Float16Type::get(context))
                       : Type(Float32Type::get(context));
  auto weightOp = [&](const std::string &n, ArrayRef<int64_t> shape,
                      Type element) -> Value {
    return seq::WeightOp::create(b, location,
                                 RankedTensorType::get(shape, element), n,
                                 /*transposed=*/false, /*stacked=*/false,
                                 /*panels=*/false);
  };
  ++packedLayers;
  QuantizedWeight q;
  q.bits = 4;
  q.values = weightOp(name, {out, in / 2}, i8);
  q.scales =
      weightOp(WeightsFile::scalesName(name), {out, w.groups()}, scaleType);
  if (!w.symmetric)
    q.offsets = weightOp(WeightsFile::offsetsName(name), {out, w.groups()},
                         Float32Type::get(context));
  if (!w.order.empty()) {
    Type i32 = IntegerType::get(context, 32);
    claimElement(WeightsFile::orderName(name), i32);
    q.order = weightOp(WeightsFile::orderName(name), {in}, i32);
    packedOrders[q.order.getAsOpaquePointer()] = w.order;
  }
  return q;
}

Value ModelEmitter::inOrder(Value x, Value order,
                            const std::vector<int32_t> &values) {
  auto key = std::make_pair(x.getAsOpaquePointer(), values);
  auto found = gathered.find(key);
  if (found != gathered.end())
    return found->second;
  // result[b, s, j] = x[b, s, order[j]]
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(tensor::DimOp::create(b, location, x, d));
  Value init = tensor::EmptyOp::create(b, location, type, dynamic);
  MLIRContext *ctx = context;
  auto dims = [&](ArrayRef<unsigned> at) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : at)
      exprs.push_back(getAffineDimExpr(d, ctx));
    return AffineMap::get(3, 0, exprs, ctx);
  };
  Value result =
      linalg::GenericOp::create(
          b, location, type, ValueRange{order}, ValueRange{init},
          ArrayRef<AffineMap>{dims({2}), dims({0, 1, 2})},
          SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value batch = linalg::IndexOp::create(nb, nl, 0);
            Value row = linalg::IndexOp::create(nb, nl, 1);
            Value feature =
                arith::IndexCastOp::create(nb, nl, nb.getIndexType(), args[0]);
            Value v = tensor::ExtractOp::create(
                nb, nl, x, ValueRange{batch, row, feature});
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  gathered[key] = result;
  return result;
}

Value ModelEmitter::tokenEmbedding(StringRef name, int64_t vocab,
                                   int64_t hidden) {
  Type element = projectionElement(name, hidden);
  if (element.isInteger(8)) {
    QuantizedWeight q =
        quantizedWeight(name, {vocab, hidden}, /*transposed=*/false);
    return seq::EmbeddingOp::create(b, location, q.values, idsArg, q.scales,
                                    q.offsets, q.bits);
  }
  Value table = weight(name, {vocab, hidden}, /*transposed=*/false, element);
  Value rows =
      seq::EmbeddingOp::create(b, location, table, idsArg, /*scales=*/Value(),
                               /*offsets=*/Value());
  if (element.isF32())
    return rows;
  // Rows of a narrow table, widened exactly.
  auto type = cast<RankedTensorType>(rows.getType());
  return arith::ExtFOp::create(
      b, location, RankedTensorType::get(type.getShape(), b.getF32Type()),
      rows);
}

Value ModelEmitter::linear(Value x, StringRef prefix, int64_t out, int64_t in,
                           bool bias, bool transposed) {
  Value bv = bias ? weight((prefix + ".bias").str(), {out}) : Value();
  return linearWithBias(x, prefix, out, in, bv, transposed);
}

Value ModelEmitter::linearWithBias(Value x, StringRef prefix, int64_t out,
                                   int64_t in, Value bv, bool transposed) {
  std::string name = (prefix + ".weight").str();
  QuantizedWeight q;
  // A GPTQ/AWQ layer is packed whatever its layout was ([in, out] Conv1D
  // included); other layers of the checkpoint keep their weight.
  if (packedFormat && weights.find((prefix + ".qweight").str())) {
    q = packedWeight(prefix, out, in);
    if (!q.values) // the error is recorded; build on with a stand-in
      q.values = seq::WeightOp::create(b, location, f32({out, in}), name,
                                       /*transposed=*/false, /*stacked=*/false,
                                       /*panels=*/false);
  } else {
    Type element = projectionElement(name, in);
    if (element.isInteger(8))
      q = quantizedWeight(name, {out, in}, transposed);
    else
      q.values = weight(name, {out, in}, transposed, element);
  }
  if (q.order)
    x = inOrder(x, q.order, packedOrders[q.order.getAsOpaquePointer()]);
  return seq::LinearOp::create(b, location, x, q.values, bv, q.scales,
                               q.offsets, q.bits);
}

Value ModelEmitter::router(Value x, StringRef prefix, int64_t experts,
                           int64_t in) {
  std::string name = (prefix + ".weight").str();
  Value w = weight(name, {experts, in}, /*transposed=*/false,
                   floatProjectionElement(name));
  return seq::LinearOp::create(b, location, x, w, /*bias=*/Value(),
                               /*scales=*/Value(), /*offsets=*/Value(), 8);
}

Value ModelEmitter::rmsnorm(Value x, StringRef weightName, int64_t dim,
                            double epsilon, double weightOffset) {
  Value w = weight(weightName, {dim});
  return seq::RMSNormOp::create(
      b, location, x, w, /*gate=*/Value(), b.getF32FloatAttr(epsilon),
      /*group_size=*/nullptr, b.getF32FloatAttr(weightOffset));
}

Value ModelEmitter::layernorm(Value x, StringRef prefix, int64_t dim,
                              double epsilon, bool bias) {
  Value w = weight((prefix + ".weight").str(), {dim});
  Value bv = bias ? weight((prefix + ".bias").str(), {dim}) : Value();
  return seq::LayerNormOp::create(b, location, x, w, bv,
                                  b.getF32FloatAttr(epsilon));
}

Value ModelEmitter::add(Value a, Value c) {
  return arith::AddFOp::create(b, location, a, c);
}

Value ModelEmitter::scale(Value x, double factor) {
  if (factor == 1.0)
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  Value init = tensor::EmptyOp::create(b, location,
                                       tensor::getMixedSizes(b, location, x),
                                       type.getElementType());
  auto identity = AffineMap::getMultiDimIdentityMap(type.getRank(), context);
  Value f = arith::ConstantOp::create(
      b, location, FloatAttr::get(type.getElementType(), factor));
  return linalg::GenericOp::create(
             b, location, type, ValueRange{x}, ValueRange{init},
             SmallVector<AffineMap>{identity, identity},
             SmallVector<utils::IteratorType>(type.getRank(),
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange a) {
               linalg::YieldOp::create(
                   nb, l, ValueRange{arith::MulFOp::create(nb, l, a[0], f)});
             })
      .getResult(0);
}

Value ModelEmitter::activation(seq::ActivationKind kind, Value x) {
  return seq::ActivationOp::create(b, location, kind, x);
}

Value ModelEmitter::glu(seq::ActivationKind kind, Value gate, Value up) {
  return seq::GluOp::create(b, location, kind, gate, up);
}

Value ModelEmitter::splitHeads(Value x, int64_t heads, int64_t dim) {
  auto type = f32({1, ShapedType::kDynamic, heads, dim});
  return tensor::ExpandShapeOp::create(
      b, location, type, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), lengthValue,
                                b.getIndexAttr(heads), b.getIndexAttr(dim)});
}

Value ModelEmitter::mergeHeads(Value x) {
  return tensor::CollapseShapeOp::create(
      b, location, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}

Value ModelEmitter::concatLast(ArrayRef<Value> parts) {
  int64_t total = 0;
  for (Value part : parts)
    total += cast<RankedTensorType>(part.getType()).getShape().back();
  Value out = tensor::EmptyOp::create(
      b, location,
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), lengthValue,
                             b.getIndexAttr(total)},
      b.getF32Type());
  int64_t offset = 0;
  for (Value part : parts) {
    int64_t size = cast<RankedTensorType>(part.getType()).getShape().back();
    out = tensor::InsertSliceOp::create(
        b, location, part, out,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                               b.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), lengthValue,
                               b.getIndexAttr(size)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                               b.getIndexAttr(1)});
    offset += size;
  }
  return out;
}

Value ModelEmitter::sliceLast(Value x, int64_t offset, int64_t size) {
  return tensor::ExtractSliceOp::create(
      b, location, f32({1, ShapedType::kDynamic, size}), x,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                             b.getIndexAttr(offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), lengthValue,
                             b.getIndexAttr(size)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(1)});
}

Value ModelEmitter::positions() {
  auto type = RankedTensorType::get({ShapedType::kDynamic}, b.getI64Type());
  return tensor::GenerateOp::create(
      b, location, type, ValueRange{lengthValue},
      [&](OpBuilder &nb, Location l, ValueRange indices) {
        // decode_beams: every row (beam) sits at pos.
        Value p =
            beamMode
                ? posArg
                : arith::AddIOp::create(nb, l, indices[0], posArg).getResult();
        Value p64 = arith::IndexCastOp::create(nb, l, nb.getI64Type(), p);
        tensor::YieldOp::create(nb, l, p64);
      });
}

/// `values` in the element type of `cache` (new keys and values rounded to
/// a narrow KV cache, to nearest even).
static Value inCacheElement(OpBuilder &b, Location loc, Value values,
                            Value cache) {
  auto type = cast<RankedTensorType>(values.getType());
  Type element = cast<RankedTensorType>(cache.getType()).getElementType();
  if (type.getElementType() == element)
    return values;
  return arith::TruncFOp::create(b, loc, type.clone(element), values);
}

Value ModelEmitter::appendToCache(Value cache, Value values) {
  usesCache = true;
  values = inCacheElement(b, location, values, cache);
  auto type = cast<RankedTensorType>(cache.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[1] = posArg;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : type.getShape())
    sizes.push_back(b.getIndexAttr(d));
  sizes[1] = lengthValue;
  if (type.isDynamicDim(0)) { // decode_beams: one row per beam
    sizes[0] = lengthValue;
    sizes[1] = b.getIndexAttr(1);
  }
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, location, values, cache, offsets,
                                       sizes, strides);
}

int64_t ModelEmitter::ringSlots(int64_t window, int64_t maxPositions) const {
  int64_t slots = window + maxTokensPerCall - 1;
  return window > 0 && slots < maxPositions ? slots : 0;
}

Value ModelEmitter::appendToRing(Value cache, Value values) {
  usesRing = true;
  values = inCacheElement(b, location, values, cache);
  auto type = cast<RankedTensorType>(cache.getType());
  auto valuesType = cast<RankedTensorType>(values.getType());
  auto idx = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  Value slots = arith::ConstantIndexOp::create(b, location, type.getDimSize(1));
  Value start = arith::RemUIOp::create(b, location, posArg, slots);
  // The first part runs to the ring's end, the rest wraps to slot 0.
  Value first =
      arith::MinUIOp::create(b, location, lengthValue,
                             arith::SubIOp::create(b, location, slots, start));
  Value rest = arith::SubIOp::create(b, location, lengthValue, first);
  auto piece = [&](Value offset, Value size, Value at, Value into) {
    SmallVector<OpFoldResult> from(type.getRank(), idx(0)), sizes, dest;
    from[1] = offset;
    for (int64_t d : type.getShape())
      sizes.push_back(idx(d));
    sizes[0] = idx(1);
    sizes[1] = size;
    dest.assign(type.getRank(), idx(0));
    dest[1] = at;
    SmallVector<OpFoldResult> strides(type.getRank(), idx(1));
    SmallVector<int64_t> shape(valuesType.getShape());
    shape[1] = ShapedType::kDynamic;
    Value part = tensor::ExtractSliceOp::create(
        b, location, RankedTensorType::get(shape, type.getElementType()),
        values, from, sizes, strides);
    return tensor::InsertSliceOp::create(b, location, part, into, dest, sizes,
                                         strides)
        .getResult();
  };
  Value zero = arith::ConstantIndexOp::create(b, location, 0);
  cache = piece(zero, first, start, cache);
  return piece(first, rest, zero, cache);
}

void ModelEmitter::beginLayer() {
  assert(!layerBody && "layers do not nest");
  afterLayer = b.saveInsertionPoint();
  layerBody = new Block();
  b.setInsertionPointToEnd(layerBody);
}

Value ModelEmitter::endLayer(Value output) {
  assert(layerBody && "endLayer without beginLayer");
  // The layer's results: the output, then each state it set.
  SmallVector<Value> yielded = {output};
  SmallVector<State *> updated;
  for (State &s : states)
    if (s.out && s.out.getParentBlock() == layerBody) {
      yielded.push_back(s.out);
      updated.push_back(&s);
    }
  seq::YieldOp::create(b, location, yielded);
  b.restoreInsertionPoint(afterLayer);
  auto layer =
      seq::LayerOp::create(b, location, ValueRange(yielded).getTypes());
  layer.getBody().push_back(layerBody);
  layerBody = nullptr;
  for (auto [s, result] : llvm::zip(updated, layer.getResults().drop_front()))
    s->out = result;
  return layer.getResult(0);
}

Value ModelEmitter::addState(StringRef name, ArrayRef<int64_t> shape,
                             Type element) {
  auto type = RankedTensorType::get(
      shape, element ? element : Type(Float32Type::get(context)));
  BlockArgument arg = forward.getBody().front().addArgument(type, location);
  states.push_back({name.str(), type, arg, Value()});
  return arg;
}

Value ModelEmitter::addKvCache(StringRef name, ArrayRef<int64_t> shape) {
  ++kvCaches;
  return addState(name, shape, kvElement);
}

/// Elements per scale of an 8-bit cache over head dim `dim`: ggml's blocks
/// of 32, or the whole head vector when 32 does not divide it.
static int64_t cacheBlock(int64_t dim) { return dim % 32 == 0 ? 32 : dim; }

/// `values` [1, S, H, D] f32 as symmetric 8-bit blocks of `block` along D,
/// rounded as ggml's quantize_row_q8_0_ref: d = amax / 127, q = x · (1/d)
/// rounded half away from zero, the scale stored as f16(d). Returns the i8
/// values [1, S, H, D] and the f16 scales [1, S, H, D / block].
static std::pair<Value, Value> quantizeBlocks(OpBuilder &b, Location loc,
                                              Value values, int64_t block) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(values.getType());
  int64_t dim = type.getDimSize(3), blocks = dim / block;
  Type f32 = b.getF32Type(), f16 = b.getF16Type(), i8 = b.getI8Type();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, values);
  SmallVector<OpFoldResult> blockSizes(sizes.begin(), sizes.begin() + 3);
  blockSizes.push_back(b.getIndexAttr(blocks));
  SmallVector<OpFoldResult> splitSizes(blockSizes);
  splitSizes.push_back(b.getIndexAttr(block));
  SmallVector<int64_t> blockShape(type.getShape().take_front(3));
  blockShape.push_back(blocks);
  SmallVector<int64_t> splitShape(blockShape);
  splitShape.push_back(block);
  SmallVector<ReassociationIndices> lastSplit = {{0}, {1}, {2}, {3, 4}};
  Value split = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(splitShape, f32), values, lastSplit,
      splitSizes);

  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap all = AffineMap::get(5, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx);
  AffineMap perBlock = AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx);
  AffineMap blockId = AffineMap::get(4, 0, {d(0), d(1), d(2), d(3)}, ctx);
  auto parallel = utils::IteratorType::parallel;
  SmallVector<utils::IteratorType> reduceLast(4, parallel);
  reduceLast.push_back(utils::IteratorType::reduction);
  auto constant = [&](OpBuilder &nb, Location l, float v) {
    return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(v)).getResult();
  };
  // d = amax / 127 per block.
  Value init = tensor::EmptyOp::create(b, loc, blockSizes, f32);
  Value zeros =
      linalg::FillOp::create(b, loc, constant(b, loc, 0), init).getResult(0);
  Value amax =
      linalg::GenericOp::create(
          b, loc, zeros.getType(), split, zeros, {all, perBlock}, reduceLast,
          [](OpBuilder &nb, Location l, ValueRange a) {
            Value m = arith::MaximumFOp::create(
                nb, l, a[1], math::AbsFOp::create(nb, l, a[0]));
            linalg::YieldOp::create(nb, l, m);
          })
          .getResult(0);
  Value scaleInit = tensor::EmptyOp::create(b, loc, blockSizes, f32);
  Value scale =
      linalg::GenericOp::create(
          b, loc, scaleInit.getType(), amax, scaleInit, {blockId, blockId},
          SmallVector<utils::IteratorType>(4, parallel),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            linalg::YieldOp::create(nb, l,
                                    ValueRange{arith::DivFOp::create(
                                        nb, l, a[0], constant(nb, l, 127))});
          })
          .getResult(0);
  Value scales16 = arith::TruncFOp::create(
                       b, loc, RankedTensorType::get(blockShape, f16), scale)
                       .getResult();
  Value qInit = tensor::EmptyOp::create(b, loc, splitSizes, i8);
  Value q =
      linalg::GenericOp::create(
          b, loc, qInit.getType(), ValueRange{split, scale}, qInit,
          {all, perBlock, all}, SmallVector<utils::IteratorType>(5, parallel),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            Value zero = constant(nb, l, 0);
            Value isZero = arith::CmpFOp::create(
                nb, l, arith::CmpFPredicate::OEQ, a[1], zero);
            Value inverse = arith::SelectOp::create(
                nb, l, isZero, zero,
                arith::DivFOp::create(nb, l, constant(nb, l, 1), a[1]));
            Value r = math::RoundOp::create(
                nb, l, arith::MulFOp::create(nb, l, a[0], inverse));
            linalg::YieldOp::create(
                nb, l, ValueRange{arith::FPToSIOp::create(nb, l, i8, r)});
          })
          .getResult(0);
  SmallVector<int64_t> shape(type.getShape());
  Value packed = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, i8), q, lastSplit);
  return {packed, scales16};
}

ModelEmitter::KvCache ModelEmitter::cacheKeysValues(StringRef prefix, Value k,
                                                    Value v, int64_t slots,
                                                    bool ring) {
  KvCache cache;
  if (beamMode) {
    if (ring)
      fail("internal: decode_beams has no ring caches");
    k = beamQuery(k);
    v = beamQuery(v);
  }
  auto write = [&](StringRef suffix, Value values, Type element) {
    auto type = cast<RankedTensorType>(values.getType());
    // decode_beams: rows, and the positions the search reaches.
    SmallVector<int64_t> shape = {beamMode ? ShapedType::kDynamic : 1,
                                  beamMode ? ShapedType::kDynamic : slots,
                                  type.getDimSize(2), type.getDimSize(3)};
    std::string name = ((beamMode ? "beams." : "") + prefix + suffix).str();
    Value state =
        element ? addState(name, shape, element) : addKvCache(name, shape);
    Value next =
        ring ? appendToRing(state, values) : appendToCache(state, values);
    setState(name, next);
    return next;
  };
  if (!kvElement || !kvElement.isInteger(8)) {
    cache.keys = write(".k_cache", k, Type());
    cache.values = write(".v_cache", v, Type());
    return cache;
  }
  auto quantized = [&](StringRef name, Value x, Value &values, Value &scales) {
    int64_t dim = cast<RankedTensorType>(x.getType()).getDimSize(3);
    auto [q, s] = quantizeBlocks(b, location, x, cacheBlock(dim));
    values = write((name + "_cache").str(), q, Type());
    scales = write((name + "_scales").str(), s, b.getF16Type());
  };
  quantized(".k", k, cache.keys, cache.keyScales);
  quantized(".v", v, cache.values, cache.valueScales);
  return cache;
}

void ModelEmitter::setState(StringRef name, Value next) {
  for (State &s : states)
    if (s.name == name)
      s.out = next;
}

std::vector<std::string> ModelEmitter::stateNames() const {
  std::vector<std::string> names;
  for (const State &s : states)
    names.push_back(s.name);
  return names;
}

Value ModelEmitter::stateValue(StringRef name) const {
  for (const State &s : states)
    if (s.name == name)
      return s.out ? s.out : s.in;
  return nullptr;
}

ModelEmitter::CrossStates ModelEmitter::addCrossStates(int64_t layers,
                                                       int64_t capacity,
                                                       int64_t heads,
                                                       int64_t dim) {
  CrossStates cross;
  Value zero = arith::ConstantIndexOp::create(b, location, 0);
  if (!beamMode) {
    Value length = addState("source_length", {1}, b.getI64Type());
    cross.kvLength = arith::IndexCastOp::create(
        b, location, b.getIndexType(),
        tensor::ExtractOp::create(b, location, length, ValueRange{zero}));
  }
  // decode_beams: one row per source, of its longest source's positions.
  Value lengths;
  if (beamMode)
    lengths = addState("sources.source_length", {ShapedType::kDynamic},
                       b.getI64Type());
  std::string prefix = beamMode ? "sources." : "";
  int64_t rows = beamMode ? ShapedType::kDynamic : 1;
  int64_t positions = beamMode ? ShapedType::kDynamic : capacity;
  for (int64_t i = 0; i < layers; ++i) {
    std::string n = prefix + "decoder.layers." + std::to_string(i) + ".cross";
    cross.layers.push_back({addState(n + ".k", {rows, positions, heads, dim}),
                            addState(n + ".v", {rows, positions, heads, dim})});
  }
  if (!beamMode || layers == 0)
    return cross;
  // Source n's keys at or past its length are padding: -inf.
  Value keys = cross.layers[0].first;
  Value sources = tensor::DimOp::create(b, location, keys, 0);
  Value longest = tensor::DimOp::create(b, location, keys, 1);
  auto biasType = RankedTensorType::get(
      {ShapedType::kDynamic, 1, 1, ShapedType::kDynamic}, b.getF32Type());
  cross.bias = tensor::GenerateOp::create(
      b, location, biasType, ValueRange{sources, longest},
      [&](OpBuilder &nb, Location l, ValueRange at) {
        Value length = arith::IndexCastOp::create(
            nb, l, nb.getIndexType(),
            tensor::ExtractOp::create(nb, l, lengths, ValueRange{at[0]}));
        Value inside = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult,
                                             at[3], length);
        Value v = arith::SelectOp::create(
            nb, l, inside,
            arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0.0f)),
            arith::ConstantOp::create(
                nb, l,
                nb.getF32FloatAttr(-std::numeric_limits<float>::infinity())));
        tensor::YieldOp::create(nb, l, v);
      });
  return cross;
}

Value ModelEmitter::crossAttention(const CrossStates &cross, int64_t layer,
                                   Value q, FloatAttr scale) {
  auto [keys, values] = cross.layers[layer];
  if (!beamMode)
    return seq::AttentionOp::create(b, location, q, keys, values, Value(),
                                    cross.kvLength, Value(), Value(), scale,
                                    /*causal=*/false, nullptr, nullptr, nullptr,
                                    nullptr, nullptr, nullptr);
  // decode_beams' rows [1, R, h, d] are its sources' beams, source-major:
  // [N, R / N, h, d] queries against [N, longest, h, d] keys. The rows are
  // regrouped by copies: an expand_shape of R into two dynamic dims crashes
  // MLIR 22's expand-strided-metadata.
  auto type = cast<RankedTensorType>(q.getType());
  int64_t h = type.getDimSize(2), d = type.getDimSize(3);
  Value rows = tensor::DimOp::create(b, location, q, 1);
  Value sources = tensor::DimOp::create(b, location, keys, 0);
  Value beams = arith::DivUIOp::create(b, location, rows, sources);
  auto regroup = [&](Value from, RankedTensorType to, ValueRange sizes,
                     bool toSources) {
    return tensor::GenerateOp::create(
        b, location, to, sizes, [&](OpBuilder &nb, Location l, ValueRange at) {
          SmallVector<Value> index;
          if (toSources) { // [n, k] reads row n·K + k
            Value row = arith::AddIOp::create(
                nb, l, arith::MulIOp::create(nb, l, at[0], beams), at[1]);
            index = {arith::ConstantIndexOp::create(nb, l, 0), row};
          } else { // row r reads [r / K, r % K]
            index = {arith::DivUIOp::create(nb, l, at[1], beams),
                     arith::RemUIOp::create(nb, l, at[1], beams)};
          }
          index.append({at[2], at[3]});
          tensor::YieldOp::create(
              nb, l, tensor::ExtractOp::create(nb, l, from, index).getResult());
        });
  };
  Value grouped = regroup(
      q,
      RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic, h, d},
                            b.getF32Type()),
      ValueRange{sources, beams}, true);
  Value o = seq::AttentionOp::create(b, location, grouped, keys, values,
                                     cross.bias, Value(), Value(), Value(),
                                     scale, /*causal=*/false, nullptr, nullptr,
                                     nullptr, nullptr, nullptr, nullptr);
  int64_t dv = cast<RankedTensorType>(o.getType()).getDimSize(3);
  return regroup(
      o,
      RankedTensorType::get({1, ShapedType::kDynamic, h, dv}, b.getF32Type()),
      ValueRange{rows}, false);
}

void ModelEmitter::writeCrossStates(int64_t layer, Value keys, Value values) {
  std::string n = "decoder.layers." + std::to_string(layer) + ".cross";
  setState(n + ".k", appendToCache(stateValue(n + ".k"), keys));
  setState(n + ".v", appendToCache(stateValue(n + ".v"), values));
}

void ModelEmitter::writeSourceLength() {
  Type i64 = b.getI64Type();
  Value length = arith::IndexCastOp::create(b, location, i64, lengthValue);
  setState("source_length", tensor::FromElementsOp::create(
                                b, location, RankedTensorType::get({1}, i64),
                                ValueRange{length}));
}

/// Names the state arguments (from `firstArg`) and results (from
/// `firstResult`) of entry `fn`: seq.state = `names`[i] on both.
static void nameStates(OpBuilder &b, func::FuncOp fn,
                       ArrayRef<std::string> names, unsigned firstArg,
                       unsigned firstResult) {
  StringRef attr = seqc::seq::SeqDialect::StateAttrHelper::getNameStr();
  for (auto [i, name] : llvm::enumerate(names)) {
    fn.setArgAttr(firstArg + i, attr, b.getStringAttr(name));
    fn.setResultAttr(firstResult + i, attr, b.getStringAttr(name));
  }
}

Value ModelEmitter::rowTokens() {
  return beamMode ? arith::ConstantIndexOp::create(b, location, 1).getResult()
                  : lengthValue;
}

Value ModelEmitter::selfKvLength() {
  return arith::AddIOp::create(b, location, posArg, rowTokens());
}

/// [a, b, h, d] as [b, a, h, d] for a or b of size 1.
static Value swapLeadingUnitDim(OpBuilder &b, Location loc, Value x,
                                bool toBeams, Value beams) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t h = type.getDimSize(2), d = type.getDimSize(3);
  SmallVector<ReassociationIndices> groups = {{0, 1}, {2}, {3}};
  Value flat = tensor::CollapseShapeOp::create(b, loc, x, groups);
  SmallVector<int64_t> shape =
      toBeams ? SmallVector<int64_t>{ShapedType::kDynamic, 1, h, d}
              : SmallVector<int64_t>{1, ShapedType::kDynamic, h, d};
  SmallVector<OpFoldResult> sizes =
      toBeams ? SmallVector<OpFoldResult>{beams, b.getIndexAttr(1),
                                          b.getIndexAttr(h), b.getIndexAttr(d)}
              : SmallVector<OpFoldResult>{b.getIndexAttr(1), beams,
                                          b.getIndexAttr(h), b.getIndexAttr(d)};
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), flat, groups,
      sizes);
}

Value ModelEmitter::beamQuery(Value q) {
  return beamMode ? swapLeadingUnitDim(b, location, q, true, lengthValue) : q;
}

Value ModelEmitter::beamOutput(Value o) {
  return beamMode ? swapLeadingUnitDim(b, location, o, false, lengthValue) : o;
}

void ModelEmitter::emitBeamEntry(function_ref<Value()> build) {
  OpBuilder::InsertionGuard guard(b);
  // The decoder's function and state values, restored after.
  func::FuncOp decoder = forward;
  Value decoderIds = idsArg, decoderPos = posArg, decoderLength = lengthValue;
  std::vector<State> decoderStates = std::move(states);
  states.clear();

  b.setInsertionPointToEnd(module->getBody());
  auto idsType =
      RankedTensorType::get({1, ShapedType::kDynamic}, b.getI64Type());
  auto fn =
      func::FuncOp::create(b, location, "decode_beams",
                           b.getFunctionType({idsType, b.getIndexType()}, {}));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  forward = fn;
  idsArg = body->getArgument(0);
  posArg = body->getArgument(1);
  lengthValue = tensor::DimOp::create(b, location, idsArg, 1);
  beamMode = true;
  Value logits = build();
  beamMode = false;
  if (!logits) { // the error is recorded
    fn.erase();
    forward = decoder;
    idsArg = decoderIds;
    posArg = decoderPos;
    lengthValue = decoderLength;
    states = std::move(decoderStates);
    return;
  }
  SmallVector<Value> results = {logits};
  for (State &s : states)
    results.push_back(s.out ? s.out : s.in);
  func::ReturnOp::create(b, location, results);
  fn.setType(b.getFunctionType(body->getArgumentTypes(),
                               ValueRange(results).getTypes()));
  nameStates(b, fn, stateNames(), 2, 1);
  forward = decoder;
  idsArg = decoderIds;
  posArg = decoderPos;
  lengthValue = decoderLength;
  states = std::move(decoderStates);
}

void ModelEmitter::emitEncodeEntry(function_ref<void()> build,
                                   RankedTensorType input,
                                   int64_t inputPositions) {
  OpBuilder::InsertionGuard guard(b);
  // The decoder's function and state values, restored after.
  func::FuncOp decoder = forward;
  Value decoderIds = idsArg, decoderPos = posArg, decoderLength = lengthValue;
  std::vector<State> decoderStates = states;

  b.setInsertionPointToEnd(module->getBody());
  auto idsType =
      input ? input
            : RankedTensorType::get({1, ShapedType::kDynamic}, b.getI64Type());
  SmallVector<Type> args = {idsType};
  for (const State &s : states)
    args.push_back(s.type);
  auto fn =
      func::FuncOp::create(b, location, "encode", b.getFunctionType(args, {}));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  forward = fn;
  idsArg = body->getArgument(0);
  posArg = arith::ConstantIndexOp::create(b, location, 0);
  // Features have no token count: the source's positions are given.
  lengthValue =
      input ? arith::ConstantIndexOp::create(b, location, inputPositions)
                  .getResult()
            : tensor::DimOp::create(b, location, idsArg, 1).getResult();
  for (auto [i, s] : llvm::enumerate(states)) {
    s.in = body->getArgument(i + 1);
    s.out = Value();
  }
  size_t count = states.size();
  build();
  assert(states.size() == count && "the encoder adds no state");
  (void)count;
  // `encode` takes and returns only the states it writes (the source
  // states): the runtime shares exactly those between copies of a session
  // (the beams of one source), so a decoder state must not be among them.
  SmallVector<Value> results;
  SmallVector<std::string> written;
  llvm::BitVector unused(body->getNumArguments());
  for (auto [i, s] : llvm::enumerate(states)) {
    if (s.out) {
      results.push_back(s.out);
      written.push_back(s.name);
    } else {
      assert(s.in.use_empty() && "the encoder reads only its own states");
      unused.set(i + 1);
    }
  }
  func::ReturnOp::create(b, location, results);
  if (failed(fn.eraseArguments(unused)))
    fail("internal: cannot drop the decoder's states from 'encode'");
  fn.setType(b.getFunctionType(body->getArgumentTypes(),
                               ValueRange(results).getTypes()));
  nameStates(b, fn, written, 1, 0);
  forward = decoder;
  idsArg = decoderIds;
  posArg = decoderPos;
  lengthValue = decoderLength;
  states = std::move(decoderStates);
}

OwningOpRef<ModuleOp> ModelEmitter::finishEncoder(Value hidden) {
  func::ReturnOp::create(b, location, hidden);
  auto hiddenType = cast<RankedTensorType>(hidden.getType());
  int64_t dim = hiddenType.getDimSize(2);
  forward.setType(b.getFunctionType(
      forward.getBody().front().getArgumentTypes(), {hiddenType}));

  b.setInsertionPointToEnd(module->getBody());
  auto idsType = forward.getArgumentTypes()[0];
  auto pooledType = f32({1, dim});
  auto fn = func::FuncOp::create(
      b, location, "embed",
      b.getFunctionType({idsType}, {hiddenType, pooledType}));
  Block *body = fn.addEntryBlock();
  OpBuilder eb = OpBuilder::atBlockBegin(body);
  Value zero = arith::ConstantIndexOp::create(eb, location, 0);
  auto call = func::CallOp::create(eb, location, forward,
                                   ValueRange{body->getArgument(0), zero});
  Value h = call.getResult(0);
  // Mean over tokens: Σ_s h[0, s, d] / S.
  Value init = tensor::EmptyOp::create(eb, location, pooledType.getShape(),
                                       eb.getF32Type());
  Value zerof = arith::ConstantOp::create(eb, location, eb.getF32FloatAttr(0));
  Value acc = linalg::FillOp::create(eb, location, zerof, init).getResult(0);
  MLIRContext *ctx = eb.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {d(0), d(1), d(2)}, ctx),
                                 AffineMap::get(3, 0, {d(0), d(2)}, ctx)};
  Value sum =
      linalg::GenericOp::create(
          eb, location, pooledType, h, acc, maps,
          {utils::IteratorType::parallel, utils::IteratorType::reduction,
           utils::IteratorType::parallel},
          [](OpBuilder &nb, Location l, ValueRange a) {
            linalg::YieldOp::create(
                nb, l, ValueRange{arith::AddFOp::create(nb, l, a[0], a[1])});
          })
          .getResult(0);
  Value tokens = tensor::DimOp::create(eb, location, body->getArgument(0), 1);
  Value tokens64 =
      arith::IndexCastOp::create(eb, location, eb.getI64Type(), tokens);
  Value count =
      arith::SIToFPOp::create(eb, location, eb.getF32Type(), tokens64);
  Value countTensor = tensor::SplatOp::create(eb, location, pooledType, count);
  Value mean = arith::DivFOp::create(eb, location, sum, countTensor);
  func::ReturnOp::create(eb, location, ValueRange{h, mean});
  return std::move(module);
}

func::FuncOp ModelEmitter::lastPositionForward() {
  // forward's logits come from the head: a seq.linear on [1, S, H].
  auto ret = cast<func::ReturnOp>(forward.getBody().front().getTerminator());
  auto head = ret.getOperand(0).getDefiningOp<seq::LinearOp>();
  if (!head || cast<RankedTensorType>(head.getInput().getType()).getRank() != 3)
    return nullptr;
  func::FuncOp last = forward.clone();
  last.setName("forward_last");
  module->getBody()->push_back(last);
  auto lastRet = cast<func::ReturnOp>(last.getBody().front().getTerminator());
  auto lastHead = lastRet.getOperand(0).getDefiningOp<seq::LinearOp>();
  OpBuilder lb(lastHead);
  Value x = lastHead.getInput();
  auto xType = cast<RankedTensorType>(x.getType());
  Value rows = tensor::DimOp::create(lb, location, x, 1);
  Value lastRow = arith::SubIOp::create(
      lb, location, rows, arith::ConstantIndexOp::create(lb, location, 1));
  Value row = tensor::ExtractSliceOp::create(
      lb, location,
      RankedTensorType::get({1, 1, xType.getDimSize(2)},
                            xType.getElementType()),
      x,
      ArrayRef<OpFoldResult>{lb.getIndexAttr(0), lastRow, lb.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{lb.getIndexAttr(1), lb.getIndexAttr(1),
                             lb.getIndexAttr(xType.getDimSize(2))},
      ArrayRef<OpFoldResult>{lb.getIndexAttr(1), lb.getIndexAttr(1),
                             lb.getIndexAttr(1)});
  auto oneRow = seq::LinearOp::create(
      lb, location, row, lastHead.getWeight(), lastHead.getBias(),
      lastHead.getScales(), lastHead.getOffsets(), lastHead.getBits());
  lastRet->setOperand(0, oneRow.getResult());
  lastHead.erase();
  last.setType(FunctionType::get(context, last.getArgumentTypes(),
                                 lastRet.getOperandTypes()));
  return last;
}

OwningOpRef<ModuleOp> ModelEmitter::finish(Value logits, int64_t maxPositions) {
  if (positionLimit > 0 && (maxPositions <= 0 || positionLimit < maxPositions))
    maxPositions = positionLimit;
  // forward returns the logits and every state's next value.
  SmallVector<Value> results = {logits};
  SmallVector<Type> resultTypes = {logits.getType()};
  for (State &s : states) {
    if (!s.out)
      s.out = s.in; // a state this call does not change
    results.push_back(s.out);
    resultTypes.push_back(s.type);
  }
  func::ReturnOp::create(b, location, results);
  forward.setType(b.getFunctionType(
      forward.getBody().front().getArgumentTypes(), resultTypes));

  func::FuncOp forwardLast = lastPositionForward();
  if (logitsSoftCap > 0)
    for (func::FuncOp fn : {forward, forwardLast}) {
      if (!fn)
        continue;
      auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
      b.setInsertionPoint(ret);
      Value capped =
          scale(activation(seq::ActivationKind::tanh,
                           scale(ret.getOperand(0), 1.0 / logitsSoftCap)),
                logitsSoftCap);
      ret->setOperand(0, capped);
    }

  // prefill takes any number of tokens; decode exactly one; prefill_last
  // any number but returns the last position's logits only (the head's
  // matmul on one row: what generation needs).
  auto vocab = cast<RankedTensorType>(logits.getType()).getDimSize(2);
  b.setInsertionPointToEnd(module->getBody());
  enum Kind { Prefill, Decode, PrefillLast };
  for (Kind kind : {Prefill, Decode, PrefillLast}) {
    if (kind == PrefillLast && !forwardLast)
      continue;
    bool decode = kind == Decode;
    func::FuncOp callee = kind == PrefillLast ? forwardLast : forward;
    int64_t tokens = decode ? 1 : ShapedType::kDynamic;
    auto idsType = RankedTensorType::get({1, tokens}, b.getI64Type());
    auto logitsType = f32({1, kind == PrefillLast ? 1 : tokens, vocab});
    SmallVector<Type> args = {idsType, b.getIndexType()};
    SmallVector<Type> outs = {logitsType};
    for (State &s : states) {
      args.push_back(s.type);
      outs.push_back(s.type);
    }
    const char *name = kind == Prefill  ? "prefill"
                       : kind == Decode ? "decode"
                                        : "prefill_last";
    auto fn =
        func::FuncOp::create(b, location, name, b.getFunctionType(args, outs));
    nameStates(b, fn, stateNames(), 2, 1);
    Block *body = fn.addEntryBlock();
    OpBuilder eb = OpBuilder::atBlockBegin(body);
    SmallVector<Value> callArgs(body->getArguments());
    callArgs[0] = tensor::CastOp::create(
        eb, location, forward.getArgumentTypes()[0], callArgs[0]);
    auto call = func::CallOp::create(eb, location, callee, callArgs);
    SmallVector<Value> returned(call.getResults());
    returned[0] = tensor::CastOp::create(eb, location, logitsType, returned[0]);
    func::ReturnOp::create(eb, location, returned);
  }
  if (usesCache && maxPositions > 0)
    (*module)->setAttr(
        seqc::seq::SeqDialect::MaxPositionsAttrHelper::getNameStr(),
        b.getI64IntegerAttr(maxPositions));
  if (usesRing)
    (*module)->setAttr(
        seqc::seq::SeqDialect::MaxTokensPerCallAttrHelper::getNameStr(),
        b.getI64IntegerAttr(maxTokensPerCall));
  if (maxSourcePositions > 0)
    (*module)->setAttr(
        seqc::seq::SeqDialect::MaxSourcePositionsAttrHelper::getNameStr(),
        b.getI64IntegerAttr(maxSourcePositions));
  if (sourceVocabSize > 0)
    (*module)->setAttr(
        seqc::seq::SeqDialect::SourceVocabSizeAttrHelper::getNameStr(),
        b.getI64IntegerAttr(sourceVocabSize));
  return std::move(module);
}

} // namespace seqc::hf
