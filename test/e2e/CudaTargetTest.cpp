//===- CudaTargetTest.cpp - a --target=cuda model through the runtime -----===//
//
// A small model (RMSNorm, a projection, SiLU; weights passed as inputs) is
// compiled with --target=cuda and for the CPU. Without a CUDA driver,
// opening the CUDA build must fail with SEQ_ERROR_DEVICE and say why; with
// a driver and a GPU, both builds run the same inputs through
// seq_model_run and must agree.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"
#include "test/e2e/SeqcUnderTest.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

const char *kModel = R"(
func.func @run(%x: tensor<5x64xf32>, %g: tensor<64xf32>, %w: tensor<48x64xf32>) -> tensor<5x48xf32> {
  %h = seq.rmsnorm %x, %g {epsilon = 1.0e-5 : f32} : tensor<5x64xf32>, tensor<64xf32>
  %y = seq.linear %h, %w : tensor<5x64xf32>, tensor<48x64xf32> -> tensor<5x48xf32>
  %z = seq.activation silu %y : tensor<5x48xf32>
  return %z : tensor<5x48xf32>
}
)";

bool haveCudaDriver() {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib)
    dlclose(lib);
  return lib != nullptr;
}

/// seqc needs libdevice (the CUDA toolkit) for kernels with math; it looks
/// in the same places.
bool haveLibdevice() {
  std::vector<std::string> roots;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (const char *value = std::getenv(var))
      roots.push_back(value);
  roots.push_back("/usr/local/cuda");
  for (const std::string &root : roots)
    if (std::ifstream(root + "/nvvm/libdevice/libdevice.10.bc"))
      return true;
  return bool(
      std::ifstream("/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc"));
}

std::string compile(const std::string &name, const std::string &flags) {
  std::string dir = ::testing::TempDir() + "/seqc-cuda-target";
  EXPECT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::ofstream(dir + "/model.mlir") << kModel;
  std::string so = dir + "/" + name + ".so";
  std::string command = seqc::test::seqcExecutable() + " " + dir +
                        "/model.mlir " + flags + " -o " + so + " 2> " + dir +
                        "/" + name + ".log";
  EXPECT_EQ(std::system(command.c_str()), 0) << "see " << dir;
  return so;
}

TEST(CudaTarget, OpeningWithoutADriverSaysSo) {
  if (seqc::test::compileOnly())
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";
  if (haveCudaDriver())
    GTEST_SKIP() << "this machine has a CUDA driver (MatchesCpu covers it)";
  if (!haveLibdevice())
    GTEST_SKIP() << "no CUDA toolkit (libdevice) to compile the kernels";
  std::string so = compile("cuda", "--target=cuda:sm_80");
  seq_model *model = nullptr;
  EXPECT_EQ(seq_model_open(so.c_str(), nullptr, nullptr, &model),
            SEQ_ERROR_DEVICE);
  EXPECT_EQ(model, nullptr);
  std::string message = seq_last_error();
  EXPECT_NE(message.find("no CUDA driver"), std::string::npos) << message;
  EXPECT_NE(message.find("cuda:sm_80"), std::string::npos) << message;
}

std::vector<float> run(const std::string &so, std::vector<float> &x,
                       std::vector<float> &g, std::vector<float> &w) {
  std::vector<float> y(5 * 48, -1.0f);
  seq_model *model = nullptr;
  EXPECT_EQ(seq_model_open(so.c_str(), nullptr, nullptr, &model), SEQ_OK)
      << seq_last_error();
  if (!model)
    return y;
  seq_tensor in[3] = {{x.data(), SEQ_DTYPE_F32, 2, {5, 64}},
                      {g.data(), SEQ_DTYPE_F32, 1, {64}},
                      {w.data(), SEQ_DTYPE_F32, 2, {48, 64}}};
  seq_tensor out = {y.data(), SEQ_DTYPE_F32, 2, {5, 48}};
  EXPECT_EQ(seq_model_run(model, "run", in, 3, &out, 1), SEQ_OK)
      << seq_last_error();
  seq_model_close(model);
  return y;
}

TEST(CudaTarget, MatchesCpu) {
  bool compileOnly = seqc::test::compileOnly();
  if (!compileOnly && (!haveCudaDriver() || !haveLibdevice()))
    GTEST_SKIP() << "no CUDA driver or toolkit on this machine";
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> x(5 * 64), g(64), w(48 * 64);
  for (auto *v : {&x, &g, &w})
    for (float &e : *v)
      e = normal(rng);
  std::string cpuModel = compile("cpu", ""),
              gpuModel = compile("cuda", "--target=cuda");
  if (compileOnly)
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";
  std::vector<float> cpu = run(cpuModel, x, g, w);
  std::vector<float> gpu = run(gpuModel, x, g, w);
  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    maxDiff = std::max(maxDiff, double(std::fabs(cpu[i] - gpu[i])));
    maxRef = std::max(maxRef, double(std::fabs(cpu[i])));
  }
  EXPECT_GT(maxRef, 0.1);
  EXPECT_LE(maxDiff, 1e-4 * (1 + maxRef));
}

} // namespace
