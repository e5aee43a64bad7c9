//===- SeqReferenceTest.cpp - the C++ reference against PyTorch goldens
//----===//
//
// Runs the seq-op reference (test/e2e/reference/SeqReference.h) on every
// golden case written by tools/goldens/make_op_goldens.py and compares each
// result with PyTorch's.
//
// Tolerance, per result tensor:
//     max |actual - expected| <= 1e-4 * (1 + max |expected|)
// The goldens are float64 computations on the float32 inputs rounded to
// float32, and the reference computes in double, so honest results differ by
// float32 rounding (~1e-7 relative); 1e-4 leaves room for libm differences
// while any semantic slip (a wrong mask term, head mapping, gate or state
// layout) is orders of magnitude larger.
//
// The goldens folder comes from the SEQC_REFERENCE_GOLDENS_DIR compile
// definition (default: test/e2e/reference/goldens, relative to the working
// directory); the environment variable of the same name overrides it.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/reference/SeqReference.h"
#include "test/unit/reference/GoldenLoader.h"
#include "test/unit/reference/GoldenRunner.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#ifndef SEQC_REFERENCE_GOLDENS_DIR
#define SEQC_REFERENCE_GOLDENS_DIR "test/e2e/reference/goldens"
#endif

using namespace seqref;
using seqref::golden::Case;
using seqref::golden::Runner;

namespace {

std::string goldensDir() {
  if (const char *env = std::getenv("SEQC_REFERENCE_GOLDENS_DIR"))
    if (*env)
      return env;
  return SEQC_REFERENCE_GOLDENS_DIR;
}

const double kRelativeTolerance = 1e-4;

const char *const kOps[] = {
    "embedding",      "linear", "rmsnorm",          "layernorm",  "rope",
    "activation",     "glu",    "softmax",          "moe",        "attention",
    "selective_scan", "ssd",    "linear_attention", "delta_rule", "wkv",
    "causal_conv1d"};

std::string formatDouble(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

class GoldenCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCaseTest, MatchesPyTorch) {
  std::string dir = goldensDir() + "/" + GetParam();
  Case c;
  std::string error;
  ASSERT_TRUE(golden::loadCase(dir, c, error)) << error;
  ASSERT_FALSE(c.outputs.empty()) << dir << ": no outputs";

  Runner runner(c);
  std::map<std::string, Tensor> results;
  ASSERT_TRUE(runner.run(results)) << dir << ": " << runner.error;

  for (const std::string &name : c.outputs) {
    SCOPED_TRACE(c.name + " result '" + name + "'");
    Tensor expected;
    ASSERT_TRUE(golden::loadTensor(c.expectedPath(name), expected, error))
        << error;
    auto it = results.find(name);
    ASSERT_NE(it, results.end())
        << "the reference produced no '" << name << "'";
    const Tensor &actual = it->second;
    ASSERT_EQ(shapeToString(actual.shape), shapeToString(expected.shape));

    double maxExpected = 0.0, maxError = 0.0;
    int64_t worst = -1;
    for (int64_t i = 0; i < expected.numel(); ++i) {
      double e = expected.data[i], a = actual.data[i];
      maxExpected = std::max(maxExpected, std::fabs(e));
      double err = std::fabs(a - e);
      if (!(err <= maxError)) { // also catches NaN
        maxError = std::isnan(err) ? INFINITY : err;
        worst = i;
      }
    }
    double tolerance = kRelativeTolerance * (1.0 + maxExpected);
    RecordProperty(name + "_max_error", formatDouble(maxError));
    RecordProperty(name + "_tolerance", formatDouble(tolerance));
    EXPECT_LE(maxError, tolerance)
        << "worst flat index " << worst << ": actual "
        << (worst >= 0 ? actual.data[worst] : 0.0f) << ", expected "
        << (worst >= 0 ? expected.data[worst] : 0.0f);
  }
}

std::string caseName(const ::testing::TestParamInfo<std::string> &info) {
  std::string name = info.param;
  for (char &ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)))
      ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Goldens, GoldenCaseTest,
                         ::testing::ValuesIn(golden::listCases(goldensDir())),
                         caseName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenCaseTest);

// Guards against a silently empty run: the folder must exist and hold at
// least one case of every op.
TEST(GoldenCoverage, EveryOpHasCases) {
  std::vector<std::string> cases = golden::listCases(goldensDir());
  ASSERT_FALSE(cases.empty()) << "no golden cases under '" << goldensDir()
                              << "' (run tools/goldens/make_op_goldens.py, "
                                 "or set SEQC_REFERENCE_GOLDENS_DIR)";
  for (const char *op : kOps) {
    std::string prefix = std::string(op) + "_";
    int count = 0;
    for (const std::string &name : cases) {
      if (name.compare(0, prefix.size(), prefix) != 0)
        continue;
      // "linear_" also prefixes "linear_attention_": check the op line.
      Case c;
      std::string error;
      if (golden::loadCase(goldensDir() + "/" + name, c, error) && c.op == op)
        ++count;
    }
    EXPECT_GT(count, 0) << "no golden case for seq." << op;
  }
}

// A few properties that do not need PyTorch.
TEST(SeqReference, NoVisibleKeyGivesZeros) {
  Tensor q({1, 2, 1, 4}), k({1, 2, 1, 4}), v({1, 2, 1, 3});
  for (float &x : v.data)
    x = 1.0f;
  AttentionOptions o;
  o.maskMod = [](int64_t, int64_t, int64_t i, int64_t) { return i != 0; };
  Tensor r = attention(q, k, v, nullptr, std::nullopt, o);
  for (int d = 0; d < 3; ++d) {
    EXPECT_EQ(r.data[d], 0.0f);           // query 0 sees nothing
    EXPECT_FLOAT_EQ(r.data[3 + d], 1.0f); // query 1 averages ones
  }
}

TEST(SeqReference, MoeTiesPreferLowerExpert) {
  double logits[4] = {1.0, 3.0, 3.0, 3.0};
  MoeOptions o;
  o.topK = 2;
  auto kept = moeRoute(logits, 4, o);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].first, 1);
  EXPECT_EQ(kept[1].first, 2);
}

TEST(SeqReference, Llama3InverseFrequencyBands) {
  RopeOptions o;
  o.theta = 10000.0;
  o.scaling = RopeScaling::llama3;
  o.scalingFactor = 8.0;
  o.lowFreqFactor = 1.0;
  o.highFreqFactor = 4.0;
  o.originalMaxPositions = 256;
  RopeOptions plain;
  plain.theta = 10000.0;
  std::vector<double> scaled = ropeInverseFrequencies(16, o);
  std::vector<double> base = ropeInverseFrequencies(16, plain);
  // wavelengths 2*pi*10000^(i/8): i <= 2 below 64 (kept), i >= 4 above 256
  // (divided by 8), i = 3 in between (smoothed).
  for (int i = 0; i <= 2; ++i)
    EXPECT_DOUBLE_EQ(scaled[i], base[i]);
  for (int i = 4; i < 8; ++i)
    EXPECT_DOUBLE_EQ(scaled[i], base[i] / 8.0);
  EXPECT_LT(scaled[3], base[3]);
  EXPECT_GT(scaled[3], base[3] / 8.0);
}

} // namespace
