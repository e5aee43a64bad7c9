//===- Rope.cpp - rotary position settings of a config.json ---------------===//
//
// rope_parameters (transformers 5) or rope_scaling beside rope_theta (4.x)
// read into seq.rope's attributes, shared by every importer with rotary
// position embeddings.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/Architectures.h"

#include <cmath>

using namespace mlir;

namespace seqc::hf {

namespace {

/// An architecture that fixes its rotary fraction overrides a top-level
/// partial_rotary_factor: accepted only when it says the same.
void checkTopLevelPartial(HfConfig &config, double partial) {
  if (config.has("partial_rotary_factor") &&
      config.number("partial_rotary_factor", partial) != partial)
    config.fail("partial_rotary_factor",
                "differs from the rotary fraction transformers uses (" +
                    std::to_string(partial) + ")");
}

} // namespace

/// transformers >= 5 writes "rope_parameters" (with rope_theta inside);
/// older configs "rope_scaling" beside a top-level "rope_theta". Every key
/// of the object must be one the kind reads.
RopeScaling readRopeScaling(HfConfig &config, double defaultTheta,
                            std::optional<double> architecturePartial) {
  RopeScaling r;
  r.theta = config.number("rope_theta", defaultTheta);
  for (llvm::StringRef key : {"rope_scaling", "rope_parameters"})
    if (const llvm::json::Object *params = config.object(key))
      r.theta = params->getNumber("rope_theta").value_or(r.theta);
  if (!std::isfinite(r.theta) || r.theta <= 1)
    config.fail("rope_theta", "must be a finite number > 1");
  // transformers folds rope_scaling into rope_parameters: one of them.
  if (config.has("rope_parameters") && config.has("rope_scaling")) {
    config.fail("rope_scaling", "given beside rope_parameters; keep one");
    return r;
  }
  config.present("rope_scaling"); // null is the default kind
  llvm::StringRef field =
      config.present("rope_parameters") ? "rope_parameters" : "rope_scaling";
  const llvm::json::Object *obj = config.object(field);
  if (!obj) {
    if (config.has("rope_parameters") || config.has("rope_scaling"))
      config.fail(field, "expected an object");
    if (architecturePartial) {
      r.partial = *architecturePartial;
      checkTopLevelPartial(config, r.partial);
    } else {
      // Ignored by the default kind, as transformers does.
      config.number("partial_rotary_factor", 1.0);
    }
    return r;
  }
  std::optional<llvm::StringRef> type = obj->getString("rope_type");
  if (!type)
    type = obj->getString("type");
  std::string kind = type ? type->str() : "default";
  auto number = [&](llvm::StringRef key, double fallback) {
    const llvm::json::Value *v = obj->get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return fallback;
    std::optional<double> d = v->getAsNumber();
    if (!d || !std::isfinite(*d) || *d <= 0) {
      config.fail(field, "'" + key.str() + "' must be a positive number");
      return fallback;
    }
    return *d;
  };
  // Keys each kind reads (transformers' modeling_rope_utils).
  std::vector<llvm::StringRef> known = {"rope_type", "type", "rope_theta",
                                        "partial_rotary_factor"};
  if (kind == "default") {
    // The default kind ignores partial_rotary_factor (all of head_dim
    // rotates), as transformers does.
  } else if (kind == "linear") {
    r.kind = seq::RopeScalingKind::linear;
    r.factor = number("factor", 1.0);
    known.push_back("factor");
  } else if (kind == "llama3") {
    r.kind = seq::RopeScalingKind::llama3;
    r.factor = number("factor", 1.0);
    r.low = number("low_freq_factor", 1.0);
    r.high = number("high_freq_factor", 4.0);
    r.original =
        static_cast<int64_t>(number("original_max_position_embeddings", 0));
    known.insert(known.end(), {"factor", "low_freq_factor", "high_freq_factor",
                               "original_max_position_embeddings"});
    if (r.original <= 0)
      config.fail(field, "llama3 scaling needs "
                         "original_max_position_embeddings");
    if (r.high <= r.low)
      config.fail(field, "llama3 scaling needs high_freq_factor > "
                         "low_freq_factor");
  } else {
    config.fail(field, "rope_type '" + kind +
                           "' is not supported (default, linear, llama3 are)");
    return r;
  }
  double partial;
  if (architecturePartial) {
    // The architecture's own factor unless the object gives one.
    partial = *architecturePartial;
    if (obj->get("partial_rotary_factor"))
      partial = number("partial_rotary_factor", partial);
    checkTopLevelPartial(config, partial);
    if (!(partial > 0 && partial <= 1))
      config.fail(field, "'partial_rotary_factor' must be in (0, 1]");
    r.partial = partial;
  } else {
    // transformers folds a top-level partial_rotary_factor into the object.
    partial = config.number("partial_rotary_factor", 1.0);
    if (const llvm::json::Value *p = obj->get("partial_rotary_factor"))
      partial = p->getAsNumber().value_or(0.0);
  }
  // Partial rotation reaches seq.rope as rotary_dim: checked with the
  // default and linear kinds only.
  bool partialRotates = architecturePartial && kind != "llama3";
  if (kind != "default" && partial != 1.0 && !partialRotates)
    config.fail(field, "partial_rotary_factor != 1 is not supported with "
                       "rope_type '" +
                           kind + "'");
  for (const auto &member : *obj)
    if (llvm::find(known, llvm::StringRef(member.first)) == known.end())
      config.fail(field, "key '" + member.first.str() +
                             "' is not read by rope_type '" + kind + "'");
  return r;
}

void checkRotaryWidth(HfConfig &config, llvm::StringRef key, int64_t rotated) {
  if (config.has(key) && config.integer(key, rotated) != rotated)
    config.fail(key, "differs from the " + std::to_string(rotated) +
                         " channels per head transformers rotates");
}

Value rope(ModelEmitter &e, Value x, Value positions, const RopeScaling &s) {
  OpBuilder &b = e.builder();
  bool scaled = s.kind != seq::RopeScalingKind::none;
  bool llama3 = s.kind == seq::RopeScalingKind::llama3;
  // int(head_dim * partial_rotary_factor), as transformers sizes inv_freq.
  int64_t dim = cast<RankedTensorType>(x.getType()).getShape().back();
  int64_t rotaryDim = 0;
  if (s.partial != 1.0)
    rotaryDim = static_cast<int64_t>(double(dim) * s.partial);
  if (s.partial != 1.0 && (rotaryDim < 2 || rotaryDim % 2 != 0)) {
    e.fail("partial_rotary_factor " + std::to_string(s.partial) + " rotates " +
           std::to_string(rotaryDim) + " of the " + std::to_string(dim) +
           " channels of a head; rotary embeddings need an even number >= 2");
    return x;
  }
  return seq::RopeOp::create(
      b, e.loc(), x, positions, b.getF64FloatAttr(s.theta),
      rotaryDim ? b.getI64IntegerAttr(rotaryDim) : IntegerAttr(),
      /*interleaved=*/nullptr,
      seq::RopeScalingKindAttr::get(b.getContext(), s.kind),
      scaled ? b.getF64FloatAttr(s.factor) : FloatAttr(),
      llama3 ? b.getF64FloatAttr(s.low) : FloatAttr(),
      llama3 ? b.getF64FloatAttr(s.high) : FloatAttr(),
      llama3 ? b.getI64IntegerAttr(s.original) : IntegerAttr(),
      e.ropeFrequencyFactors().empty()
          ? DenseF64ArrayAttr()
          : b.getDenseF64ArrayAttr(e.ropeFrequencyFactors()));
}

} // namespace seqc::hf
