//===- HfGoldenTest.cpp - imported HF models against transformers ---------===//
//
// For every model folder in test/Frontends/hf/goldens (tiny random-weight
// models saved by tools/goldens/make_hf_goldens.py, with transformers'
// logits): `seqc import hf`, `seqc`, then through the runtime API:
//   - prefill logits of every prompt position match transformers';
//   - each of the 8 decode steps (run incrementally on the session's KV cache
//     and SSM state) matches, and the greedy continuation is identical.
// Encoders (BERT) compare their last hidden state and mean pooling instead.
// A case's import_flags.txt adds `seqc import hf` flags (--weights=bf16;
// --weights=q8_0|q4_0|..., which run with the weights file the import
// writes, as GPTQ and AWQ checkpoints do).
//
// Tolerance, per logits row set: max |seqc - transformers| <=
// 1e-4 * max(1, max |transformers|): float32 end to end, with seqc's
// contractions summed in a different order than PyTorch's.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/SeqcUnderTest.h"
#include "test/unit/reference/GoldenLoader.h"

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using seqref::golden::NpyArray;

namespace {

const double kTolerance = 1e-4;
/// seqc against itself (chunked vs whole prefill, decode steps vs prefill):
/// the multi-row kernels and the one-row decode kernels sum in different
/// orders, and affine blocks (Q5_1, Q4_K) add offset · Σx apart. On AMX
/// hosts the multi-row block-quantized kernel reads x as two bf16 terms
/// (2^-17 relative, ~8x f32's rounding); through xLSTM's normalised
/// read-out (xlstm_fused_bias_q8_0) that measures 2.53e-5 (6.8e-7 without
/// AMX), so the bound is twice that.
const double kSelfTolerance = 5e-5;

/// The golden cases in `root`: Hugging Face folders (config.json) or GGUF
/// files (model.gguf, tools/goldens/make_gguf_goldens.py).
std::vector<std::string> goldenModels(const char *root = SEQC_HF_GOLDENS_DIR) {
  std::vector<std::string> names;
  if (!fs::is_directory(root))
    return names;
  for (const auto &entry : fs::directory_iterator(root))
    if (fs::exists(entry.path() / "config.json") ||
        fs::exists(entry.path() / "model.gguf"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<float> floats(const NpyArray &a) {
  std::vector<float> out(a.bytes.size() / 4);
  std::memcpy(out.data(), a.bytes.data(), out.size() * 4);
  return out;
}

std::vector<int64_t> ints(const NpyArray &a) {
  std::vector<int64_t> out(a.bytes.size() / 8);
  std::memcpy(out.data(), a.bytes.data(), out.size() * 8);
  return out;
}

NpyArray load(const std::string &path) {
  NpyArray a;
  std::string error;
  EXPECT_TRUE(seqref::golden::loadNpy(path, a, error)) << error;
  return a;
}

/// max |a - b| / max(1, max |b|) over n values.
double relativeError(const float *a, const float *b, size_t n) {
  double worst = 0, scale = 1;
  for (size_t i = 0; i < n; ++i) {
    worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(double(b[i])));
    if (std::isnan(a[i]))
      return INFINITY;
  }
  return worst / scale;
}

size_t argmax(const float *v, size_t n) {
  return std::max_element(v, v + n) - v;
}

class HfGoldenTest : public ::testing::TestWithParam<std::string> {};

/// Imports golden model `name` (with `importFlags`), compiles it and checks
/// prefill, chunked prefill and cached decode against transformers.
void checkAgainstTransformers(const std::string &name,
                              const std::string &importFlags,
                              const std::string &workName,
                              const char *root = SEQC_HF_GOLDENS_DIR) {
  std::string dir = std::string(root) + "/" + name;
  // A GGUF case: `seqc import gguf`, and the model reads the file itself.
  std::string gguf = dir + "/model.gguf";
  bool isGguf = fs::exists(gguf);
  std::string work = ::testing::TempDir() + "/seqc-hf-" + workName;
  ASSERT_EQ(std::system(("mkdir -p " + work).c_str()), 0);
  std::string mlir = work + "/model.mlir", so = work + "/model.so";
  std::string log = " 2> " + work + "/seqc.log";
  // --weights=q8_0 (and a GPTQ/AWQ checkpoint) writes the quantized weights
  // next to the model; the model then runs with that file instead of the
  // checkpoint.
  std::ifstream configFile(dir + "/config.json");
  std::string config((std::istreambuf_iterator<char>(configFile)),
                     std::istreambuf_iterator<char>());
  std::string format;
  for (const char *f : {"q8_0", "q4_0", "q4_1", "q4_g128"})
    if (importFlags.find(std::string("--weights=") + f) != std::string::npos)
      format = f;
  for (const char *f : {"gptq", "awq"})
    if (config.find(std::string("\"quant_method\": \"") + f + "\"") !=
        std::string::npos)
      format = f;
  for (const char *f : {"q8_0", "q4_0", "q4_1", "q4_g128", "gptq", "awq"})
    fs::remove(work + "/model." + f + ".safetensors");
  std::string quantized =
      format.empty() ? "" : work + "/model." + format + ".safetensors";
  ASSERT_EQ(
      std::system((seqc::test::seqcExecutable() +
                   (isGguf ? " import gguf " + gguf : " import hf " + dir) +
                   " -o " + mlir + " --max-positions 64" + importFlags + log)
                      .c_str()),
      0)
      << "seqc import failed; see " << work << "/seqc.log";
  // SEQC_TEST_TARGET=cuda runs the same checks on a GPU (docs/gpu.md).
  const char *target = std::getenv("SEQC_TEST_TARGET");
  ASSERT_EQ(
      std::system((seqc::test::seqcExecutable() + " " + mlir + " -o " + so +
                   (target ? std::string(" --target=") + target : "") + log)
                      .c_str()),
      0)
      << "seqc failed; see " << work << "/seqc.log";
  if (seqc::test::compileOnly())
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";
  seq_model *model = nullptr;
  std::string weights = isGguf ? gguf : dir;
  if (!format.empty()) {
    ASSERT_TRUE(fs::exists(quantized))
        << "a " << format << " import must write " << quantized;
    weights = quantized;
  }
  for (const auto &entry : fs::directory_iterator(work))
    if (entry.path().extension() == ".safetensors")
      ASSERT_EQ(entry.path().string(), quantized)
          << "the import wrote an unexpected weights file";
  ASSERT_EQ(seq_model_open(so.c_str(), weights.c_str(), nullptr, &model),
            SEQ_OK)
      << seq_last_error();
  std::vector<int64_t> prompt = ints(load(dir + "/prompt.npy"));

  if (fs::exists(dir + "/embeddings.npy")) {
    // An encoder: last hidden state and mean pooling.
    NpyArray hiddenRef = load(dir + "/embeddings.npy");
    std::vector<float> hidden(hiddenRef.bytes.size() / 4);
    int64_t dim = hiddenRef.shape.back();
    std::vector<float> pooled(dim);
    seq_tensor in{prompt.data(), SEQ_DTYPE_I64, 2, {1, int64_t(prompt.size())}};
    seq_tensor outs[2] = {
        {hidden.data(), SEQ_DTYPE_F32, 3, {1, int64_t(prompt.size()), dim}},
        {pooled.data(), SEQ_DTYPE_F32, 2, {1, dim}}};
    ASSERT_EQ(seq_model_run(model, "embed", &in, 1, outs, 2), SEQ_OK)
        << seq_last_error();
    EXPECT_LE(
        relativeError(hidden.data(), floats(hiddenRef).data(), hidden.size()),
        kTolerance);
    EXPECT_LE(relativeError(pooled.data(),
                            floats(load(dir + "/mean_pooled.npy")).data(), dim),
              kTolerance);
    seq_model_close(model);
    return;
  }

  std::vector<float> prefillRef = floats(load(dir + "/prefill_logits.npy"));
  std::vector<int64_t> tokens = ints(load(dir + "/decode_tokens.npy"));
  std::vector<float> decodeRef = floats(load(dir + "/decode_logits.npy"));
  size_t vocab = seq_model_vocab_size(model);
  ASSERT_EQ(prefillRef.size(), prompt.size() * vocab);

  seq_session *session = nullptr;
  ASSERT_EQ(seq_session_create(model, nullptr, &session), SEQ_OK);
  std::vector<int32_t> ids(prompt.begin(), prompt.end());
  const float *logits = nullptr;
  ASSERT_EQ(seq_prefill(session, ids.data(), ids.size(), &logits), SEQ_OK)
      << seq_last_error();
  const float *all;
  size_t rows, cols;
  ASSERT_EQ(seq_session_logits(session, &all, &rows, &cols), SEQ_OK);
  double prefillError = relativeError(all, prefillRef.data(), rows * cols);
  EXPECT_LE(prefillError, kTolerance) << "prefill logits";

  // Chunked prefill (3 tokens per model call, the last chunk shorter) fills
  // the same caches and scan states: the same logits at every position.
  {
    seq_session_options options;
    seq_session_options_init(&options);
    options.prefill_chunk = 3;
    seq_session *chunked = nullptr;
    ASSERT_EQ(seq_session_create(model, &options, &chunked), SEQ_OK);
    ASSERT_EQ(seq_prefill(chunked, ids.data(), ids.size(), nullptr), SEQ_OK)
        << seq_last_error();
    const float *chunkedAll;
    size_t chunkedRows, chunkedCols;
    ASSERT_EQ(
        seq_session_logits(chunked, &chunkedAll, &chunkedRows, &chunkedCols),
        SEQ_OK);
    ASSERT_EQ(chunkedRows, rows);
    EXPECT_EQ(seq_session_position(chunked), ids.size());
    EXPECT_LE(relativeError(chunkedAll, prefillRef.data(), rows * cols),
              kTolerance)
        << "chunked prefill vs transformers";
    EXPECT_LE(relativeError(chunkedAll, all, rows * cols), kSelfTolerance)
        << "chunked vs one-call prefill";
    seq_session_destroy(chunked);
  }
  // Last-position logits only (prefill_last), chunked too: one row, the
  // prompt's last.
  {
    seq_session_options options;
    seq_session_options_init(&options);
    options.last_logits_only = 1;
    options.prefill_chunk = 4;
    seq_session *last = nullptr;
    ASSERT_EQ(seq_session_create(model, &options, &last), SEQ_OK);
    const float *lastLogits = nullptr;
    ASSERT_EQ(seq_prefill(last, ids.data(), ids.size(), &lastLogits), SEQ_OK)
        << seq_last_error();
    const float *lastAll;
    size_t lastRows, lastCols;
    ASSERT_EQ(seq_session_logits(last, &lastAll, &lastRows, &lastCols), SEQ_OK);
    EXPECT_EQ(lastRows, 1u);
    EXPECT_EQ(lastLogits, lastAll);
    EXPECT_LE(relativeError(lastAll, &prefillRef[(rows - 1) * cols], cols),
              kTolerance)
        << "last-position prefill vs transformers";
    seq_session_destroy(last);
  }
  // Step k's logits chose tokens[k]; step 0's are the prompt's last row.
  double decodeError = 0;
  std::vector<float> decoded; // each step's logits, for the check below
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (k > 0) {
      ASSERT_EQ(seq_decode(session, int32_t(tokens[k - 1]), &logits), SEQ_OK)
          << seq_last_error();
    }
    decoded.insert(decoded.end(), logits, logits + vocab);
    double e = relativeError(logits, &decodeRef[k * vocab], vocab);
    decodeError = std::max(decodeError, e);
    EXPECT_LE(e, kTolerance) << "decode step " << k;
    EXPECT_EQ(argmax(logits, vocab), size_t(tokens[k]))
        << "greedy token " << k << " differs";
  }
  // Decode after prefill equals prefill of the longer sequence: one call
  // over prompt + the decoded tokens gives the same logits at those rows.
  {
    std::vector<int32_t> longer(ids);
    longer.insert(longer.end(), tokens.begin(), tokens.end() - 1);
    seq_session *whole = nullptr;
    ASSERT_EQ(seq_session_create(model, nullptr, &whole), SEQ_OK);
    ASSERT_EQ(seq_prefill(whole, longer.data(), longer.size(), nullptr), SEQ_OK)
        << seq_last_error();
    const float *wholeAll;
    size_t wholeRows, wholeCols;
    ASSERT_EQ(seq_session_logits(whole, &wholeAll, &wholeRows, &wholeCols),
              SEQ_OK);
    ASSERT_EQ(wholeRows, longer.size());
    EXPECT_LE(relativeError(wholeAll + (ids.size() - 1) * vocab, decoded.data(),
                            decoded.size()),
              kSelfTolerance)
        << "decode steps vs prefill of the longer sequence";
    seq_session_destroy(whole);
  }
  ::testing::Test::RecordProperty("prefill_error",
                                  std::to_string(prefillError));
  ::testing::Test::RecordProperty("decode_error", std::to_string(decodeError));
  std::printf("%s: prefill %.2e, decode %.2e (relative max error)\n",
              workName.c_str(), prefillError, decodeError);
  seq_session_destroy(session);
  seq_model_close(model);
}

TEST_P(HfGoldenTest, MatchesTransformers) {
  // A case may need import flags (import_flags.txt, e.g. --weights=bf16).
  std::ifstream flagsFile(std::string(SEQC_HF_GOLDENS_DIR) + "/" + GetParam() +
                          "/import_flags.txt");
  std::string flags;
  std::getline(flagsFile, flags);
  checkAgainstTransformers(GetParam(), flags.empty() ? "" : " " + flags,
                           GetParam());
}

// A bf16 checkpoint imported with the default --weights=auto keeps its
// projections in bf16; --weights=f32 widens them at load: the same numbers.
TEST(HfGoldenWeights, Bf16CheckpointKeptNarrowOrWidened) {
  checkAgainstTransformers("llama_bf16", " --weights=f32", "llama_bf16_f32");
  std::string narrow = ::testing::TempDir() + "/seqc-hf-llama_bf16_auto.mlir";
  ASSERT_EQ(std::system((seqc::test::seqcExecutable() + " import hf " +
                         SEQC_HF_GOLDENS_DIR + "/llama_bf16 -o " + narrow)
                            .c_str()),
            0);
  std::ifstream in(narrow);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("q_proj.weight\" : tensor<64x64xbf16>"),
            std::string::npos)
      << "expected bf16 projection weights from --weights=auto";
  EXPECT_NE(text.str().find("embed_tokens.weight\" : tensor<128x64xbf16>"),
            std::string::npos)
      << "expected a bf16 embedding table";
  EXPECT_NE(text.str().find("norm.weight\" : tensor<64xf32>"),
            std::string::npos)
      << "expected f32 norm weights";
  std::ifstream wide(::testing::TempDir() +
                     "/seqc-hf-llama_bf16_f32/model.mlir");
  std::stringstream wideText;
  wideText << wide.rdbuf();
  EXPECT_EQ(wideText.str().find("bf16"), std::string::npos)
      << "--weights=f32 left a bf16 weight";
}

// Mistral's sliding window (5) on ring caches: 3 tokens per call gives
// rings of 5 + 3 - 1 = 7 slots, so the 13-token prompt and the decode steps
// wrap around them several times; the logits still match transformers.
TEST(HfGoldenRing, MistralSlidingWindowOnRingCaches) {
  checkAgainstTransformers("mistral_sliding", " --max-tokens-per-call 3",
                           "mistral_ring");
  std::ifstream in(::testing::TempDir() + "/seqc-hf-mistral_ring/model.mlir");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("ring"), std::string::npos);
  EXPECT_NE(text.str().find("tensor<1x7x"), std::string::npos)
      << "expected 7-slot KV rings";
  EXPECT_NE(text.str().find("seq.max_tokens_per_call = 3"), std::string::npos);
}

// Every architecture has a golden, and one whose projections are
// block-quantized (--weights=q8_0/q4_*, or a GPTQ/AWQ checkpoint).
TEST(HfGoldenCoverage, EveryArchitectureHasAGolden) {
  std::string configs, quantized;
  for (const std::string &model : goldenModels()) {
    std::string dir = std::string(SEQC_HF_GOLDENS_DIR) + "/" + model;
    std::ifstream in(dir + "/config.json"), flags(dir + "/import_flags.txt");
    std::string config((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
    std::string flag;
    std::getline(flags, flag);
    configs += config;
    if (flag.find("--weights=q") != std::string::npos ||
        config.find("\"quantization_config\"") != std::string::npos)
      quantized += config;
  }
  for (const char *arch :
       {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM",
        "GPT2LMHeadModel", "MambaForCausalLM", "Mamba2ForCausalLM",
        "JambaForCausalLM", "BertModel", "Lfm2ForCausalLM", "BambaForCausalLM",
        "GraniteMoeHybridForCausalLM", "FalconH1ForCausalLM",
        "NemotronHForCausalLM", "Zamba2ForCausalLM",
        "RecurrentGemmaForCausalLM", "Qwen3NextForCausalLM",
        "Lfm2MoeForCausalLM", "RwkvForCausalLM", "xLSTMForCausalLM"}) {
    std::string quoted = std::string("\"") + arch + "\"";
    EXPECT_NE(configs.find(quoted), std::string::npos)
        << "no golden model for " << arch;
    EXPECT_NE(quantized.find(quoted), std::string::npos)
        << "no block-quantized golden model for " << arch;
  }
}

INSTANTIATE_TEST_SUITE_P(Goldens, HfGoldenTest,
                         ::testing::ValuesIn(goldenModels()),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           return info.param;
                         });

// GGUF files made by llama.cpp's converter and quantizer, against
// transformers' forward on the same file (its own dequantization): every
// block type seqc reads, llama.cpp's K-quant mixes, Llama's reordered
// query/key rows and Qwen2's biases.
class GgufGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufGoldenTest, MatchesTransformers) {
  checkAgainstTransformers(GetParam(), "", "gguf-" + GetParam(),
                           SEQC_GGUF_GOLDENS_DIR);
}

INSTANTIATE_TEST_SUITE_P(
    Goldens, GgufGoldenTest,
    ::testing::ValuesIn(goldenModels(SEQC_GGUF_GOLDENS_DIR)),
    [](const ::testing::TestParamInfo<std::string> &info) {
      return info.param;
    });

} // namespace
