//===- ExpectMatches.h - run a one-op model, compare with f64 ---*- C++ -*-===//
//
// The kernel tests compile a one-op model, run its entry "run" through the
// runtime with 1 and 2 threads, and compare with the C++ reference.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TEST_E2E_EXPECTMATCHES_H
#define SEQC_TEST_E2E_EXPECTMATCHES_H

#include "test/e2e/reference/SeqReference.h"

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace seqc::test {

/// `t` as a runtime tensor of `dtype` over `data` (default: t's floats).
inline seq_tensor view(seqref::Tensor &t, void *data = nullptr,
                       seq_dtype dtype = SEQ_DTYPE_F32) {
  seq_tensor s{};
  s.dtype = dtype;
  s.rank = static_cast<int32_t>(t.shape.size());
  for (size_t d = 0; d < t.shape.size(); ++d)
    s.shape[d] = t.shape[d];
  s.data = data ? data : t.data.data();
  return s;
}

/// Runs entry "run" of `so` (weights from `weights`, or none) on `inputs`
/// with 1 and 2 threads and expects each result within 1e-4 · (1 + max
/// |expected|) of `expected` (NaN never is) and both identical.
inline void expectMatches(const std::string &so, const char *weights,
                          std::vector<seq_tensor> inputs,
                          const seqref::Tensor &expected,
                          bool validate = false) {
  double scale = 0;
  for (float v : expected.data)
    scale = std::max(scale, std::fabs(double(v)));
  std::vector<seqref::Tensor> results;
  for (int threads : {1, 2}) {
    seqref::Tensor result(expected.shape);
    seq_tensor outputs[] = {view(result)};
    seq_model_options options;
    seq_model_options_init(&options);
    options.num_threads = threads;
    options.validate_weights = validate;
    seq_model *model = nullptr;
    ASSERT_EQ(seq_model_open(so.c_str(), weights, &options, &model), SEQ_OK)
        << seq_last_error();
    ASSERT_EQ(
        seq_model_run(model, "run", inputs.data(), inputs.size(), outputs, 1),
        SEQ_OK)
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

} // namespace seqc::test

#endif // SEQC_TEST_E2E_EXPECTMATCHES_H
