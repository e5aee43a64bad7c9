//===- SourceBatchTest.cpp - seq_beam_search_batch on a tiny BART ---------===//
//
// The tiny BART of test/Frontends/hf/seq2seq (compiled at build time): a
// batch of sources of different lengths searched together gives each
// source exactly what seq_beam_search gives it alone, while sources leave
// the batch at different steps; bad input is refused, nothing written.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace {

const std::string kModel = std::string(SEQC_TEST_MODELS_DIR) + "/bart-tiny.so";
const std::string kWeights =
    std::string(SEQC_SOURCE_DIR) + "/test/Frontends/hf/seq2seq/bart";
constexpr int32_t kStart = 2; // the folder's decoder_start_token_id

struct Hypothesis {
  std::vector<int32_t> tokens;
  float score;
};

std::vector<Hypothesis> hypotheses(seq_beam_result *r) {
  std::vector<Hypothesis> out;
  for (size_t i = 0; i < seq_beam_result_count(r); ++i) {
    const int32_t *tokens = nullptr;
    size_t n = 0;
    float score = 0;
    EXPECT_EQ(seq_beam_result_get(r, i, &tokens, &n, &score), SEQ_OK);
    out.push_back({std::vector<int32_t>(tokens, tokens + n), score});
  }
  seq_beam_result_destroy(r);
  return out;
}

class SourceBatchTest : public ::testing::Test {
protected:
  void SetUp() override {
    seq_model_options options;
    seq_model_options_init(&options);
    options.num_threads = 2;
    ASSERT_EQ(
        seq_model_open(kModel.c_str(), kWeights.c_str(), &options, &model),
        SEQ_OK)
        << seq_last_error();
  }
  void TearDown() override { seq_model_close(model); }

  /// seq_beam_search on one source in a fresh session.
  std::vector<Hypothesis> alone(const std::vector<int32_t> &source,
                                const seq_beam_options &o) {
    seq_session *s = nullptr;
    EXPECT_EQ(seq_session_create(model, nullptr, &s), SEQ_OK);
    EXPECT_EQ(seq_encode(s, source.data(), source.size()), SEQ_OK);
    seq_beam_result *r = nullptr;
    EXPECT_EQ(seq_beam_search(s, &kStart, 1, &o, &r), SEQ_OK)
        << seq_last_error();
    seq_session_destroy(s);
    return r ? hypotheses(r) : std::vector<Hypothesis>{};
  }

  seq_model *model = nullptr;
};

TEST_F(SourceBatchTest, BatchedEqualsOneByOne) {
  // Lengths 5, 2, 11 and 7, padded to 11 with garbage the search must not
  // read; EOS 75 ends some searches early (the batch shrinks).
  const std::vector<std::vector<int32_t>> sources = {
      {5, 6, 7, 8, 9},
      {40, 41},
      {3, 17, 99, 23, 64, 8, 8, 120, 77, 5, 31},
      {11, 12, 13, 14, 15, 16, 17}};
  const size_t stride = 11;
  std::vector<int32_t> padded(sources.size() * stride, -7);
  std::vector<size_t> lengths;
  for (size_t i = 0; i < sources.size(); ++i) {
    std::copy(sources[i].begin(), sources[i].end(),
              padded.begin() + i * stride);
    lengths.push_back(sources[i].size());
  }
  for (uint32_t beams : {1u, 3u}) {
    seq_beam_options o;
    seq_beam_options_init(&o);
    o.beams = beams;
    o.num_return = beams;
    o.max_new_tokens = 10;
    o.eos_token_id = 75;
    o.length_penalty = 0.8f;
    std::vector<seq_beam_result *> results(sources.size());
    ASSERT_EQ(seq_beam_search_batch(model, padded.data(), lengths.data(),
                                    sources.size(), stride, &kStart, 1, &o,
                                    results.data()),
              SEQ_OK)
        << seq_last_error();
    std::vector<size_t> firstLengths;
    for (size_t i = 0; i < sources.size(); ++i) {
      std::vector<Hypothesis> batched = hypotheses(results[i]);
      std::vector<Hypothesis> single = alone(sources[i], o);
      ASSERT_EQ(batched.size(), single.size());
      for (size_t h = 0; h < single.size(); ++h) {
        EXPECT_EQ(batched[h].tokens, single[h].tokens)
            << beams << " beams, source " << i << " hypothesis " << h;
        EXPECT_NEAR(batched[h].score, single[h].score, 1e-5);
      }
      firstLengths.push_back(batched[0].tokens.size());
    }
    // Greedy sources left the batch at different steps.
    if (beams == 1)
      EXPECT_GT(*std::max_element(firstLengths.begin(), firstLengths.end()),
                *std::min_element(firstLengths.begin(), firstLengths.end()));
  }
}

TEST_F(SourceBatchTest, RejectsBadInput) {
  const int32_t sources[] = {5, 6, 7, 8, 9, 10};
  size_t lengths[] = {3, 3};
  seq_beam_options o;
  seq_beam_options_init(&o);
  o.max_new_tokens = 8;
  seq_beam_result *results[2] = {nullptr, nullptr};
  auto refused = [&](seq_status want, const int32_t *src, size_t *lens,
                     size_t n, size_t stride, const int32_t *prompt,
                     size_t nPrompt, const char *what) {
    results[0] = results[1] = reinterpret_cast<seq_beam_result *>(1);
    EXPECT_EQ(seq_beam_search_batch(model, src, lens, n, stride, prompt,
                                    nPrompt, &o, results),
              want)
        << what;
    EXPECT_NE(std::string(seq_last_error()).find(what), std::string::npos)
        << seq_last_error();
    if (n)
      EXPECT_EQ(results[0], nullptr);
  };
  refused(SEQ_ERROR_INVALID_ARGUMENT, sources, lengths, 0, 3, &kStart, 1,
          "no sources");
  refused(SEQ_ERROR_INVALID_ARGUMENT, nullptr, lengths, 2, 3, &kStart, 1,
          "no sources");
  size_t tooLong[] = {3, 4};
  refused(SEQ_ERROR_INVALID_ARGUMENT, sources, tooLong, 2, 3, &kStart, 1,
          "source 1 has length 4, outside [1, 3]");
  size_t empty[] = {0, 3};
  refused(SEQ_ERROR_INVALID_ARGUMENT, sources, empty, 2, 3, &kStart, 1,
          "source 0 has length 0");
  // Longer than the model encodes (64), with a stride that would overflow
  // any size computed from it: refused before anything is allocated.
  size_t huge[] = {65, 3};
  refused(SEQ_ERROR_CAPACITY, sources, huge, 2, SIZE_MAX / 2, &kStart, 1,
          "source 0 has 65 tokens; the model encodes at most 64");
  const int32_t outside[] = {5, 6, 128, 8, 9, 10};
  refused(SEQ_ERROR_INVALID_ARGUMENT, outside, lengths, 2, 3, &kStart, 1,
          "source 0: source token #2 (128) is outside");
  const int32_t badPrompt = 500;
  refused(SEQ_ERROR_INVALID_ARGUMENT, sources, lengths, 2, 3, &badPrompt, 1,
          "prompt token #0 (500)");
  refused(SEQ_ERROR_INVALID_ARGUMENT, sources, lengths, 2, 3, &kStart, 0,
          "the prompt");
  o.max_new_tokens = 64; // 1 + 64 > the model's 64 positions
  refused(SEQ_ERROR_CAPACITY, sources, lengths, 2, 3, &kStart, 1,
          "maximum of 64");
  o.max_new_tokens = 8;
  o.beams = 0;
  refused(SEQ_ERROR_INVALID_ARGUMENT, sources, lengths, 2, 3, &kStart, 1,
          "seq_beam_search_batch: beams must be");
  // A batch past 65536 rows is refused before anything is allocated.
  o.beams = 4;
  std::vector<int32_t> many(20000, 5);
  std::vector<size_t> ones(20000, 1);
  std::vector<seq_beam_result *> manyResults(20000);
  EXPECT_EQ(seq_beam_search_batch(model, many.data(), ones.data(), 20000, 1,
                                  &kStart, 1, &o, manyResults.data()),
            SEQ_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(seq_last_error()).find("20000 sources of 4 beams"),
            std::string::npos)
      << seq_last_error();
  seq_beam_options raw{};
  EXPECT_EQ(seq_beam_search_batch(model, sources, lengths, 2, 3, &kStart, 1,
                                  &raw, results),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(seq_beam_search_batch(nullptr, sources, lengths, 2, 3, &kStart, 1,
                                  &o, results),
            SEQ_ERROR_INVALID_ARGUMENT);
}

} // namespace
