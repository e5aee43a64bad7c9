//===- RuntimeApiTest.cpp - the C API on a compiled hybrid model ----------===//
//
// Runs examples/hybrid-tiny.mlir (attention + Mamba), compiled by seqc with
// random weights, through seq/runtime.h: decode agrees with prefill, forks
// and snapshots reproduce fresh runs, and bad input gets a status and a
// message, never a crash.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

const std::string kModels = SEQC_TEST_MODELS_DIR;
const std::string kModel = kModels + "/hybrid-tiny.so";
const std::string kWeights = kModels + "/hybrid-tiny.safetensors";

/// Largest |a - b| over two equally long spans.
float maxDiff(const float *a, const float *b, size_t n) {
  float worst = 0;
  for (size_t i = 0; i < n; ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

class HybridModelTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(seq_model_open(kModel.c_str(), kWeights.c_str(), nullptr, &model),
              SEQ_OK)
        << seq_last_error();
    vocab = seq_model_vocab_size(model);
    ASSERT_EQ(vocab, 256u);
  }
  void TearDown() override { seq_model_close(model); }

  seq_session *newSession() {
    seq_session *s = nullptr;
    EXPECT_EQ(seq_session_create(model, nullptr, &s), SEQ_OK)
        << seq_last_error();
    return s;
  }

  /// Logits of every position of a fresh prefill of `tokens`.
  std::vector<float> prefillAll(const std::vector<int32_t> &tokens) {
    seq_session *s = newSession();
    EXPECT_EQ(seq_prefill(s, tokens.data(), tokens.size(), nullptr), SEQ_OK)
        << seq_last_error();
    const float *all;
    size_t rows, cols;
    EXPECT_EQ(seq_session_logits(s, &all, &rows, &cols), SEQ_OK);
    EXPECT_EQ(rows, tokens.size());
    std::vector<float> out(all, all + rows * cols);
    seq_session_destroy(s);
    return out;
  }

  seq_model *model = nullptr;
  size_t vocab = 0;
};

TEST_F(HybridModelTest, DecodeStepsMatchPrefillOfTheLongerSequence) {
  std::vector<int32_t> tokens = {3, 141, 59, 26, 5, 35, 89, 79, 32, 38, 46};
  std::vector<float> reference = prefillAll(tokens);
  seq_session *s = newSession();
  const float *logits;
  ASSERT_EQ(seq_prefill(s, tokens.data(), 4, &logits), SEQ_OK);
  EXPECT_LT(maxDiff(logits, &reference[3 * vocab], vocab), 1e-5f);
  for (size_t i = 4; i < tokens.size(); ++i) {
    ASSERT_EQ(seq_decode(s, tokens[i], &logits), SEQ_OK) << seq_last_error();
    EXPECT_LT(maxDiff(logits, &reference[i * vocab], vocab), 1e-5f)
        << "position " << i;
  }
  EXPECT_EQ(seq_session_position(s), tokens.size());
  seq_session_destroy(s);
}

TEST_F(HybridModelTest, ChunkedPrefillMatchesOnePrefill) {
  std::vector<int32_t> tokens = {7, 1, 200, 13, 99, 4, 250, 18, 61};
  std::vector<float> reference = prefillAll(tokens);
  seq_session *s = newSession();
  const float *logits;
  ASSERT_EQ(seq_prefill(s, tokens.data(), 5, &logits), SEQ_OK);
  ASSERT_EQ(seq_prefill(s, tokens.data() + 5, 4, &logits), SEQ_OK);
  EXPECT_LT(maxDiff(logits, &reference[8 * vocab], vocab), 1e-5f);
  seq_session_destroy(s);
}

TEST_F(HybridModelTest, ForkBranchesReproduceFreshRuns) {
  std::vector<int32_t> prompt = {10, 20, 30, 40, 50};
  seq_session *a = newSession();
  ASSERT_EQ(seq_prefill(a, prompt.data(), prompt.size(), nullptr), SEQ_OK);
  seq_session *b = nullptr;
  ASSERT_EQ(seq_session_fork(a, &b), SEQ_OK);
  const float *la, *lb;
  ASSERT_EQ(seq_decode(a, 7, &la), SEQ_OK);
  ASSERT_EQ(seq_decode(b, 8, &lb), SEQ_OK);
  std::vector<int32_t> withA = prompt, withB = prompt;
  withA.push_back(7);
  withB.push_back(8);
  EXPECT_LT(maxDiff(la, &prefillAll(withA)[5 * vocab], vocab), 1e-5f);
  EXPECT_LT(maxDiff(lb, &prefillAll(withB)[5 * vocab], vocab), 1e-5f);
  // The branches really differ (the state was copied, not shared).
  EXPECT_GT(maxDiff(la, lb, vocab), 1e-4f);
  seq_session_destroy(a);
  seq_session_destroy(b);
}

TEST_F(HybridModelTest, SnapshotRewindsAConversation) {
  std::vector<int32_t> prompt = {1, 2, 3};
  seq_session *s = newSession();
  ASSERT_EQ(seq_prefill(s, prompt.data(), prompt.size(), nullptr), SEQ_OK);
  seq_snapshot *snap = nullptr;
  ASSERT_EQ(seq_session_snapshot(s, &snap), SEQ_OK);
  const float *first;
  ASSERT_EQ(seq_decode(s, 42, &first), SEQ_OK);
  std::vector<float> expected(first, first + vocab);
  ASSERT_EQ(seq_decode(s, 43, &first), SEQ_OK); // moves on
  ASSERT_EQ(seq_session_restore(s, snap), SEQ_OK);
  EXPECT_EQ(seq_session_position(s), 3u);
  const float *again;
  ASSERT_EQ(seq_decode(s, 42, &again), SEQ_OK);
  EXPECT_EQ(maxDiff(again, expected.data(), vocab), 0.0f);
  seq_snapshot_destroy(snap);
  seq_session_destroy(s);
}

TEST_F(HybridModelTest, ResetStartsOver) {
  std::vector<int32_t> prompt = {9, 8, 7};
  std::vector<float> reference = prefillAll(prompt);
  seq_session *s = newSession();
  ASSERT_EQ(seq_prefill(s, prompt.data(), 3, nullptr), SEQ_OK);
  ASSERT_EQ(seq_session_reset(s), SEQ_OK);
  const float *logits;
  ASSERT_EQ(seq_prefill(s, prompt.data(), 3, &logits), SEQ_OK);
  EXPECT_EQ(maxDiff(logits, &reference[2 * vocab], vocab), 0.0f);
  seq_session_destroy(s);
}

TEST_F(HybridModelTest, RejectsBadTokensAndOverflow) {
  seq_session *s = newSession();
  int32_t bad[] = {1, 256};
  EXPECT_EQ(seq_prefill(s, bad, 2, nullptr), SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seq_last_error()).find("token #1 (256)"),
            std::string::npos)
      << seq_last_error();
  EXPECT_EQ(seq_prefill(s, bad, 0, nullptr), SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(seq_session_position(s), 0u);
  // The example holds 64 positions.
  std::vector<int32_t> long_(65, 1);
  EXPECT_EQ(seq_prefill(s, long_.data(), long_.size(), nullptr),
            SEQ_ERROR_CAPACITY);
  EXPECT_NE(std::string(seq_last_error()).find("maximum of 64"),
            std::string::npos);
  // Counts near SIZE_MAX must not wrap the capacity check into a pass (the
  // runtime would read past `bad`): refused before any token is read.
  EXPECT_EQ(seq_prefill(s, bad, SIZE_MAX, nullptr), SEQ_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(seq_prefill(s, long_.data(), 3, nullptr), SEQ_OK);
  EXPECT_EQ(seq_prefill(s, bad, SIZE_MAX - 2, nullptr),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(seq_prefill(s, long_.data(), 62, nullptr), SEQ_ERROR_CAPACITY);
  EXPECT_EQ(seq_session_position(s), 3u);
  seq_session_destroy(s);
}

TEST_F(HybridModelTest, EncodeNeedsAnEncoderDecoderModel) {
  // A decoder-only model has no `encode` entry; arguments are checked first.
  EXPECT_EQ(seq_model_max_source_positions(model), 0u);
  EXPECT_EQ(seq_model_max_source_positions(nullptr), 0u);
  int32_t source[] = {1, 2, 3};
  EXPECT_EQ(seq_encode(nullptr, source, 3), SEQ_ERROR_INVALID_ARGUMENT);
  seq_session *s = newSession();
  EXPECT_EQ(seq_encode(s, source, 3), SEQ_ERROR_UNSUPPORTED);
  EXPECT_NE(std::string(seq_last_error()).find("has no 'encode' entry point"),
            std::string::npos)
      << seq_last_error();
  EXPECT_EQ(seq_session_position(s), 0u);
  seq_session_destroy(s);
}

/// log-softmax of `logits` at `token`, in double.
double logProbability(const float *logits, size_t vocab, int32_t token) {
  double top = *std::max_element(logits, logits + vocab), sum = 0;
  for (size_t v = 0; v < vocab; ++v)
    sum += std::exp(logits[v] - top);
  return logits[token] - top - std::log(sum);
}

TEST_F(HybridModelTest, OneBeamIsGreedyDecode) {
  // With one beam and no EOS, beam search is greedy decoding: the tokens of
  // plain argmax steps through seq_decode, scored by the mean log-prob
  // (length_penalty 1). The model's Mamba states are copied whole.
  const int32_t prompt[] = {5, 9, 2};
  const size_t steps = 7;
  size_t vocab = seq_model_vocab_size(model);
  seq_session *g = newSession();
  const float *logits = nullptr;
  ASSERT_EQ(seq_prefill(g, prompt, 3, &logits), SEQ_OK);
  std::vector<int32_t> greedy;
  double sum = 0;
  for (size_t i = 0; i < steps; ++i) {
    int32_t next =
        static_cast<int32_t>(std::max_element(logits, logits + vocab) - logits);
    sum += logProbability(logits, vocab, next);
    greedy.push_back(next);
    if (i + 1 < steps)
      ASSERT_EQ(seq_decode(g, next, &logits), SEQ_OK);
  }
  seq_session_destroy(g);

  seq_beam_options o;
  seq_beam_options_init(&o);
  o.beams = 1;
  o.max_new_tokens = steps;
  seq_session *s = newSession();
  seq_beam_result *r = nullptr;
  ASSERT_EQ(seq_beam_search(s, prompt, 3, &o, &r), SEQ_OK) << seq_last_error();
  // The session itself ends after the prompt.
  EXPECT_EQ(seq_session_position(s), 3u);
  ASSERT_EQ(seq_beam_result_count(r), 1u);
  const int32_t *tokens = nullptr;
  size_t n = 0;
  float score = 0;
  ASSERT_EQ(seq_beam_result_get(r, 0, &tokens, &n, &score), SEQ_OK);
  EXPECT_EQ(std::vector<int32_t>(tokens, tokens + n), greedy);
  EXPECT_NEAR(score, sum / steps, 1e-4);
  EXPECT_EQ(seq_beam_result_get(r, 1, &tokens, &n, &score),
            SEQ_ERROR_INVALID_ARGUMENT);
  seq_beam_result_destroy(r);

  // Four beams, best first: each hypothesis' score equals its tokens
  // teacher-forced through a fresh session (a beam that took a copy of
  // another's state would not).
  o.beams = 4;
  o.num_return = 4;
  // (The session continues after its prompt: start a new one.)
  ASSERT_EQ(seq_session_reset(s), SEQ_OK);
  ASSERT_EQ(seq_beam_search(s, prompt, 3, &o, &r), SEQ_OK) << seq_last_error();
  ASSERT_EQ(seq_beam_result_count(r), 4u);
  float previous = 0;
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(seq_beam_result_get(r, i, &tokens, &n, &score), SEQ_OK);
    ASSERT_EQ(n, steps);
    if (i)
      EXPECT_LE(score, previous);
    previous = score;
    seq_session *t = newSession();
    std::vector<int32_t> all(prompt, prompt + 3);
    all.insert(all.end(), tokens, tokens + n);
    ASSERT_EQ(seq_prefill(t, all.data(), all.size(), nullptr), SEQ_OK);
    const float *rows = nullptr;
    size_t positions = 0, width = 0;
    ASSERT_EQ(seq_session_logits(t, &rows, &positions, &width), SEQ_OK);
    double total = 0;
    for (size_t k = 0; k < steps; ++k)
      total += logProbability(rows + (2 + k) * vocab, vocab, tokens[k]);
    EXPECT_NEAR(score, total / steps, 1e-4) << "hypothesis " << i;
    seq_session_destroy(t);
  }
  seq_beam_result_destroy(r);
  seq_session_destroy(s);
}

TEST_F(HybridModelTest, BeamSearchRejectsBadOptions) {
  const int32_t prompt[] = {5, 9, 2};
  seq_session *s = newSession();
  seq_beam_options o;
  seq_beam_options_init(&o);
  seq_beam_result *r = nullptr;
  EXPECT_EQ(seq_beam_search(nullptr, prompt, 3, &o, &r),
            SEQ_ERROR_INVALID_ARGUMENT);
  seq_beam_options raw{};
  EXPECT_EQ(seq_beam_search(s, prompt, 3, &raw, &r),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seq_last_error()).find("seq_beam_options_init"),
            std::string::npos);
  auto refused = [&](seq_beam_options bad, const char *what) {
    EXPECT_EQ(seq_beam_search(s, prompt, 3, &bad, &r),
              SEQ_ERROR_INVALID_ARGUMENT)
        << what;
    EXPECT_NE(std::string(seq_last_error()).find(what), std::string::npos)
        << seq_last_error();
    EXPECT_EQ(r, nullptr);
  };
  seq_beam_options bad = o;
  bad.beams = 0;
  refused(bad, "beams must be");
  bad = o;
  bad.num_return = 5;
  refused(bad, "num_return");
  bad = o;
  bad.eos_token_id = 256;
  refused(bad, "eos_token_id 256");
  bad = o;
  bad.early_stopping = 2;
  refused(bad, "early_stopping");
  bad = o;
  bad.length_penalty = NAN;
  refused(bad, "length_penalty");
  int32_t suppressed[] = {3, -4};
  bad = o;
  bad.suppress_tokens = suppressed;
  bad.n_suppress_tokens = 2;
  refused(bad, "suppressed token -4");
  bad = o;
  bad.begin_suppress_tokens = suppressed + 1;
  bad.n_begin_suppress_tokens = 1;
  refused(bad, "begin-suppressed token -4");
  EXPECT_EQ(seq_beam_search(s, prompt, 0, &o, &r), SEQ_ERROR_INVALID_ARGUMENT);
  // The example holds 64 positions: 3 + 62 do not fit; nothing ran.
  o.max_new_tokens = 62;
  EXPECT_EQ(seq_beam_search(s, prompt, 3, &o, &r), SEQ_ERROR_CAPACITY);
  EXPECT_NE(std::string(seq_last_error()).find("maximum of 64"),
            std::string::npos);
  EXPECT_EQ(seq_session_position(s), 0u);
  // Nor features (Whisper's encoder).
  float features[4] = {0, 0, 0, 0};
  EXPECT_EQ(seq_encode_features(nullptr, features, 2, 2),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(seq_encode_features(s, features, 2, 2), SEQ_ERROR_UNSUPPORTED);
  size_t mels = 1, frames = 1;
  EXPECT_EQ(seq_model_source_features(model, &mels, &frames),
            SEQ_ERROR_UNSUPPORTED);
  EXPECT_EQ(mels, 0u);
  EXPECT_EQ(frames, 0u);
  seq_session_destroy(s);
}

TEST(RuntimeErrors, MissingLibrary) {
  seq_model *m = nullptr;
  EXPECT_EQ(
      seq_model_open("/nonexistent/model.so", kWeights.c_str(), nullptr, &m),
      SEQ_ERROR_IO);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(std::string(seq_last_error()).find("/nonexistent/model.so"),
            std::string::npos);
}

TEST(RuntimeSessions, OptionsFromAnOlderHeaderKeepNewFieldsAtDefaults) {
  seq_model *m = nullptr;
  ASSERT_EQ(seq_model_open(kModel.c_str(), kWeights.c_str(), nullptr, &m),
            SEQ_OK);
  // A caller compiled when the struct ended at prefill_chunk.
  seq_session_options old;
  seq_session_options_init(&old);
  old.struct_size = 8;
  old.last_logits_only = 1; // beyond its struct: must be ignored
  seq_session *s = nullptr;
  ASSERT_EQ(seq_session_create(m, &old, &s), SEQ_OK) << seq_last_error();
  const int32_t tokens[3] = {1, 2, 3};
  ASSERT_EQ(seq_prefill(s, tokens, 3, nullptr), SEQ_OK) << seq_last_error();
  const float *all;
  size_t rows, vocab;
  ASSERT_EQ(seq_session_logits(s, &all, &rows, &vocab), SEQ_OK);
  EXPECT_EQ(rows, 3u);
  seq_session_destroy(s);
  // A struct smaller than the first version is refused.
  old.struct_size = 4;
  EXPECT_EQ(seq_session_create(m, &old, &s), SEQ_ERROR_INVALID_ARGUMENT);
  seq_model_close(m);
}

TEST(RuntimeOpen, ModelOptionsFromAnOlderHeaderKeepNewFieldsAtDefaults) {
  // A caller compiled when the struct ended at num_threads.
  seq_model_options old;
  seq_model_options_init(&old);
  old.struct_size = 8;
  old.num_threads = 1;
  old.cuda_device = 12345; // beyond its struct: must be ignored
  seq_model *m = nullptr;
  ASSERT_EQ(seq_model_open(kModel.c_str(), kWeights.c_str(), &old, &m), SEQ_OK)
      << seq_last_error();
  seq_model_close(m);
  old.struct_size = 4;
  EXPECT_EQ(seq_model_open(kModel.c_str(), kWeights.c_str(), &old, &m),
            SEQ_ERROR_INVALID_ARGUMENT);
}

TEST(RuntimeOpen, BareFileNameInTheWorkingDirectory) {
  // "model.so" names the file here (dlopen alone would search LD paths).
  std::string dir = ::testing::TempDir() + "/seqrt-bare-name";
  ASSERT_EQ(std::system(("mkdir -p " + dir + " && cp " + kModel + " " + dir +
                         "/bare-model.so")
                            .c_str()),
            0);
  char previous[4096];
  ASSERT_NE(getcwd(previous, sizeof previous), nullptr);
  ASSERT_EQ(chdir(dir.c_str()), 0);
  seq_model *m = nullptr;
  seq_status status =
      seq_model_open("bare-model.so", kWeights.c_str(), nullptr, &m);
  ASSERT_EQ(chdir(previous), 0);
  EXPECT_EQ(status, SEQ_OK) << seq_last_error();
  seq_model_close(m);
}

TEST(RuntimeErrors, LibraryThatIsNotAModel) {
  seq_model *m = nullptr;
  EXPECT_EQ(seq_model_open("libm.so.6", kWeights.c_str(), nullptr, &m),
            SEQ_ERROR_INVALID_MODEL);
  EXPECT_NE(std::string(seq_last_error()).find("not a seqc model"),
            std::string::npos)
      << seq_last_error();
}

TEST(RuntimeErrors, MissingWeightsFile) {
  seq_model *m = nullptr;
  EXPECT_EQ(
      seq_model_open(kModel.c_str(), "/nonexistent.safetensors", nullptr, &m),
      SEQ_ERROR_IO);
}

/// Copies the weights file with the first `keep` bytes, or with a changed
/// byte, to a temporary path.
std::string corruptCopy(size_t keep, long flipAt = -1) {
  std::ifstream in(kWeights, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  bytes.resize(std::min(keep, bytes.size()));
  if (flipAt >= 0)
    bytes[flipAt] = '#';
  std::string path = ::testing::TempDir() + "/corrupt.safetensors";
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(RuntimeErrors, TruncatedWeights) {
  seq_model *m = nullptr;
  std::string path = corruptCopy(1000);
  EXPECT_EQ(seq_model_open(kModel.c_str(), path.c_str(), nullptr, &m),
            SEQ_ERROR_INVALID_WEIGHTS);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(std::string(seq_last_error()).find(path), std::string::npos)
      << seq_last_error();
}

TEST(RuntimeErrors, CorruptHeader) {
  seq_model *m = nullptr;
  std::string path = corruptCopy(SIZE_MAX, /*flipAt=*/8); // the JSON's '{'
  EXPECT_EQ(seq_model_open(kModel.c_str(), path.c_str(), nullptr, &m),
            SEQ_ERROR_INVALID_WEIGHTS);
}

TEST(RuntimeErrors, MissingWeightIsNamed) {
  // A weights file for another model: the descriptor's first weight is absent.
  std::string path = ::testing::TempDir() + "/other.safetensors";
  std::string header =
      R"({"unrelated":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  uint64_t n = header.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(&n), 8);
  out << header;
  out.write("\0\0\0\0", 4);
  out.close();
  seq_model *m = nullptr;
  EXPECT_EQ(seq_model_open(kModel.c_str(), path.c_str(), nullptr, &m),
            SEQ_ERROR_INVALID_WEIGHTS);
  EXPECT_NE(std::string(seq_last_error()).find("is missing from"),
            std::string::npos)
      << seq_last_error();
}

/// Logits of prefilling `tokens` with the example model and `weights`.
std::vector<float> logitsWith(const std::string &weights,
                              const std::vector<int32_t> &tokens) {
  seq_model *m = nullptr;
  EXPECT_EQ(seq_model_open(kModel.c_str(), weights.c_str(), nullptr, &m),
            SEQ_OK)
      << seq_last_error();
  if (!m)
    return {};
  seq_session *s = nullptr;
  EXPECT_EQ(seq_session_create(m, nullptr, &s), SEQ_OK);
  EXPECT_EQ(seq_prefill(s, tokens.data(), tokens.size(), nullptr), SEQ_OK);
  const float *all;
  size_t rows, cols;
  EXPECT_EQ(seq_session_logits(s, &all, &rows, &cols), SEQ_OK);
  std::vector<float> out(all, all + rows * cols);
  seq_session_destroy(s);
  seq_model_close(m);
  return out;
}

TEST(RuntimeWeights, HalfPrecisionStorageConvertsExactly) {
  // Each pair holds the same values: stored as f16/bf16, and as f32 rounded
  // to that precision. Conversion is exact, so the logits must be identical.
  std::vector<int32_t> tokens = {5, 6, 7, 8};
  for (const char *half : {"f16", "bf16"}) {
    std::vector<float> stored = logitsWith(
        kModels + "/hybrid-tiny.dtype-" + half + ".safetensors", tokens);
    std::vector<float> rounded = logitsWith(
        kModels + "/hybrid-tiny.round-to-" + half + ".safetensors", tokens);
    ASSERT_FALSE(stored.empty());
    EXPECT_EQ(stored, rounded) << half;
  }
}

/// A one-tensor safetensors file.
std::string oneTensorFile(const std::string &name, const std::string &dtype,
                          const std::string &shape, size_t bytes) {
  std::string path = ::testing::TempDir() + "/one-" + dtype + ".safetensors";
  std::string header = "{\"" + name + "\":{\"dtype\":\"" + dtype +
                       "\",\"shape\":" + shape + ",\"data_offsets\":[0," +
                       std::to_string(bytes) + "]}}";
  uint64_t n = header.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(&n), 8);
  out << header << std::string(bytes, '\0');
  return path;
}

TEST(RuntimeErrors, WeightOfTheWrongShapeIsNamed) {
  std::string path = oneTensorFile("model.embed_tokens.weight", "F32",
                                   "[255,64]", 255 * 64 * 4);
  seq_model *m = nullptr;
  EXPECT_EQ(seq_model_open(kModel.c_str(), path.c_str(), nullptr, &m),
            SEQ_ERROR_INVALID_WEIGHTS);
  EXPECT_NE(std::string(seq_last_error())
                .find("weight 'model.embed_tokens.weight' in " + path +
                      " has shape F32[255,64] but the model needs f32[256,64]"),
            std::string::npos)
      << seq_last_error();
}

TEST(RuntimeErrors, WeightOfAnUnconvertibleTypeIsNamed) {
  std::string path = oneTensorFile("model.embed_tokens.weight", "I32",
                                   "[256,64]", 256 * 64 * 4);
  seq_model *m = nullptr;
  EXPECT_EQ(seq_model_open(kModel.c_str(), path.c_str(), nullptr, &m),
            SEQ_ERROR_INVALID_WEIGHTS);
  EXPECT_NE(std::string(seq_last_error()).find("is stored as I32"),
            std::string::npos)
      << seq_last_error();
}

TEST(RuntimeRun, StatelessEntryAndItsArgumentChecks) {
  const std::string so = kModels + "/linear.so";
  const std::string weights = kModels + "/linear.safetensors";
  seq_model *m = nullptr;
  ASSERT_EQ(seq_model_open(so.c_str(), weights.c_str(), nullptr, &m), SEQ_OK)
      << seq_last_error();
  size_t nIn = 0, nOut = 0;
  ASSERT_EQ(seq_model_entry_arity(m, "prefill", &nIn, &nOut), SEQ_OK);
  EXPECT_EQ(nIn, 1u);
  EXPECT_EQ(nOut, 1u);
  int64_t ids[3] = {1, 7, 3};
  float logits[3 * 8];
  seq_tensor in{ids, SEQ_DTYPE_I64, 2, {1, 3}};
  seq_tensor out{logits, SEQ_DTYPE_F32, 3, {1, 3, 8}};
  ASSERT_EQ(seq_model_run(m, "prefill", &in, 1, &out, 1), SEQ_OK)
      << seq_last_error();
  // The same logits through the session API.
  seq_session *s = nullptr;
  ASSERT_EQ(seq_session_create(m, nullptr, &s), SEQ_OK);
  int32_t tokens[3] = {1, 7, 3};
  ASSERT_EQ(seq_prefill(s, tokens, 3, nullptr), SEQ_OK);
  const float *all;
  size_t rows, cols;
  ASSERT_EQ(seq_session_logits(s, &all, &rows, &cols), SEQ_OK);
  EXPECT_EQ(std::vector<float>(all, all + 24),
            std::vector<float>(logits, logits + 24));
  seq_session_destroy(s);

  // Wrong number of tensors, wrong dtype, wrong static dim, unknown entry.
  EXPECT_EQ(seq_model_run(m, "prefill", &in, 1, nullptr, 0),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seq_last_error())
                .find("takes 1 inputs and 1 outputs, got 1 and 0"),
            std::string::npos)
      << seq_last_error();
  seq_tensor badType{ids, SEQ_DTYPE_I32, 2, {1, 3}};
  EXPECT_EQ(seq_model_run(m, "prefill", &badType, 1, &out, 1),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seq_last_error())
                .find("input #0 is i32[1,3] but the entry expects i64[1,?]"),
            std::string::npos)
      << seq_last_error();
  seq_tensor badOut{logits, SEQ_DTYPE_F32, 3, {1, 3, 9}};
  EXPECT_EQ(seq_model_run(m, "prefill", &in, 1, &badOut, 1),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(seq_model_run(m, "nope", &in, 1, &out, 1),
            SEQ_ERROR_INVALID_ARGUMENT);
  seq_model_close(m);

  // Entries with session state must go through a session.
  ASSERT_EQ(seq_model_open(kModel.c_str(), kWeights.c_str(), nullptr, &m),
            SEQ_OK);
  EXPECT_EQ(seq_model_run(m, "decode", nullptr, 0, nullptr, 0),
            SEQ_ERROR_UNSUPPORTED);
  seq_model_close(m);
}

/// A safetensors file of f32 tensors `{name, shape, values}`.
struct F32Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};
std::string f32File(const std::string &fileName,
                    const std::vector<F32Tensor> &tensors) {
  std::string header = "{";
  size_t offset = 0;
  for (const F32Tensor &t : tensors) {
    std::string shape;
    for (int64_t d : t.shape)
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    size_t bytes = t.values.size() * 4;
    header += (header.size() > 1 ? "," : "") +
              ("\"" + t.name + "\":{\"dtype\":\"F32\",\"shape\":[") + shape +
              "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  std::string path = ::testing::TempDir() + "/" + fileName;
  uint64_t n = header.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(&n), 8);
  out << header;
  for (const F32Tensor &t : tensors)
    out.write(reinterpret_cast<const char *>(t.values.data()),
              t.values.size() * 4);
  return path;
}

std::vector<float> iota(size_t n, float start, float step) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = start + step * static_cast<float>(i);
  return v;
}

TEST(RuntimeWeights, StackedWeightBindsItsSlicesInOrder) {
  // stacked.mlir: logits = embed[ids] · Wᵀ, W [8, 4] = head.0.weight [4, 4]
  // over head.1.weight [4, 4], bound as one stacked [2, 4, 4] weight.
  const std::string so = kModels + "/stacked.so";
  std::vector<float> embed = iota(32, -1.0f, 0.0625f);
  std::vector<float> head0 = iota(16, 0.5f, -0.125f),
                     head1 = iota(16, 2.0f, 0.25f);
  std::string weights =
      f32File("stacked.safetensors", {{"embed", {8, 4}, embed},
                                      {"head.1.weight", {4, 4}, head1},
                                      {"head.0.weight", {4, 4}, head0}});
  seq_model *m = nullptr;
  ASSERT_EQ(seq_model_open(so.c_str(), weights.c_str(), nullptr, &m), SEQ_OK)
      << seq_last_error();
  int64_t ids[2] = {5, 2};
  float logits[2 * 8];
  seq_tensor in{ids, SEQ_DTYPE_I64, 2, {1, 2}};
  seq_tensor out{logits, SEQ_DTYPE_F32, 3, {1, 2, 8}};
  ASSERT_EQ(seq_model_run(m, "prefill", &in, 1, &out, 1), SEQ_OK)
      << seq_last_error();
  seq_model_close(m);
  for (int t = 0; t < 2; ++t)
    for (int o = 0; o < 8; ++o) {
      const std::vector<float> &w = o < 4 ? head0 : head1;
      double expected = 0;
      for (int k = 0; k < 4; ++k)
        expected += double(embed[ids[t] * 4 + k]) * double(w[(o % 4) * 4 + k]);
      EXPECT_NEAR(logits[t * 8 + o], expected, 1e-5)
          << "token " << t << " out " << o;
    }

  // A missing slice is named.
  std::string partial =
      f32File("stacked-partial.safetensors",
              {{"embed", {8, 4}, embed}, {"head.0.weight", {4, 4}, head0}});
  EXPECT_EQ(seq_model_open(so.c_str(), partial.c_str(), nullptr, &m),
            SEQ_ERROR_INVALID_WEIGHTS);
  EXPECT_NE(std::string(seq_last_error())
                .find("weight 'head.1.weight' (f32[4,4], needed by the model) "
                      "is missing"),
            std::string::npos)
      << seq_last_error();
}

TEST(RuntimeErrors, NullArguments) {
  EXPECT_EQ(seq_model_open(nullptr, nullptr, nullptr, nullptr),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(seq_prefill(nullptr, nullptr, 0, nullptr),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(seq_status_string(SEQ_ERROR_CAPACITY), "SEQ_ERROR_CAPACITY");
}

} // namespace

namespace {

TEST(RuntimeWeights, ValidateWeightsNamesTheFirstNonFiniteValue) {
  // stacked.mlir binds embed [8, 4] and head.{0,1}.weight [4, 4] each.
  const std::string so = kModels + "/stacked.so";
  std::vector<float> embed = iota(32, -1.0f, 0.0625f);
  std::vector<float> head0 = iota(16, 0.5f, -0.125f),
                     head1 = iota(16, 2.0f, 0.25f);
  embed[11] = std::nanf("");
  head1[6] = -INFINITY;
  std::string weights =
      f32File("nonfinite.safetensors", {{"embed", {8, 4}, embed},
                                        {"head.0.weight", {4, 4}, head0},
                                        {"head.1.weight", {4, 4}, head1}});
  seq_model_options options;
  seq_model_options_init(&options);
  EXPECT_EQ(options.validate_weights, 0);
  // Off by default: the file opens (the caller did not ask for the pass).
  seq_model *m = nullptr;
  ASSERT_EQ(seq_model_open(so.c_str(), weights.c_str(), &options, &m), SEQ_OK)
      << seq_last_error();
  seq_model_close(m);
  options.validate_weights = 1;
  m = nullptr;
  EXPECT_EQ(seq_model_open(so.c_str(), weights.c_str(), &options, &m),
            SEQ_ERROR_INVALID_WEIGHTS);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(
      std::string(seq_last_error())
          .find("weight 'embed' holds NaN at index 11 ([2, 3] of f32[8,4])"),
      std::string::npos)
      << seq_last_error();
  // With embed clean, the stacked head's second slice is named as its own
  // checkpoint tensor.
  embed[11] = 0.0f;
  weights =
      f32File("nonfinite2.safetensors", {{"embed", {8, 4}, embed},
                                         {"head.0.weight", {4, 4}, head0},
                                         {"head.1.weight", {4, 4}, head1}});
  EXPECT_EQ(seq_model_open(so.c_str(), weights.c_str(), &options, &m),
            SEQ_ERROR_INVALID_WEIGHTS);
  EXPECT_NE(
      std::string(seq_last_error())
          .find("weight 'head.1.weight' holds -inf at index 22 ([1, 1, 2] "
                "of f32[2,4,4])"),
      std::string::npos)
      << seq_last_error();
}

} // namespace

namespace {

TEST(RuntimeRun, KvLengthBeyondTheCacheReadsOnlyTheCache) {
  // attention-kv.mlir: non-causal attention over a 16-key cache with a
  // caller-given kv_length. Every key below kv_length is visible, so any
  // kv_length >= 16 means all 16 keys; a larger one must not read past the
  // caller's buffers.
  seq_model *m = nullptr;
  ASSERT_EQ(seq_model_open((kModels + "/attention-kv.so").c_str(), nullptr,
                           nullptr, &m),
            SEQ_OK)
      << seq_last_error();
  std::vector<float> q(4 * 4 * 8), k(16 * 2 * 8), v(16 * 2 * 8);
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = 0.01f * float(i % 17) - 0.05f;
  for (size_t i = 0; i < k.size(); ++i) {
    k[i] = 0.02f * float(i % 13) - 0.1f;
    v[i] = 0.03f * float(i % 11) - 0.15f;
  }
  auto run = [&](int64_t n) {
    std::vector<float> out(4 * 4 * 8, -1.0f);
    seq_tensor in[4] = {{q.data(), SEQ_DTYPE_F32, 4, {1, 4, 4, 8}},
                        {k.data(), SEQ_DTYPE_F32, 4, {1, 16, 2, 8}},
                        {v.data(), SEQ_DTYPE_F32, 4, {1, 16, 2, 8}},
                        {&n, SEQ_DTYPE_I64, 0, {}}};
    seq_tensor res{out.data(), SEQ_DTYPE_F32, 4, {1, 4, 4, 8}};
    EXPECT_EQ(seq_model_run(m, "run", in, 4, &res, 1), SEQ_OK)
        << seq_last_error();
    return out;
  };
  std::vector<float> full = run(16);
  EXPECT_EQ(run(16 + 1000000), full);
  EXPECT_EQ(run(INT32_MAX), full);
  // Fewer keys do change the result (the comparison above can fail).
  EXPECT_NE(run(8), full);
  seq_model_close(m);
}

} // namespace
