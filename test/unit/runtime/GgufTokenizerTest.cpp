//===- GgufTokenizerTest.cpp - a GGUF file's tokenizer, refused parts -----===//
//
// The ids of GGUF tokenizers are checked against llama.cpp in
// TokenizerTest.cpp (the gguf_* kinds); here, each tokenizer setting seqc
// does not implement is refused with a message naming it, on files built
// by GgufBuilder.h.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"
#include "test/unit/runtime/GgufBuilder.h"

#include "test/unit/runtime/ExpectContains.h"

#include <gtest/gtest.h>

#include <unistd.h>

using seqc::test::GgufBuilder;

namespace {

/// A byte-level BPE vocabulary of the 256 byte characters plus "ab".
GgufBuilder bpe(const std::string &pre) {
  std::vector<std::string> tokens;
  for (int c = 0x21; c <= 0x7e; ++c)
    tokens.push_back(std::string(1, static_cast<char>(c)));
  tokens.push_back("ab");
  tokens.push_back("<|end|>");
  std::vector<int32_t> types(tokens.size(), 1);
  types.back() = 3;
  GgufBuilder b;
  b.string("tokenizer.ggml.model", "gpt2")
      .string("tokenizer.ggml.pre", pre)
      .strings("tokenizer.ggml.tokens", tokens)
      .ints("tokenizer.ggml.token_type", types)
      .strings("tokenizer.ggml.merges", {"a b"});
  return b;
}

/// Opens `b` as a tokenizer; returns "" or the error.
std::string openError(const GgufBuilder &b, std::vector<int32_t> *ids = nullptr,
                      const std::string &text = "") {
  std::string path = ::testing::TempDir() + "/seqc-gguf-tok-" +
                     std::to_string(::getpid()) + ".gguf";
  GgufBuilder::write(path, b.build());
  seq_tokenizer *t = nullptr;
  if (seq_tokenizer_open(path.c_str(), &t) != SEQ_OK)
    return seq_last_error();
  if (ids) {
    ids->resize(64);
    size_t count = 0;
    EXPECT_EQ(seq_tokenizer_encode(t, text.data(), text.size(), 1, ids->data(),
                                   ids->size(), &count),
              SEQ_OK);
    ids->resize(count);
  }
  seq_tokenizer_close(t);
  return "";
}

TEST(GgufTokenizerTest, ReadsASmallByteLevelVocabulary) {
  std::vector<int32_t> ids;
  ASSERT_EQ(openError(bpe("gpt-2"), &ids, "ab<|end|>a"), "");
  // "ab" merged, the control token matched in the text, no BOS (gpt-2).
  EXPECT_EQ(ids, (std::vector<int32_t>{94, 95, 'a' - 0x21}));
}

TEST(GgufTokenizerTest, RefusesWhatItDoesNotImplement) {
  GgufBuilder t5;
  t5.string("tokenizer.ggml.model", "t5");
  EXPECT_CONTAINS(openError(t5), "tokenizer model 't5' is not supported");
  EXPECT_CONTAINS(openError(bpe("deepseek-coder")),
                  "pre-tokenizer 'deepseek-coder' (tokenizer.ggml.pre) is not "
                  "supported");
  GgufBuilder extra = bpe("gpt-2");
  extra.boolean("tokenizer.ggml.clean_spaces", true);
  EXPECT_CONTAINS(openError(extra),
                  "metadata 'tokenizer.ggml.clean_spaces' is not read");
  // Llama-3's pre-tokenizer adds a BOS; without its id that is an error
  // (llama.cpp would add token 11).
  EXPECT_CONTAINS(openError(bpe("llama-bpe")),
                  "'tokenizer.ggml.bos_token_id' is missing");
  GgufBuilder sep = bpe("gpt-2");
  sep.boolean("tokenizer.ggml.add_sep_token", true);
  EXPECT_CONTAINS(openError(sep), "add_sep_token");
  GgufBuilder spm;
  spm.string("tokenizer.ggml.model", "llama")
      .strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a"});
  EXPECT_CONTAINS(openError(spm), "'tokenizer.ggml.scores' is missing");
  GgufBuilder none;
  none.string("general.architecture", "llama");
  EXPECT_CONTAINS(openError(none), "'tokenizer.ggml.model' is missing");
  GgufBuilder shortTypes = bpe("gpt-2");
  shortTypes.ints("tokenizer.ggml.token_type", {1});
  EXPECT_NE(openError(shortTypes), "");
}

} // namespace
