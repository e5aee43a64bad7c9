//===- GgufImportTest.cpp - seqc import gguf fails closed -----------------===//
//
// A tiny Llama GGUF file built in the test (GgufBuilder.h, f32 tensors)
// imports; each variation that changes what the model computes in a way
// seqc does not implement — an unknown metadata key, experts, a rope_freqs
// tensor of the wrong size, an unknown architecture, a missing or unused
// tensor, a
// --weights format — is refused with a message naming the key or tensor,
// a non-zero exit and no output file.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/SeqcUnderTest.h"
#include "test/unit/runtime/GgufBuilder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

using seqc::test::GgufBuilder;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::string arch = "llama";
  bool dropFfnUp = false;
  std::vector<std::pair<std::string, uint32_t>> extraKeys;
  std::vector<std::string> extraTensors;
  size_t ropeFreqs = 0; ///< a rope_freqs tensor of this many factors
};

std::string tinyLlama(const Options &o) {
  GgufBuilder b;
  std::string p = o.arch + ".";
  b.string("general.architecture", o.arch)
      .string("general.name", "tiny")
      .u32(p + "context_length", 64)
      .u32(p + "embedding_length", 32)
      .u32(p + "block_count", 1)
      .u32(p + "feed_forward_length", 64)
      .u32(p + "attention.head_count", 2)
      .u32(p + "attention.head_count_kv", 1)
      .f32(p + "attention.layer_norm_rms_epsilon", 1e-5f)
      .f32(p + "rope.freq_base", 10000.0f)
      .strings("tokenizer.ggml.tokens", {"a", "b"});
  for (const auto &[key, value] : o.extraKeys)
    b.u32(key, value);
  auto t = [&](const std::string &name, std::vector<uint64_t> ne) {
    size_t n = 1;
    for (uint64_t d : ne)
      n *= d;
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i)
      v[i] = 0.01f * static_cast<float>((i * 7) % 13) - 0.05f;
    b.f32Tensor(name, ne, v);
  };
  t("token_embd.weight", {32, 16});
  t("output_norm.weight", {32});
  t("output.weight", {32, 16});
  t("blk.0.attn_norm.weight", {32});
  t("blk.0.attn_q.weight", {32, 32});
  t("blk.0.attn_k.weight", {32, 16});
  t("blk.0.attn_v.weight", {32, 16});
  t("blk.0.attn_output.weight", {32, 32});
  t("blk.0.ffn_norm.weight", {32});
  t("blk.0.ffn_gate.weight", {32, 64});
  if (!o.dropFfnUp)
    t("blk.0.ffn_up.weight", {32, 64});
  t("blk.0.ffn_down.weight", {64, 32});
  for (const std::string &name : o.extraTensors)
    t(name, {32});
  if (o.ropeFreqs) {
    std::vector<float> factors(o.ropeFreqs);
    for (size_t i = 0; i < factors.size(); ++i)
      factors[i] = 1.0f + static_cast<float>(i);
    b.f32Tensor("rope_freqs.weight", {o.ropeFreqs}, factors);
  }
  return b.build();
}

struct JambaOptions {
  std::vector<int32_t> kvHeads = {0, 2, 0, 2}; ///< per layer; 0: Mamba
  std::vector<int> moeLayers = {1, 3};
  bool flatExperts = false; ///< experts as 2-D tensors
};

/// A tiny Jamba file as llama.cpp's converter writes one: per-layer KV
/// heads, stacked experts [experts, out, in].
std::string tinyJamba(const JambaOptions &o) {
  GgufBuilder b;
  b.string("general.architecture", "jamba")
      .u32("jamba.context_length", 64)
      .u32("jamba.embedding_length", 32)
      .u32("jamba.block_count", static_cast<uint32_t>(o.kvHeads.size()))
      .u32("jamba.feed_forward_length", 64)
      .u32("jamba.attention.head_count", 2)
      .ints("jamba.attention.head_count_kv", o.kvHeads)
      .u32("jamba.ssm.conv_kernel", 4)
      .u32("jamba.ssm.inner_size", 64)
      .u32("jamba.ssm.state_size", 8)
      .u32("jamba.ssm.time_step_rank", 2)
      .f32("jamba.attention.layer_norm_rms_epsilon", 1e-6f)
      .u32("jamba.expert_count", 4)
      .u32("jamba.expert_used_count", 2);
  auto t = [&](const std::string &name, std::vector<uint64_t> ne) {
    size_t n = 1;
    for (uint64_t d : ne)
      n *= d;
    b.f32Tensor(name, ne, std::vector<float>(n, -0.5f));
  };
  t("token_embd.weight", {32, 16});
  t("output_norm.weight", {32});
  t("output.weight", {32, 16});
  for (size_t i = 0; i < o.kvHeads.size(); ++i) {
    std::string l = "blk." + std::to_string(i) + ".";
    t(l + "attn_norm.weight", {32});
    t(l + "ffn_norm.weight", {32});
    if (o.kvHeads[i] == 0) {
      t(l + "ssm_in.weight", {32, 128});
      t(l + "ssm_conv1d.weight", {4, 64});
      t(l + "ssm_conv1d.bias", {64});
      t(l + "ssm_x.weight", {64, 18});
      t(l + "ssm_dt.weight", {2, 64});
      t(l + "ssm_dt.bias", {64});
      t(l + "ssm_dt_norm.weight", {2});
      t(l + "ssm_b_norm.weight", {8});
      t(l + "ssm_c_norm.weight", {8});
      t(l + "ssm_a", {8, 64});
      t(l + "ssm_d", {64});
      t(l + "ssm_out.weight", {64, 32});
    } else {
      uint64_t kv = 16 * static_cast<uint64_t>(o.kvHeads[i]);
      t(l + "attn_q.weight", {32, 32});
      t(l + "attn_k.weight", {32, kv});
      t(l + "attn_v.weight", {32, kv});
      t(l + "attn_output.weight", {32, 32});
    }
    bool moe = std::find(o.moeLayers.begin(), o.moeLayers.end(),
                         static_cast<int>(i)) != o.moeLayers.end();
    if (!moe) {
      t(l + "ffn_gate.weight", {32, 64});
      t(l + "ffn_up.weight", {32, 64});
      t(l + "ffn_down.weight", {64, 32});
      continue;
    }
    t(l + "ffn_gate_inp.weight", {32, 4});
    if (o.flatExperts)
      t(l + "ffn_gate_exps.weight", {32, 256});
    else
      t(l + "ffn_gate_exps.weight", {32, 64, 4});
    t(l + "ffn_up_exps.weight", {32, 64, 4});
    t(l + "ffn_down_exps.weight", {64, 32, 4});
  }
  return b.build();
}

/// Runs `seqc import gguf` on `bytes` (+ `flags`); returns the exit status
/// and what it printed.
/// A folder of this test's own (ctest runs the tests of this file in
/// parallel processes).
std::string workDir() {
  const ::testing::TestInfo *test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "/seqc-gguf-import-" + test->name() + "-" +
         std::to_string(::getpid());
}

std::pair<int, std::string> import(const std::string &bytes,
                                   const std::string &flags = "") {
  std::string dir = workDir();
  fs::create_directories(dir);
  std::string gguf = dir + "/m.gguf", out = dir + "/m.mlir",
              log = dir + "/log.txt";
  fs::remove(out);
  GgufBuilder::write(gguf, bytes);
  int status = std::system((seqc::test::seqcExecutable() + " import gguf " +
                            gguf + " -o " + out + flags + " > " + log + " 2>&1")
                               .c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  if (status != 0)
    EXPECT_FALSE(fs::exists(out)) << "a failed import left " << out;
  return {status, text.str()};
}

#define EXPECT_REFUSED(result, needle)                                         \
  do {                                                                         \
    auto r_ = (result);                                                        \
    EXPECT_NE(r_.first, 0);                                                    \
    EXPECT_NE(r_.second.find(needle), std::string::npos)                       \
        << "\"" << r_.second << "\" does not contain \"" << (needle) << "\"";  \
  } while (false)

TEST(GgufImportTest, ImportsATinyLlama) {
  auto [status, text] = import(tinyLlama({}));
  EXPECT_EQ(status, 0) << text;
}

TEST(GgufImportTest, RefusesUnknownMetadata) {
  Options o;
  o.extraKeys = {{"llama.attention.clamp_kqv", 8}};
  EXPECT_REFUSED(import(tinyLlama(o)),
                 "metadata 'llama.attention.clamp_kqv' (8) is not read");
}

TEST(GgufImportTest, RefusesExperts) {
  Options o;
  o.extraKeys = {{"llama.expert_count", 8}, {"llama.expert_used_count", 2}};
  EXPECT_REFUSED(import(tinyLlama(o)), "mixture-of-experts");
}

TEST(GgufImportTest, ReadsRopeFreqs) {
  // Llama 3.1's scaling as the converter stores it: one factor per rotated
  // pair (head size 16: 8), baked into seq.rope.
  Options o;
  o.ropeFreqs = 8;
  auto [status, text] = import(tinyLlama(o));
  ASSERT_EQ(status, 0) << text;
  std::ifstream in(workDir() + "/m.mlir");
  std::stringstream mlir;
  mlir << in.rdbuf();
  EXPECT_NE(mlir.str().find("frequency_factors = array<f64: 1.0"),
            std::string::npos);
  o.ropeFreqs = 32;
  EXPECT_REFUSED(import(tinyLlama(o)),
                 "'rope_freqs.weight' has 32 factors; the head size 16 "
                 "rotates 8 pairs");
}

TEST(GgufImportTest, RefusesUnknownArchitecture) {
  Options o;
  o.arch = "phi3";
  EXPECT_REFUSED(import(tinyLlama(o)),
                 "architecture 'phi3' is not supported; supported: llama, "
                 "qwen2, gpt2, mamba, mamba2, bert, jamba");
}

TEST(GgufImportTest, ImportsATinyJamba) {
  auto [status, text] = import(tinyJamba({}));
  ASSERT_EQ(status, 0) << text;
  // Attention and MoE every 2nd layer from 1; the experts stacked.
  std::ifstream in(workDir() + "/m.mlir");
  std::stringstream mlir;
  mlir << in.rdbuf();
  EXPECT_NE(mlir.str().find("seq.moe"), std::string::npos);
  EXPECT_NE(mlir.str().find("model.layers.3.feed_forward.experts.{}.down_proj."
                            "weight"),
            std::string::npos);
}

TEST(GgufImportTest, RefusesJambaLayersWithoutAPeriod) {
  // transformers places attention (and MoE) layers every n-th from an
  // offset; layers 1 and 2 follow none.
  JambaOptions o;
  o.kvHeads = {0, 2, 2, 0};
  EXPECT_REFUSED(import(tinyJamba(o)),
                 "'jamba.attention.head_count_kv' places attention layers "
                 "other than every n-th");
  o = {};
  o.moeLayers = {0, 1};
  EXPECT_REFUSED(import(tinyJamba(o)), "'jamba.expert_count' is used by "
                                       "layers other than every n-th");
  o = {};
  o.kvHeads = {0, 2, 0, 1};
  EXPECT_REFUSED(import(tinyJamba(o)), "different KV head counts");
}

TEST(GgufImportTest, RefusesExpertsNotStacked) {
  JambaOptions o;
  o.flatExperts = true;
  EXPECT_REFUSED(import(tinyJamba(o)),
                 "'blk.1.ffn_gate_exps.weight' is F32 of 2 dimensions; seqc "
                 "reads experts as [experts, out, in] tensors");
}

TEST(GgufImportTest, NamesMissingTensorsBothWays) {
  Options o;
  o.dropFfnUp = true;
  EXPECT_REFUSED(import(tinyLlama(o)),
                 "missing tensor 'model.layers.0.mlp.up_proj.weight' (GGUF "
                 "'blk.0.ffn_up.weight')");
}

TEST(GgufImportTest, RefusesUnusedTensors) {
  Options o;
  o.extraTensors = {"blk.0.attn_q_norm.weight"};
  EXPECT_REFUSED(import(tinyLlama(o)), "'blk.0.attn_q_norm.weight'");
}

TEST(GgufImportTest, RefusesWeightFormats) {
  EXPECT_REFUSED(import(tinyLlama({}), " --weights=q8_0"),
                 "--weights applies to Hugging Face folders");
}

TEST(GgufImportTest, RefusesSplitFiles) {
  Options o;
  o.extraKeys = {{"split.count", 3}};
  EXPECT_REFUSED(import(tinyLlama(o)), "llama-gguf-split --merge");
}

TEST(GgufImportTest, RefusesOtherFiles) {
  EXPECT_REFUSED(import("not a gguf file at all"), "not a GGUF file");
}

} // namespace
