//===- GoldenRunner.h - run the C++ reference on one golden case -*- C++
//-*-===//
//
// Loads a golden case's operands (tools/goldens/make_op_goldens.py) and runs
// the reference op on them. Shared by the reference's own test and by the
// end-to-end tests that compare compiled code with the reference.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_UNIT_REFERENCE_GOLDENRUNNER_H
#define SEQC_TEST_UNIT_REFERENCE_GOLDENRUNNER_H

#include "test/e2e/reference/SeqReference.h"
#include "test/unit/reference/GoldenLoader.h"

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace seqref::golden {

inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// The named mask_mod callbacks of make_op_goldens.py (MASK_MODS).
inline bool
lookupMaskMod(const std::string &name,
              std::function<bool(int64_t, int64_t, int64_t, int64_t)> &fn) {
  if (name == "bh_pattern") {
    fn = [](int64_t b, int64_t h, int64_t i, int64_t j) {
      return (i * 7 + j * 3 + b * 5 + h) % 4 != 0;
    };
    return true;
  }
  if (name == "document") {
    fn = [](int64_t, int64_t, int64_t i, int64_t j) {
      return floorDiv(i, 5) == floorDiv(j, 5);
    };
    return true;
  }
  return false;
}

/// The named score_mod callbacks of make_op_goldens.py (SCORE_MODS).
inline bool lookupScoreMod(
    const std::string &name,
    std::function<double(double, int64_t, int64_t, int64_t, int64_t)> &fn) {
  if (name == "softcap_2") {
    fn = [](double s, int64_t, int64_t, int64_t, int64_t) {
      return 2.0 * std::tanh(s / 2.0);
    };
    return true;
  }
  if (name == "alibi_b") {
    fn = [](double s, int64_t b, int64_t h, int64_t i, int64_t j) {
      return s -
             std::pow(2.0, -static_cast<double>(h + 1)) *
                 static_cast<double>(std::llabs(i - j)) +
             0.25 * static_cast<double>(b);
    };
    return true;
  }
  return false;
}

/// Loads a case's operands on demand and runs its op.
class Runner {
public:
  explicit Runner(const Case &c) : c(c) {}

  /// Fills `results` (result name -> tensor); false with `error` set on a
  /// load problem or an unknown op/attribute.
  bool run(std::map<std::string, Tensor> &results);
  std::string error;

private:
  const Case &c;
  std::map<std::string, Tensor> tensors;
  std::map<std::string, IntTensor> ints;
  std::set<std::string> used;

  /// A required float operand (an empty tensor after a load error).
  const Tensor &in(const std::string &name) {
    used.insert(name);
    auto it = tensors.find(name);
    if (it != tensors.end())
      return it->second;
    Tensor &t = tensors[name];
    if (!c.isInput(name))
      fail("case lists no input '" + name + "'");
    else if (std::string err; !golden::loadTensor(c.inputPath(name), t, err))
      fail(err);
    return t;
  }
  /// An optional float operand: null when the case has none.
  const Tensor *opt(const std::string &name) {
    used.insert(name);
    return c.isInput(name) ? &in(name) : nullptr;
  }
  const IntTensor &intIn(const std::string &name) {
    used.insert(name);
    IntTensor &t = ints[name];
    if (!c.isInput(name))
      fail("case lists no input '" + name + "'");
    else if (std::string err; !golden::loadIntTensor(c.inputPath(name), t, err))
      fail(err);
    return t;
  }
  void fail(const std::string &message) {
    if (error.empty())
      error = message;
  }
  template <typename T> std::optional<T> optI64(const std::string &attr) {
    return c.has(attr) ? std::optional<T>(static_cast<T>(c.i64(attr)))
                       : std::nullopt;
  }
  template <typename T> std::optional<T> optF64(const std::string &attr) {
    return c.has(attr) ? std::optional<T>(static_cast<T>(c.f64(attr)))
                       : std::nullopt;
  }
  /// Every shape check the reference makes aborts; report bad goldens
  /// (missing operands) before calling it.
  bool ready() { return error.empty(); }
};

inline bool Runner::run(std::map<std::string, Tensor> &results) {
  const std::string &op = c.op;
  if (op == "embedding") {
    const Tensor &table = in("table");
    const IntTensor &ids = intIn("indices");
    if (!ready())
      return false;
    results["result"] = embedding(table, ids);
  } else if (op == "linear") {
    const Tensor &x = in("input"), &w = in("weight");
    const Tensor *b = opt("bias");
    if (!ready())
      return false;
    results["result"] = linear(x, w, b);
  } else if (op == "rmsnorm") {
    RMSNormOptions o;
    if (c.has("epsilon"))
      o.epsilon = static_cast<float>(c.f64("epsilon"));
    o.groupSize = optI64<int64_t>("group_size");
    if (c.has("weight_offset"))
      o.weightOffset = static_cast<float>(c.f64("weight_offset"));
    const Tensor &x = in("input"), &w = in("weight");
    const Tensor *gate = opt("gate");
    if (!ready())
      return false;
    results["result"] = rmsnorm(x, w, gate, o);
  } else if (op == "layernorm") {
    LayerNormOptions o;
    if (c.has("epsilon"))
      o.epsilon = static_cast<float>(c.f64("epsilon"));
    const Tensor &x = in("input"), &w = in("weight");
    const Tensor *b = opt("bias");
    if (!ready())
      return false;
    results["result"] = layernorm(x, w, b, o);
  } else if (op == "rope") {
    RopeOptions o;
    if (c.has("theta"))
      o.theta = c.f64("theta");
    o.rotaryDim = optI64<int64_t>("rotary_dim");
    o.interleaved = c.has("interleaved") && c.i64("interleaved") != 0;
    if (c.has("scaling"))
      o.scaling = parseRopeScaling(c.str("scaling"));
    o.scalingFactor = optF64<double>("scaling_factor");
    o.lowFreqFactor = optF64<double>("low_freq_factor");
    o.highFreqFactor = optF64<double>("high_freq_factor");
    o.originalMaxPositions = optI64<int64_t>("original_max_positions");
    const Tensor &x = in("input");
    const IntTensor &pos = intIn("positions");
    if (!ready())
      return false;
    results["result"] = rope(x, pos, o);
  } else if (op == "activation") {
    const Tensor &x = in("input");
    if (!ready())
      return false;
    results["result"] = activation(parseActivation(c.str("kind")), x);
  } else if (op == "glu") {
    const Tensor &gate = in("gate"), &up = in("up");
    if (!ready())
      return false;
    results["result"] = glu(parseActivation(c.str("kind")), gate, up);
  } else if (op == "softmax") {
    SoftmaxOptions o;
    if (c.has("axis"))
      o.axis = c.i64("axis");
    const Tensor &x = in("input");
    if (!ready())
      return false;
    results["result"] = softmax(x, o);
  } else if (op == "moe") {
    MoeOptions o;
    o.topK = c.i64("top_k");
    if (c.has("routing"))
      o.routing = parseMoeRouting(c.str("routing"));
    o.normalize = c.has("normalize") && c.i64("normalize") != 0;
    if (c.has("normalize_epsilon"))
      o.normalizeEpsilon = static_cast<float>(c.f64("normalize_epsilon"));
    if (c.has("routed_scale"))
      o.routedScale = static_cast<float>(c.f64("routed_scale"));
    if (c.has("expert_groups"))
      o.expertGroups = c.i64("expert_groups");
    o.keptGroups = c.has("kept_groups") ? c.i64("kept_groups") : o.expertGroups;
    if (c.has("activation"))
      o.activation = parseActivation(c.str("activation"));
    const Tensor &x = in("input"), &logits = in("router_logits"),
                 &wg = in("gate_weight"), &wu = in("up_weight"),
                 &wd = in("down_weight");
    if (const Tensor *bias = opt("selection_bias"))
      o.selectionBias.assign(bias->data.begin(), bias->data.end());
    if (!ready())
      return false;
    results["result"] = moe(x, logits, wg, wu, wd, o);
  } else if (op == "attention") {
    AttentionOptions o;
    o.scale = optF64<float>("scale");
    o.causal = c.has("causal") && c.i64("causal") != 0;
    o.ring = c.has("ring") && c.i64("ring") != 0;
    o.slidingWindow = optI64<int64_t>("sliding_window");
    o.dilationRate = optI64<int64_t>("dilation_rate");
    o.dilationSegment = optI64<int64_t>("dilation_segment");
    o.globalTokens = optI64<int64_t>("global_tokens");
    o.blockSize = optI64<int64_t>("block_size");
    for (int64_t v : c.i64s("block_layout"))
      o.blockLayout.push_back(v != 0);
    if (c.has("mask_mod") && !lookupMaskMod(c.str("mask_mod"), o.maskMod))
      fail("unknown mask_mod '" + c.str("mask_mod") + "'");
    if (c.has("score_mod") && !lookupScoreMod(c.str("score_mod"), o.scoreMod))
      fail("unknown score_mod '" + c.str("score_mod") + "'");
    std::optional<int64_t> kvLength = optI64<int64_t>("kv_length");
    const Tensor &q = in("query"), &k = in("key"), &v = in("value");
    const Tensor *bias = opt("bias");
    if (!ready())
      return false;
    results["result"] = attention(q, k, v, bias, kvLength, o);
  } else if (op == "selective_scan") {
    SelectiveScanOptions o;
    o.deltaSoftplus = c.has("delta_softplus") && c.i64("delta_softplus") != 0;
    const Tensor &u = in("u"), &delta = in("delta"), &A = in("A"), &B = in("B"),
                 &C = in("C");
    const Tensor *D = opt("D"), *z = opt("z"), *db = opt("delta_bias"),
                 *h0 = opt("initial_state");
    if (!ready())
      return false;
    RecurrenceResult r = selective_scan(u, delta, A, B, C, D, z, db, h0, o);
    results["output"] = r.output;
    results["final_state"] = r.finalState;
  } else if (op == "ssd") {
    SSDOptions o;
    o.dtSoftplus = c.has("dt_softplus") && c.i64("dt_softplus") != 0;
    if (c.has("dt_limit")) {
      std::vector<double> lim = c.f64s("dt_limit");
      if (lim.size() != 2)
        fail("dt_limit needs two values");
      else
        o.dtLimit = std::make_pair(static_cast<float>(lim[0]),
                                   static_cast<float>(lim[1]));
    }
    o.chunkSize = optI64<int64_t>("chunk_size");
    const Tensor &x = in("x"), &dt = in("dt"), &A = in("A"), &B = in("B"),
                 &C = in("C");
    const Tensor *D = opt("D"), *z = opt("z"), *dtb = opt("dt_bias"),
                 *s0 = opt("initial_state");
    if (!ready())
      return false;
    RecurrenceResult r = ssd(x, dt, A, B, C, D, z, dtb, s0, o);
    results["output"] = r.output;
    results["final_state"] = r.finalState;
  } else if (op == "linear_attention") {
    LinearAttentionOptions o;
    if (c.has("scale"))
      o.scale = static_cast<float>(c.f64("scale"));
    o.chunkSize = optI64<int64_t>("chunk_size");
    const Tensor &q = in("query"), &k = in("key"), &v = in("value");
    const Tensor *g = opt("log_decay"), *s0 = opt("initial_state");
    if (!ready())
      return false;
    RecurrenceResult r = linear_attention(q, k, v, g, s0, o);
    results["output"] = r.output;
    results["final_state"] = r.finalState;
  } else if (op == "delta_rule") {
    DeltaRuleOptions o;
    if (c.has("scale"))
      o.scale = static_cast<float>(c.f64("scale"));
    o.chunkSize = optI64<int64_t>("chunk_size");
    const Tensor &q = in("query"), &k = in("key"), &v = in("value"),
                 &beta = in("beta");
    const Tensor *g = opt("log_decay"), *s0 = opt("initial_state");
    if (!ready())
      return false;
    RecurrenceResult r = delta_rule(q, k, v, beta, g, s0, o);
    results["output"] = r.output;
    results["final_state"] = r.finalState;
  } else if (op == "mlstm") {
    MlstmOptions o;
    if (c.has("scale"))
      o.scale = static_cast<float>(c.f64("scale"));
    if (c.has("epsilon"))
      o.epsilon = static_cast<float>(c.f64("epsilon"));
    o.chunkSize = optI64<int64_t>("chunk_size");
    const Tensor &q = in("query"), &k = in("key"), &v = in("value"),
                 &i = in("igate"), &f = in("fgate");
    const Tensor *c0 = opt("initial_memory"), *n0 = opt("initial_normalizer"),
                 *m0 = opt("initial_stabilizer");
    if (!ready())
      return false;
    MlstmResult r = mlstm(q, k, v, i, f, c0, n0, m0, o);
    results["output"] = r.output;
    results["final_memory"] = r.memory;
    results["final_normalizer"] = r.normalizer;
    results["final_stabilizer"] = r.stabilizer;
  } else if (op == "wkv") {
    const Tensor &w = in("log_decay"), &u = in("bonus"), &k = in("key"),
                 &v = in("value");
    const Tensor *s0 = opt("initial_state");
    if (!ready())
      return false;
    RecurrenceResult r = wkv(w, u, k, v, s0);
    results["output"] = r.output;
    results["final_state"] = r.finalState;
  } else if (op == "causal_conv1d") {
    CausalConv1dOptions o;
    if (c.has("activation"))
      o.activation = parseActivation(c.str("activation"));
    const Tensor &x = in("input"), &w = in("weight");
    const Tensor *b = opt("bias"), *st = opt("state");
    if (!ready())
      return false;
    RecurrenceResult r = causal_conv1d(x, w, b, st, o);
    results["output"] = r.output;
    results["final_state"] = r.finalState;
  } else {
    fail("unknown op '" + op + "'");
    return false;
  }
  // Everything the case provides must have been understood (seqc_flags
  // and lowering tell the compiled test how to compile; they change no
  // semantics).
  c.has("seqc_flags");
  c.has("lowering");
  for (const std::string &name : c.unusedAttrs())
    fail("attribute '" + name + "' not understood by the runner");
  for (const std::string &name : c.inputs)
    if (!used.count(name))
      fail("input '" + name + "' not understood by the runner");
  return error.empty();
}

} // namespace seqref::golden

#endif // SEQC_TEST_UNIT_REFERENCE_GOLDENRUNNER_H
