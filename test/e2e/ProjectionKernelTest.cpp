//===- ProjectionKernelTest.cpp - seq.linear's CPU kernels against the
// reference -===//
//
// seq.linear x·Wᵀ has three CPU kernels, chosen by shape: one row at a time
// (decode), 4 × 4 dot-product tiles (a few rows), and from 64 rows W's
// columns packed k-major per task with an outer-product micro-kernel of 6
// rows (K in blocks of 512 or 256). Each case compiles a one-op model
// (static rows, or rows only known at run time, which picks the kernel
// when it runs) and compares it with the plain C++ reference (double
// precision) on deterministic random inputs, with 1 and 2 threads.
//
// Tolerance: max |compiled - reference| <= 1e-4 · (1 + max |reference|)
// (float32 sums of up to 512 products are ~1e-6 relative).
//
//===----------------------------------------------------------------------===//

#include "test/e2e/SeqcUnderTest.h"
#include "test/e2e/reference/SeqReference.h"

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

using seqref::Tensor;

namespace {

struct Shape {
  int64_t rows, out, in;
  bool dynamicRows; // the model's input is tensor<?x in>
};

Tensor random(std::vector<int64_t> shape, unsigned seed, float scale) {
  Tensor t(std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  for (float &v : t.data)
    v = dist(gen);
  return t;
}

seq_tensor view(Tensor &t) {
  seq_tensor s{};
  s.dtype = SEQ_DTYPE_F32;
  s.rank = static_cast<int32_t>(t.shape.size());
  for (size_t d = 0; d < t.shape.size(); ++d)
    s.shape[d] = t.shape[d];
  s.data = t.data.data();
  return s;
}

class ProjectionKernelTest : public ::testing::TestWithParam<Shape> {};

TEST_P(ProjectionKernelTest, MatchesReference) {
  const Shape &p = GetParam();
  std::string rows = p.dynamicRows ? "?" : std::to_string(p.rows);
  std::string x = "tensor<" + rows + "x" + std::to_string(p.in) + "xf32>",
              w = "tensor<" + std::to_string(p.out) + "x" +
                  std::to_string(p.in) + "xf32>",
              y = "tensor<" + rows + "x" + std::to_string(p.out) + "xf32>";
  std::string dir = ::testing::TempDir() + "/seqc-projection-" + rows + "-" +
                    std::to_string(p.rows) + "-" + std::to_string(p.out) + "-" +
                    std::to_string(p.in);
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string mlir = dir + "/model.mlir", so = dir + "/model.so";
  {
    std::ofstream f(mlir);
    f << "func.func @run(%x: " << x << ", %w: " << w << ") -> " << y
      << " {\n  %y = seq.linear %x, %w : " << x << ", " << w << " -> " << y
      << "\n  return %y : " << y << "\n}\n";
  }
  std::string cmd = seqc::test::seqcExecutable() + " " + mlir + " -o " + so +
                    " --parallel-threshold=1 2> " + dir + "/seqc.log";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "see " << dir << "/seqc.log";
  if (seqc::test::compileOnly())
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";

  Tensor input = random({p.rows, p.in}, 1, 1.0f);
  Tensor weight = random({p.out, p.in}, 2, 1.0f / std::sqrt(float(p.in)));
  Tensor expected = seqref::linear(input, weight);
  double scale = 0;
  for (float v : expected.data)
    scale = std::max(scale, std::fabs(double(v)));

  std::vector<Tensor> results;
  for (int threads : {1, 2}) {
    Tensor result({p.rows, p.out});
    seq_tensor inputs[] = {view(input), view(weight)};
    seq_tensor outputs[] = {view(result)};
    seq_model_options options;
    seq_model_options_init(&options);
    options.num_threads = threads;
    seq_model *model = nullptr;
    ASSERT_EQ(seq_model_open(so.c_str(), nullptr, &options, &model), SEQ_OK)
        << seq_last_error();
    ASSERT_EQ(seq_model_run(model, "run", inputs, 2, outputs, 1), SEQ_OK)
        << seq_last_error();
    seq_model_close(model);
    double worst = 0;
    for (size_t i = 0; i < expected.data.size(); ++i) {
      double got = result.data[i];
      worst = std::isnan(got)
                  ? INFINITY
                  : std::max(worst, std::fabs(got - expected.data[i]));
    }
    EXPECT_LE(worst, 1e-4 * (1 + scale)) << threads << " thread(s)";
    results.push_back(std::move(result));
  }
  EXPECT_EQ(results[0].data, results[1].data)
      << "differs between 1 and 2 threads";
}

std::string shapeName(const ::testing::TestParamInfo<Shape> &info) {
  const Shape &p = info.param;
  return std::string(p.dynamicRows ? "dynamic_" : "static_") +
         std::to_string(p.rows) + "x" + std::to_string(p.out) + "x" +
         std::to_string(p.in);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ProjectionKernelTest,
    ::testing::Values(
        // Packed, 4 vectors of columns, K in 2 blocks of 256; 70 rows =
        // 11 tiles of 6 + 4 single rows.
        Shape{70, 128, 512, false}, Shape{70, 128, 512, true},
        // Packed, 2 vectors of columns (N = 96), K in one block.
        Shape{67, 96, 48, false},
        // K in 3 blocks of 512.
        Shape{64, 64, 1536, true},
        // Below 64 rows: the dot-product tiles; the same library with 5
        // rows and with 1 (decode).
        Shape{20, 64, 64, false}, Shape{5, 128, 512, true},
        Shape{1, 128, 512, true}),
    shapeName);

} // namespace
