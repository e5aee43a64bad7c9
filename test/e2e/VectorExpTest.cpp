//===- VectorExpTest.cpp - the vector exp polynomials against libm --------===//
//
// Every vector kernel's exp (softmax, scan decays, softplus, silu) is an
// inline polynomial from seq-approximate-math: with vscalefps on AVX-512
// targets, MLIR's generic polynomial elsewhere. A 16-lane exp over inputs
// from -inf through the under- and overflow edges to +inf is compiled for
// this machine and for a CPU without AVX-512 (haswell, so both forms are
// checked here), run, and compared with std::exp.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace {

constexpr int kRows = 64;

const char *kVectorExp = R"(
func.func @run(%x: tensor<64x16xf32>) -> tensor<64x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<64x16xf32>
  %r = scf.for %i = %c0 to %rows step %c1 iter_args(%acc = %init) -> (tensor<64x16xf32>) {
    %v = vector.transfer_read %x[%i, %c0], %pad {in_bounds = [true]} : tensor<64x16xf32>, vector<16xf32>
    %e = math.exp %v : vector<16xf32>
    %w = vector.transfer_write %e, %acc[%i, %c0] {in_bounds = [true]} : vector<16xf32>, tensor<64x16xf32>
    scf.yield %w : tensor<64x16xf32>
  }
  return %r : tensor<64x16xf32>
}
)";

/// Inputs: the special values, the edges where f32 exp under- and
/// overflows, and a dense sweep of [-100, 88].
std::vector<float> inputs() {
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {-inf,    inf,    -1e30f, 1e30f, -200.0f, -104.5f,
                          -103.9f, -87.3f, -0.0f,  0.0f,  1e-7f,   -1e-7f,
                          88.0f,   88.7f,  88.8f,  89.5f, 100.0f,  0.5f};
  while (x.size() < size_t(kRows) * 16)
    x.push_back(-100.0f + 188.0f * float(x.size()) / float(kRows * 16));
  return x;
}

std::vector<float> compileAndRun(const std::string &name,
                                 const std::string &flags,
                                 const std::vector<float> &x) {
  std::string work = ::testing::TempDir() + "/seqc-vector-exp-" + name;
  EXPECT_EQ(std::system(("mkdir -p " + work).c_str()), 0);
  std::ofstream(work + "/exp.mlir") << kVectorExp;
  std::string command = std::string(SEQC_EXECUTABLE) + " " + work +
                        "/exp.mlir " + flags + " -o " + work + "/exp.so 2> " +
                        work + "/seqc.log";
  EXPECT_EQ(std::system(command.c_str()), 0) << "see " << work << "/seqc.log";
  std::vector<float> y(x.size(), -1.0f);
  seq_model *model = nullptr;
  EXPECT_EQ(
      seq_model_open((work + "/exp.so").c_str(), nullptr, nullptr, &model),
      SEQ_OK)
      << seq_last_error();
  if (!model)
    return y;
  seq_tensor in = {
      const_cast<float *>(x.data()), SEQ_DTYPE_F32, 2, {kRows, 16}};
  seq_tensor out = {y.data(), SEQ_DTYPE_F32, 2, {kRows, 16}};
  EXPECT_EQ(seq_model_run(model, "run", &in, 1, &out, 1), SEQ_OK)
      << seq_last_error();
  seq_model_close(model);
  return y;
}

/// Within 4e-7 relative of libm where the result is a normal float;
/// results libm makes denormal may be flushed to 0; overflow gives inf or
/// at least the largest finite range (the polynomial's last binade).
void expectCloseToLibm(const std::vector<float> &x,
                       const std::vector<float> &y) {
  for (size_t i = 0; i < x.size(); ++i) {
    float want = std::exp(x[i]);
    SCOPED_TRACE("exp(" + std::to_string(x[i]) + ")");
    if (std::isinf(want)) {
      EXPECT_GT(y[i], 1e38f);
    } else if (want < std::numeric_limits<float>::min()) {
      EXPECT_GE(y[i], 0.0f);
      EXPECT_LE(y[i], std::numeric_limits<float>::min());
    } else {
      EXPECT_NEAR(y[i], want, 4e-7 * want);
    }
  }
}

TEST(VectorExp, MatchesLibmOnThisCpu) {
  std::vector<float> x = inputs();
  expectCloseToLibm(x, compileAndRun("native", "", x));
}

TEST(VectorExp, MatchesLibmWithoutAvx512) {
  std::vector<float> x = inputs();
  expectCloseToLibm(x, compileAndRun("haswell", "--mcpu=haswell", x));
}

} // namespace
