//===- ConcurrentSessionsTest.cpp - one model, sessions on many threads ---===//
//
// seq/runtime.h promises that a model may be shared by any number of threads
// once opened and that different sessions may run concurrently. Each thread
// here runs its own session (prefill, decode, fork, snapshot/restore) and a
// stateless seq_model_run, and must get exactly the single-threaded result.
// CI also runs this test under ThreadSanitizer (tools/check.sh).
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace {

const std::string kModels = SEQC_TEST_MODELS_DIR;

/// Prefill, three decode steps, a fork and a snapshot round trip; returns
/// the last logits of each step.
std::vector<float> conversation(seq_model *model, int salt) {
  std::vector<float> out;
  seq_session *s = nullptr;
  if (seq_session_create(model, nullptr, &s) != SEQ_OK)
    return {};
  size_t vocab = seq_model_vocab_size(model);
  std::vector<int32_t> prompt = {1, 7, 42, int32_t(salt % 200), 3};
  const float *logits = nullptr;
  auto keep = [&] { out.insert(out.end(), logits, logits + vocab); };
  if (seq_prefill(s, prompt.data(), prompt.size(), &logits) == SEQ_OK)
    keep();
  seq_snapshot *snap = nullptr;
  seq_session_snapshot(s, &snap);
  for (int32_t t : {5, 9, 11})
    if (seq_decode(s, t, &logits) == SEQ_OK)
      keep();
  seq_session *fork = nullptr;
  if (seq_session_fork(s, &fork) == SEQ_OK &&
      seq_decode(fork, 13, &logits) == SEQ_OK)
    keep();
  if (snap && seq_session_restore(s, snap) == SEQ_OK &&
      seq_decode(s, 5, &logits) == SEQ_OK)
    keep();
  seq_snapshot_destroy(snap);
  seq_session_destroy(fork);
  seq_session_destroy(s);
  return out;
}

TEST(ConcurrentSessions, ThreadsGetTheSingleThreadedResults) {
  seq_model_options options;
  seq_model_options_init(&options);
  // Threads come from the sessions, not from OpenMP: libomp is not built
  // for ThreadSanitizer, which cannot see its workers' synchronisation.
  options.num_threads = 1;
  seq_model *model = nullptr;
  ASSERT_EQ(seq_model_open((kModels + "/hybrid-tiny.so").c_str(),
                           (kModels + "/hybrid-tiny.safetensors").c_str(),
                           &options, &model),
            SEQ_OK)
      << seq_last_error();
  constexpr int kThreads = 4;
  std::vector<std::vector<float>> expected(kThreads), got(kThreads);
  for (int i = 0; i < kThreads; ++i)
    expected[i] = conversation(model, i);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      for (int round = 0; round < 3; ++round)
        got[i] = conversation(model, i);
    });
  for (std::thread &t : threads)
    t.join();
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_EQ(expected[i].size(), 6 * seq_model_vocab_size(model));
    EXPECT_EQ(got[i], expected[i]) << "thread " << i;
  }
  seq_model_close(model);
}

TEST(ConcurrentSessions, StatelessRunsShareOneModel) {
  seq_model_options options;
  seq_model_options_init(&options);
  options.num_threads = 1;
  seq_model *model = nullptr;
  ASSERT_EQ(seq_model_open((kModels + "/linear.so").c_str(),
                           (kModels + "/linear.safetensors").c_str(), &options,
                           &model),
            SEQ_OK)
      << seq_last_error();
  auto run = [&](int64_t token) {
    std::vector<int64_t> ids = {token, 3, 5};
    std::vector<float> out(3 * 8);
    seq_tensor in{}, res{};
    in.dtype = SEQ_DTYPE_I64;
    in.rank = 2;
    in.shape[0] = 1;
    in.shape[1] = 3;
    in.data = ids.data();
    res.dtype = SEQ_DTYPE_F32;
    res.rank = 3;
    res.shape[0] = 1;
    res.shape[1] = 3;
    res.shape[2] = 8;
    res.data = out.data();
    EXPECT_EQ(seq_model_run(model, "prefill", &in, 1, &res, 1), SEQ_OK)
        << seq_last_error();
    return out;
  };
  std::vector<std::vector<float>> expected, got(4);
  for (int i = 0; i < 4; ++i)
    expected.push_back(run(i));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int round = 0; round < 20; ++round)
        got[i] = run(i);
    });
  for (std::thread &t : threads)
    t.join();
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(got[i], expected[i]) << "thread " << i;
  seq_model_close(model);
}

} // namespace
