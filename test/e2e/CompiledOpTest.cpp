//===- CompiledOpTest.cpp - compiled seq ops against the C++ reference ----===//
//
// For every golden case (test/e2e/reference/goldens, random inputs with odd
// sizes): writes a one-op model, compiles it with `seqc`, runs it through
// seq_model_run, and compares each result with the plain C++ reference run on
// the same inputs — and with PyTorch's expected output.
//
// Every op is compiled with --parallel-threshold=1, so all its parallel loops
// run on OpenMP threads; the results with 1 and 2 threads must be identical
// (reductions never split across threads).
//
// Tolerance, per result tensor:
//     max |compiled - reference| <= 1e-4 * (1 + max |reference|)
// The compiled code computes in float32 and the reference in double, so an
// honest lowering differs by float32 rounding accumulated over at most a few
// hundred terms (~1e-6 relative); a semantic slip is far larger.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/SeqcUnderTest.h"
#include "test/e2e/reference/SeqReference.h"
#include "test/unit/reference/GoldenLoader.h"
#include "test/unit/reference/GoldenRunner.h"

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

using namespace seqref;
using seqref::golden::Case;

namespace {

const double kTolerance = 1e-4;

std::string shapeOf(const std::vector<int64_t> &shape, const char *element) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + element + ">";
}

std::string f32(double v) {
  std::ostringstream os;
  os << std::setprecision(17) << v << " : f32";
  std::string s = os.str();
  // MLIR wants a '.' or exponent in float literals.
  if (s.find_first_of(".eEn") == std::string::npos)
    s.insert(s.find(' '), ".0");
  return s;
}

std::string f64(double v) {
  std::string s = f32(v);
  return s.substr(0, s.size() - 3) + "f64";
}

int enumValue(const std::string &name) {
  static const std::map<std::string, int> values = {
      {"relu", 0},        {"gelu", 1},         {"gelu_tanh", 2},
      {"silu", 3},        {"sigmoid", 4},      {"tanh", 5},
      {"softplus", 6},    {"none", 0},         {"linear", 1},
      {"llama3", 2},      {"softmax_topk", 0}, {"topk_softmax", 1},
      {"sigmoid_topk", 2}};
  auto it = values.find(name);
  if (it == values.end())
    ADD_FAILURE() << "unknown enum value " << name;
  return it == values.end() ? 0 : it->second;
}

/// The body of a named mask_mod/score_mod (make_op_goldens.py MASK_MODS and
/// SCORE_MODS), written in arith/math over the region's arguments.
std::string modifierRegion(const std::string &name, bool score) {
  std::string args =
      score ? "^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):\n"
            : "^bb0(%b: index, %h: index, %i: index, %j: index):\n";
  std::string body;
  if (name == "bh_pattern") // (7i + 3j + 5b + h) % 4 != 0
    body = R"(  %c7 = arith.constant 7 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c4 = arith.constant 4 : index
  %c0 = arith.constant 0 : index
  %a = arith.muli %i, %c7 : index
  %bb = arith.muli %j, %c3 : index
  %cc = arith.muli %b, %c5 : index
  %s1 = arith.addi %a, %bb : index
  %s2 = arith.addi %s1, %cc : index
  %s3 = arith.addi %s2, %h : index
  %r = arith.remsi %s3, %c4 : index
  %v = arith.cmpi ne, %r, %c0 : index
  "seq.yield"(%v) : (i1) -> ()
)";
  else if (name == "document") // floor(i/5) == floor(j/5)
    body = R"(  %c5 = arith.constant 5 : index
  %di = arith.floordivsi %i, %c5 : index
  %dj = arith.floordivsi %j, %c5 : index
  %v = arith.cmpi eq, %di, %dj : index
  "seq.yield"(%v) : (i1) -> ()
)";
  else if (name == "softcap_2") // 2 tanh(s / 2)
    body = R"(  %c2 = arith.constant 2.0 : f32
  %x = arith.divf %s, %c2 : f32
  %t = math.tanh %x : f32
  %v = arith.mulf %t, %c2 : f32
  "seq.yield"(%v) : (f32) -> ()
)";
  else if (name == "alibi_b") // s - 2^-(h+1) |i - j| + 0.25 b
    body = R"(  %c1 = arith.constant 1 : index
  %h1 = arith.addi %h, %c1 : index
  %h64 = arith.index_cast %h1 : index to i64
  %hf = arith.sitofp %h64 : i64 to f32
  %nh = arith.negf %hf : f32
  %slope = math.exp2 %nh : f32
  %d = arith.subi %i, %j : index
  %d64 = arith.index_cast %d : index to i64
  %ad = math.absi %d64 : i64
  %adf = arith.sitofp %ad : i64 to f32
  %pen = arith.mulf %slope, %adf : f32
  %b64 = arith.index_cast %b : index to i64
  %bf = arith.sitofp %b64 : i64 to f32
  %q = arith.constant 0.25 : f32
  %bq = arith.mulf %bf, %q : f32
  %s1 = arith.subf %s, %pen : f32
  %v = arith.addf %s1, %bq : f32
  "seq.yield"(%v) : (f32) -> ()
)";
  else
    ADD_FAILURE() << "unknown modifier " << name;
  return "{\n" + args + body + "}";
}

/// A one-op model for `c`, in generic syntax (uniform for optional operands
/// and regions). `argTypes`/`resultTypes` come from the case's arrays.
class ModelWriter {
public:
  ModelWriter(const Case &c) : c(c) {}

  bool write(const std::string &path, std::string &error);

private:
  void attr(const std::string &text) { attrs.push_back(text); }
  void flag(const char *name) {
    if (c.has(name) && c.i64(name) != 0)
      attr(name);
  }
  void i64(const char *name) {
    if (c.has(name))
      attr(std::string(name) + " = " + std::to_string(c.i64(name)) + " : i64");
  }
  void f32(const char *name) {
    if (c.has(name))
      attr(std::string(name) + " = " + ::f32(c.f64(name)));
  }
  void f64(const char *name) {
    if (c.has(name))
      attr(std::string(name) + " = " + ::f64(c.f64(name)));
  }
  void enumeration(const char *name, const char *attrName = nullptr) {
    if (c.has(name))
      attr(std::string(attrName ? attrName : name) + " = " +
           std::to_string(enumValue(c.str(name))) + " : i32");
  }

  const Case &c;
  std::vector<std::string> attrs;
};

/// The operand order of each op (ODS order) and which are optional.
const std::map<std::string, std::vector<std::pair<std::string, bool>>>
    kOperands = {
        {"embedding",
         {{"table", false},
          {"indices", false},
          {"scales", true},
          {"offsets", true}}},
        {"linear",
         {{"input", false},
          {"weight", false},
          {"bias", true},
          {"scales", true},
          {"offsets", true}}},
        {"rmsnorm", {{"input", false}, {"weight", false}, {"gate", true}}},
        {"layernorm", {{"input", false}, {"weight", false}, {"bias", true}}},
        {"rope", {{"input", false}, {"positions", false}}},
        {"activation", {{"input", false}}},
        {"glu", {{"gate", false}, {"up", false}}},
        {"softmax", {{"input", false}}},
        {"moe",
         {{"input", false},
          {"router_logits", false},
          {"gate_weight", false},
          {"up_weight", false},
          {"down_weight", false},
          {"gate_scales", true},
          {"up_scales", true},
          {"down_scales", true},
          {"gate_offsets", true},
          {"up_offsets", true},
          {"down_offsets", true},
          {"selection_bias", true}}},
        {"attention",
         {{"query", false},
          {"key", false},
          {"value", false},
          {"bias", true},
          {"kv_length", true},
          {"key_scales", true},
          {"value_scales", true}}},
        {"selective_scan",
         {{"u", false},
          {"delta", false},
          {"A", false},
          {"B", false},
          {"C", false},
          {"D", true},
          {"z", true},
          {"delta_bias", true},
          {"initial_state", true}}},
        {"ssd",
         {{"x", false},
          {"dt", false},
          {"A", false},
          {"B", false},
          {"C", false},
          {"D", true},
          {"z", true},
          {"dt_bias", true},
          {"initial_state", true}}},
        {"linear_attention",
         {{"query", false},
          {"key", false},
          {"value", false},
          {"log_decay", true},
          {"initial_state", true}}},
        {"delta_rule",
         {{"query", false},
          {"key", false},
          {"value", false},
          {"beta", false},
          {"log_decay", true},
          {"initial_state", true}}},
        {"mlstm",
         {{"query", false},
          {"key", false},
          {"value", false},
          {"igate", false},
          {"fgate", false},
          {"initial_memory", true},
          {"initial_normalizer", true},
          {"initial_stabilizer", true}}},
        {"wkv",
         {{"log_decay", false},
          {"bonus", false},
          {"key", false},
          {"value", false},
          {"initial_state", true}}},
        {"causal_conv1d",
         {{"input", false},
          {"weight", false},
          {"bias", true},
          {"state", true}}},
};

bool ModelWriter::write(const std::string &path, std::string &error) {
  auto operands = kOperands.find(c.op);
  if (operands == kOperands.end()) {
    error = "no model writer for op " + c.op;
    return false;
  }
  // Function arguments: the case's inputs (static shapes), then kv_length.
  std::vector<std::string> argDecls, operandNames, operandTypes, resultTypes;
  std::map<std::string, std::string> typeOf;
  for (const std::string &name : c.inputs) {
    golden::NpyArray a;
    if (!golden::loadNpy(c.inputPath(name), a, error))
      return false;
    std::string type = shapeOf(a.shape, a.descr == "<f4" ? "f32" : "i64");
    typeOf[name] = type;
    argDecls.push_back("%" + name + ": " + type);
  }
  bool hasKvLength = c.op == "attention" && c.has("kv_length");
  if (hasKvLength) {
    typeOf["kv_length"] = "index";
    argDecls.push_back("%kv_length: index");
  }
  std::vector<int> segments;
  for (auto &[name, optional] : operands->second) {
    bool present = typeOf.count(name) != 0;
    if (!present && !optional) {
      error = "case lacks required operand " + name;
      return false;
    }
    segments.push_back(present);
    if (present) {
      operandNames.push_back("%" + name);
      operandTypes.push_back(typeOf[name]);
    }
  }
  for (const std::string &name : c.outputs) {
    golden::NpyArray a;
    if (!golden::loadNpy(c.expectedPath(name), a, error))
      return false;
    resultTypes.push_back(shapeOf(a.shape, "f32"));
  }

  const std::string &op = c.op;
  std::string regions;
  if (op == "rmsnorm" || op == "layernorm") {
    f32("epsilon");
    i64("group_size");
    f32("weight_offset");
  } else if (op == "rope") {
    f64("theta");
    i64("rotary_dim");
    flag("interleaved");
    enumeration("scaling");
    f64("scaling_factor");
    f64("low_freq_factor");
    f64("high_freq_factor");
    i64("original_max_positions");
  } else if (op == "activation" || op == "glu") {
    enumeration("kind");
  } else if (op == "softmax") {
    i64("axis");
  } else if (op == "moe") {
    i64("top_k");
    enumeration("routing");
    flag("normalize");
    enumeration("activation");
    f32("routed_scale");
    f32("normalize_epsilon");
    i64("expert_groups");
    i64("kept_groups");
  } else if (op == "attention") {
    f32("scale");
    flag("causal");
    flag("ring");
    i64("sliding_window");
    i64("dilation_rate");
    i64("dilation_segment");
    i64("global_tokens");
    i64("block_size");
    if (c.has("block_layout")) {
      std::vector<int64_t> bits = c.i64s("block_layout");
      int64_t n = static_cast<int64_t>(std::lround(std::sqrt(bits.size())));
      std::string rows;
      for (int64_t r = 0; r < n; ++r) {
        rows += r ? ", [" : "[";
        for (int64_t k = 0; k < n; ++k)
          rows +=
              std::string(k ? ", " : "") + (bits[r * n + k] ? "true" : "false");
        rows += "]";
      }
      attr("block_layout = dense<[" + rows + "]> : tensor<" +
           std::to_string(n) + "x" + std::to_string(n) + "xi1>");
    }
    regions = " (" +
              (c.has("mask_mod") ? modifierRegion(c.str("mask_mod"), false)
                                 : std::string("{}")) +
              ", " +
              (c.has("score_mod") ? modifierRegion(c.str("score_mod"), true)
                                  : std::string("{}")) +
              ")";
  } else if (op == "selective_scan") {
    flag("delta_softplus");
  } else if (op == "ssd") {
    flag("dt_softplus");
    if (c.has("dt_limit")) {
      std::vector<double> l = c.f64s("dt_limit");
      std::ostringstream os;
      os << std::setprecision(17) << "dt_limit = array<f32: " << l[0] << ", "
         << l[1] << ">";
      attr(os.str());
    }
    i64("chunk_size");
  } else if (op == "linear_attention" || op == "delta_rule") {
    f32("scale");
    i64("chunk_size");
  } else if (op == "mlstm") {
    f32("scale");
    f32("epsilon");
    i64("chunk_size");
  } else if (op == "causal_conv1d") {
    enumeration("activation");
  }
  bool segmented = op == "attention" || op == "moe" || op == "selective_scan" ||
                   op == "ssd" || op == "linear_attention" ||
                   op == "delta_rule" || op == "mlstm" ||
                   op == "causal_conv1d" || op == "linear" || op == "embedding";
  if (segmented) {
    std::string s = "operandSegmentSizes = array<i32: ";
    for (size_t i = 0; i < segments.size(); ++i)
      s += (i ? ", " : "") + std::to_string(segments[i]);
    attr(s + ">");
  }
  // linear_attention's scale has a default; layernorm has no group_size.
  std::vector<std::string> unused = c.unusedAttrs();
  // lowering pins the op's kernel (#seq.lowering<...>), a discardable
  // attribute rather than a property.
  std::string discardable;
  if (c.has("lowering"))
    discardable = " {seq.lowering = #seq.lowering<" + c.str("lowering") + ">}";
  for (const char *notMlir : {"kv_length", "seqc_flags", "lowering"})
    unused.erase(std::remove(unused.begin(), unused.end(), notMlir),
                 unused.end());
  if (!unused.empty()) {
    error = "case attribute '" + unused[0] + "' is not mapped to MLIR";
    return false;
  }

  auto join = [](const std::vector<std::string> &v, const char *sep) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? sep : "") + v[i];
    return s;
  };
  std::ofstream out(path);
  std::string results = resultTypes.size() == 1
                            ? resultTypes[0]
                            : "(" + join(resultTypes, ", ") + ")";
  out << "func.func @run(" << join(argDecls, ", ") << ") -> " << results
      << " {\n  %r"
      << (resultTypes.size() > 1 ? ":" + std::to_string(resultTypes.size())
                                 : "")
      << " = \"seq." << op << "\"(" << join(operandNames, ", ") << ")";
  if (!attrs.empty())
    out << " <{" << join(attrs, ", ") << "}>";
  out << regions << discardable << " : (" << join(operandTypes, ", ") << ") -> "
      << results << "\n  return ";
  for (size_t i = 0; i < resultTypes.size(); ++i)
    out << (i ? ", " : "") << "%r"
        << (resultTypes.size() > 1 ? "#" + std::to_string(i) : "");
  out << " : " << join(resultTypes, ", ") << "\n}\n";
  return static_cast<bool>(out);
}

class CompiledOpTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CompiledOpTest, MatchesReference) {
  Case c;
  std::string error;
  ASSERT_TRUE(golden::loadCase(
      std::string(SEQC_REFERENCE_GOLDENS_DIR) + "/" + GetParam(), c, error))
      << error;
  std::string dir = ::testing::TempDir() + "/seqc-op-" + c.name;
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string mlir = dir + "/model.mlir", so = dir + "/model.so";
  ASSERT_TRUE(ModelWriter(c).write(mlir, error)) << error;
  // SEQC_TEST_TARGET=cuda runs the same cases on a GPU (docs/gpu.md).
  const char *target = std::getenv("SEQC_TEST_TARGET");
  std::string cmd = seqc::test::seqcExecutable() + " " + mlir + " -o " + so +
                    " --parallel-threshold=1 " + c.str("seqc_flags") +
                    (target ? std::string(" --target=") + target : "") +
                    " 2> " + dir + "/seqc.log";
  ASSERT_EQ(std::system(cmd.c_str()), 0)
      << "seqc failed on " << mlir << "; see " << dir << "/seqc.log";
  if (seqc::test::compileOnly())
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";

  // Inputs in argument order; kv_length last, as a rank-0 i64.
  std::vector<Tensor> floats(c.inputs.size());
  std::vector<IntTensor> ints(c.inputs.size());
  std::vector<seq_tensor> inputs;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    golden::NpyArray a;
    ASSERT_TRUE(golden::loadNpy(c.inputPath(c.inputs[i]), a, error)) << error;
    seq_tensor t{};
    t.rank = static_cast<int32_t>(a.shape.size());
    for (size_t d = 0; d < a.shape.size(); ++d)
      t.shape[d] = a.shape[d];
    if (a.descr == "<f4") {
      ASSERT_TRUE(
          golden::loadTensor(c.inputPath(c.inputs[i]), floats[i], error));
      t.dtype = SEQ_DTYPE_F32;
      t.data = floats[i].data.data();
    } else {
      ASSERT_TRUE(
          golden::loadIntTensor(c.inputPath(c.inputs[i]), ints[i], error));
      t.dtype = SEQ_DTYPE_I64;
      t.data = ints[i].data.data();
    }
    inputs.push_back(t);
  }
  int64_t kvLength = 0;
  if (c.op == "attention" && c.has("kv_length")) {
    kvLength = c.i64("kv_length");
    seq_tensor t{};
    t.dtype = SEQ_DTYPE_I64;
    t.data = &kvLength;
    inputs.push_back(t);
  }

  std::map<std::string, Tensor> reference;
  golden::Runner runner(c);
  ASSERT_TRUE(runner.run(reference)) << runner.error;

  std::vector<Tensor> results;
  std::vector<seq_tensor> outputs;
  for (const std::string &name : c.outputs) {
    const Tensor &ref = reference.at(name);
    results.emplace_back(ref.shape);
  }
  for (Tensor &r : results) {
    seq_tensor t{};
    t.dtype = SEQ_DTYPE_F32;
    t.rank = static_cast<int32_t>(r.shape.size());
    for (size_t d = 0; d < r.shape.size(); ++d)
      t.shape[d] = r.shape[d];
    t.data = r.data.data();
    outputs.push_back(t);
  }

  // Run with 1 thread, then with 2 into a second set of buffers.
  std::vector<Tensor> twoThreads = results;
  for (int threads : {1, 2}) {
    std::vector<Tensor> &into = threads == 1 ? results : twoThreads;
    for (size_t k = 0; k < outputs.size(); ++k)
      outputs[k].data = into[k].data.data();
    seq_model_options options;
    seq_model_options_init(&options);
    options.num_threads = threads;
    seq_model *model = nullptr;
    ASSERT_EQ(seq_model_open(so.c_str(), nullptr, &options, &model), SEQ_OK)
        << seq_last_error();
    ASSERT_EQ(seq_model_run(model, "run", inputs.data(), inputs.size(),
                            outputs.data(), outputs.size()),
              SEQ_OK)
        << seq_last_error();
    seq_model_close(model);
  }
  for (size_t k = 0; k < results.size(); ++k)
    EXPECT_EQ(results[k].data, twoThreads[k].data)
        << c.outputs[k] << " differs between 1 and 2 threads";

  for (size_t k = 0; k < c.outputs.size(); ++k) {
    const Tensor &ref = reference.at(c.outputs[k]);
    Tensor expected;
    ASSERT_TRUE(
        golden::loadTensor(c.expectedPath(c.outputs[k]), expected, error));
    double scale = 0, worstRef = 0, worstTorch = 0;
    for (float v : ref.data)
      scale = std::max(scale, std::fabs(static_cast<double>(v)));
    for (size_t i = 0; i < ref.data.size(); ++i) {
      double got = results[k].data[i];
      worstRef = std::max(worstRef, std::fabs(got - ref.data[i]));
      worstTorch = std::max(worstTorch, std::fabs(got - expected.data[i]));
      if (std::isnan(got))
        worstRef = worstTorch = INFINITY;
    }
    double bound = kTolerance * (1 + scale);
    EXPECT_LE(worstRef, bound)
        << c.name << ": " << c.outputs[k] << " differs from the C++ reference";
    EXPECT_LE(worstTorch, bound)
        << c.name << ": " << c.outputs[k] << " differs from PyTorch";
  }
}

std::string caseName(const ::testing::TestParamInfo<std::string> &info) {
  std::string name = info.param;
  for (char &ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)))
      ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    Goldens, CompiledOpTest,
    ::testing::ValuesIn(golden::listCases(SEQC_REFERENCE_GOLDENS_DIR)),
    caseName);

} // namespace
