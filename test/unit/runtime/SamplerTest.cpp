//===- SamplerTest.cpp - seq_sampler against the processors' definitions --===//
//
// Greedy picks the first arg max; with a seed the draws repeat; on fixed
// logits the draws follow the distribution transformers' processors leave
// (top-k, top-p, min-p, temperature, repetition penalty), computed here by
// hand: frequencies of 40,000 draws within 0.01 of it (about 5 standard
// deviations of a frequency near 0.5).
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

/// Token frequencies of `draws` samples from `logits`.
std::vector<double> frequencies(const seq_sampler_options &options,
                                const std::vector<float> &logits,
                                const std::vector<int32_t> &history = {},
                                int draws = 40000) {
  seq_sampler *s = nullptr;
  EXPECT_EQ(seq_sampler_create(&options, &s), SEQ_OK) << seq_last_error();
  std::vector<double> counts(logits.size());
  for (int i = 0; i < draws; ++i) {
    int32_t id = -1;
    EXPECT_EQ(seq_sampler_sample(s, logits.data(), logits.size(),
                                 history.data(), history.size(), &id),
              SEQ_OK);
    counts[static_cast<size_t>(id)] += 1.0 / draws;
  }
  seq_sampler_destroy(s);
  return counts;
}

void expectNear(const std::vector<double> &got,
                const std::vector<double> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 0.01) << "token " << i;
}

/// Logits whose softmax is `p` (up to a constant).
std::vector<float> logitsOf(const std::vector<double> &p) {
  std::vector<float> l;
  for (double x : p)
    l.push_back(static_cast<float>(std::log(x)));
  return l;
}

seq_sampler_options sampling() {
  seq_sampler_options o;
  seq_sampler_options_init(&o);
  o.temperature = 1.0f;
  o.seed = 7;
  return o;
}

TEST(SamplerTest, GreedyTakesTheFirstArgMax) {
  seq_sampler_options o;
  seq_sampler_options_init(&o);
  seq_sampler *s = nullptr;
  ASSERT_EQ(seq_sampler_create(&o, &s), SEQ_OK);
  std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f};
  int32_t id = -1;
  ASSERT_EQ(seq_sampler_sample(s, logits.data(), 4, nullptr, 0, &id), SEQ_OK);
  EXPECT_EQ(id, 1);
  seq_sampler_destroy(s);
}

TEST(SamplerTest, SameSeedSameDraws) {
  std::vector<float> logits = logitsOf({0.25, 0.25, 0.25, 0.25});
  auto draws = [&](uint64_t seed) {
    seq_sampler_options o = sampling();
    o.seed = seed;
    seq_sampler *s = nullptr;
    EXPECT_EQ(seq_sampler_create(&o, &s), SEQ_OK);
    std::vector<int32_t> ids(64);
    for (int32_t &id : ids)
      seq_sampler_sample(s, logits.data(), 4, nullptr, 0, &id);
    seq_sampler_destroy(s);
    return ids;
  };
  EXPECT_EQ(draws(3), draws(3));
  EXPECT_NE(draws(3), draws(4));
}

TEST(SamplerTest, PlainSamplingFollowsTheSoftmax) {
  expectNear(frequencies(sampling(), logitsOf({0.5, 0.3, 0.15, 0.05})),
             {0.5, 0.3, 0.15, 0.05});
}

TEST(SamplerTest, TemperatureSharpens) {
  // T = 0.5 squares the probabilities: 0.64 / 0.36 of 0.8 / 0.6 weights.
  seq_sampler_options o = sampling();
  o.temperature = 0.5f;
  expectNear(frequencies(o, logitsOf({0.8, 0.6})), {0.64, 0.36});
}

TEST(SamplerTest, TopKKeepsTheKMostLikely) {
  seq_sampler_options o = sampling();
  o.top_k = 2;
  expectNear(frequencies(o, logitsOf({0.5, 0.3, 0.15, 0.05})),
             {0.625, 0.375, 0, 0});
}

TEST(SamplerTest, TopPKeepsTheSmallestSetAboveP) {
  // Ascending cumulative mass 0.05, 0.20, 0.50: with p = 0.75 the tokens at
  // or under 0.25 go.
  seq_sampler_options o = sampling();
  o.top_p = 0.75f;
  expectNear(frequencies(o, logitsOf({0.5, 0.3, 0.15, 0.05})),
             {0.625, 0.375, 0, 0});
  o.top_p = 0.9f; // 0.15 stays (0.05 + 0.15 = 0.2 > 0.1)
  expectNear(frequencies(o, logitsOf({0.5, 0.3, 0.15, 0.05})),
             {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0});
}

TEST(SamplerTest, MinPDropsTheUnlikely) {
  seq_sampler_options o = sampling();
  o.min_p = 0.2f; // p < 0.1 goes
  expectNear(frequencies(o, logitsOf({0.5, 0.3, 0.15, 0.05})),
             {0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0});
}

TEST(SamplerTest, RepetitionPenaltyOnTheHistory) {
  // Logits log 0.5, log 0.5 (negative): token 0 seen, penalty 2 multiplies
  // its logit by 2: weights 0.25 and 0.5 -> 1/3, 2/3.
  seq_sampler_options o = sampling();
  o.repetition_penalty = 2.0f;
  expectNear(frequencies(o, logitsOf({0.5, 0.5}), {0, 0}), {1.0 / 3, 2.0 / 3});
  // Positive logits are divided: 2, 1 -> 1, 1 with token 0 seen.
  expectNear(frequencies(o, {2.0f, 1.0f}, {0}), {0.5, 0.5});
}

TEST(SamplerTest, RefusesBadOptionsAndArguments) {
  seq_sampler *s = nullptr;
  seq_sampler_options o = sampling();
  o.top_p = 0.0f;
  EXPECT_EQ(seq_sampler_create(&o, &s), SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seq_last_error()).find("top_p"), std::string::npos);
  o = sampling();
  o.temperature = -1.0f;
  EXPECT_EQ(seq_sampler_create(&o, &s), SEQ_ERROR_INVALID_ARGUMENT);
  o = sampling();
  o.repetition_penalty = 0.0f;
  EXPECT_EQ(seq_sampler_create(&o, &s), SEQ_ERROR_INVALID_ARGUMENT);
  o = sampling();
  o.struct_size = 3;
  EXPECT_EQ(seq_sampler_create(&o, &s), SEQ_ERROR_INVALID_ARGUMENT);
  o = sampling();
  ASSERT_EQ(seq_sampler_create(&o, &s), SEQ_OK);
  float logits[2] = {0, 0};
  int32_t history[1] = {5}, id = 0;
  EXPECT_EQ(seq_sampler_sample(s, logits, 2, history, 1, &id),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seq_last_error()).find("history token 5"),
            std::string::npos);
  EXPECT_EQ(seq_sampler_sample(s, logits, 0, nullptr, 0, &id),
            SEQ_ERROR_INVALID_ARGUMENT);
  seq_sampler_destroy(s);
}

} // namespace
