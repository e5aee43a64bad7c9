//===- TokenizerTest.cpp - tokenizer.json against the tokenizers wheel ----===//
//
// For tokenizers trained on a multilingual corpus with the `tokenizers` and
// `sentencepiece` wheels (tools/goldens/make_tokenizer_goldens.py):
// byte-level BPE (GPT-2's regex with and without a prefix space, Llama-3's
// and Qwen2's split regexes with a BOS template, Qwen2's with its NFC
// normalizer), SentencePiece BPE with byte fallback (Llama-2's legacy
// normalizer form, Mistral's Metaspace form), WordPiece (BERT uncased and
// cased) and SentencePiece Unigram with its precompiled NFKC map (as
// tokenizers' from_spm and as transformers' T5 conversion write it): every
// corpus text encodes to the wheel's ids exactly; ids (of corpus texts and
// random sequences) decode to the wheel's text; decoding the ids without
// special tokens added gives the text back where the tokenizer is lossless;
// streaming decode equals full decode. Plus the refusals: missing files,
// malformed JSON, kinds not implemented, invalid UTF-8, ids out of range,
// buffers too small.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

const std::string kDir = SEQC_TOKENIZER_GOLDENS_DIR;

std::vector<std::string> corpus() {
  std::vector<std::string> texts;
  std::ifstream in(kDir + "/corpus.jsonl");
  for (std::string line; std::getline(in, line);)
    texts.push_back(nlohmann::json::parse(line).get<std::string>());
  return texts;
}

template <typename T> std::vector<T> readBinary(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  std::vector<T> out(bytes.size() / sizeof(T));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

struct Tok {
  seq_tokenizer *t = nullptr;
  ~Tok() { seq_tokenizer_close(t); }
};

std::vector<int32_t> encode(seq_tokenizer *t, const std::string &text,
                            bool special) {
  size_t count = 0;
  seq_status s = seq_tokenizer_encode(t, text.data(), text.size(), special,
                                      nullptr, 0, &count);
  std::vector<int32_t> ids(count);
  if (count)
    EXPECT_EQ(s, SEQ_ERROR_CAPACITY);
  EXPECT_EQ(seq_tokenizer_encode(t, text.data(), text.size(), special,
                                 ids.data(), ids.size(), &count),
            SEQ_OK)
      << seq_last_error();
  return ids;
}

std::string decode(seq_tokenizer *t, const std::vector<int32_t> &ids,
                   bool skipSpecial) {
  size_t length = 0;
  seq_tokenizer_decode(t, ids.data(), ids.size(), skipSpecial, nullptr, 0,
                       &length);
  std::string text(length + 1, '\0');
  EXPECT_EQ(seq_tokenizer_decode(t, ids.data(), ids.size(), skipSpecial,
                                 text.data(), text.size(), &length),
            SEQ_OK)
      << seq_last_error();
  text.resize(length);
  return text;
}

/// The concatenated pieces of streaming `ids` through a detokenizer.
std::string streamed(seq_tokenizer *t, const std::vector<int32_t> &ids,
                     bool skipSpecial) {
  seq_detokenizer *stream = nullptr;
  EXPECT_EQ(seq_detokenizer_create(t, skipSpecial, &stream), SEQ_OK);
  std::string pieces;
  const char *piece = nullptr;
  size_t length = 0;
  for (int32_t id : ids) {
    EXPECT_EQ(seq_detokenizer_push(stream, id, &piece, &length), SEQ_OK)
        << seq_last_error();
    pieces.append(piece, length);
  }
  EXPECT_EQ(seq_detokenizer_flush(stream, &piece, &length), SEQ_OK);
  pieces.append(piece, length);
  seq_detokenizer_destroy(stream);
  return pieces;
}

struct Kind {
  const char *name;
  size_t vocabSize;
  /// decode(encode(text)) == text: byte-level BPE without a prefix space
  /// or normalizer, and SentencePiece's legacy form...
  bool lossless;
  /// ...except for texts holding these (Llama-2's legacy form puts a space
  /// after each special token in the text).
  std::vector<std::string> losslessExcept = {};
};

void PrintTo(const Kind &kind, std::ostream *os) { *os << kind.name; }

class TokenizerGoldenTest : public ::testing::TestWithParam<Kind> {};

/// What a kind's tokenizer is read from: its folder's tokenizer.json, or
/// the GGUF file of the gguf_* kinds (ids from llama.cpp's tokenizer).
std::string tokenizerPath(const std::string &dir) {
  std::ifstream gguf(dir + "/vocab.gguf");
  return gguf ? dir + "/vocab.gguf" : dir;
}

TEST_P(TokenizerGoldenTest, MatchesTheWheel) {
  std::string dir = kDir + "/" + GetParam().name;
  Tok tok;
  ASSERT_EQ(seq_tokenizer_open(tokenizerPath(dir).c_str(), &tok.t), SEQ_OK)
      << seq_last_error();
  EXPECT_EQ(seq_tokenizer_vocab_size(tok.t), GetParam().vocabSize);
  std::vector<std::string> texts = corpus();
  ASSERT_GE(texts.size(), 5000u);
  std::vector<uint16_t> ids = readBinary<uint16_t>(dir + "/ids.u16");
  std::vector<uint32_t> counts = readBinary<uint32_t>(dir + "/counts.u32");
  ASSERT_EQ(counts.size(), texts.size());
  size_t at = 0, mismatches = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int32_t> expected(ids.begin() + at,
                                  ids.begin() + at + counts[i]);
    at += counts[i];
    std::vector<int32_t> got = encode(tok.t, texts[i], true);
    if (got != expected && ++mismatches <= 5)
      ADD_FAILURE() << GetParam().name << " text " << i << " '" << texts[i]
                    << "': " << got.size() << " ids, expected "
                    << expected.size();
    // Lossless: the text back from its ids without the template's tokens.
    bool except = false;
    for (const std::string &marker : GetParam().losslessExcept)
      except = except || texts[i].find(marker) != std::string::npos;
    if (GetParam().lossless && !except) {
      std::vector<int32_t> plain = encode(tok.t, texts[i], false);
      ASSERT_EQ(decode(tok.t, plain, false), texts[i]) << "text " << i;
    }
    // Streaming decode equals full decode.
    EXPECT_EQ(streamed(tok.t, got, false), decode(tok.t, got, false))
        << "text " << i;
  }
  EXPECT_EQ(mismatches, 0u) << "texts whose ids differ from the wheel's";
}

TEST_P(TokenizerGoldenTest, DecodesAsTheWheel) {
  std::string dir = kDir + "/" + GetParam().name;
  Tok tok;
  ASSERT_EQ(seq_tokenizer_open(tokenizerPath(dir).c_str(), &tok.t), SEQ_OK)
      << seq_last_error();
  std::ifstream in(dir + "/decode.jsonl");
  size_t cases = 0, mismatches = 0;
  for (std::string line; std::getline(in, line); ++cases) {
    nlohmann::json c = nlohmann::json::parse(line);
    std::vector<int32_t> ids = c["ids"].get<std::vector<int32_t>>();
    bool skip = c["skip"].get<bool>();
    std::string expected = c["text"].get<std::string>();
    std::string got = decode(tok.t, ids, skip);
    if (got != expected && ++mismatches <= 5)
      ADD_FAILURE() << GetParam().name << " case " << cases << ": '" << got
                    << "', the wheel gives '" << expected << "'";
    EXPECT_EQ(streamed(tok.t, ids, skip), got) << "case " << cases;
  }
  EXPECT_GE(cases, 600u);
  EXPECT_EQ(mismatches, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, TokenizerGoldenTest,
    ::testing::Values(Kind{"gpt2", 1200, true},
                      Kind{"gpt2_prefix_space", 1200, false},
                      Kind{"llama3", 1200, true}, Kind{"qwen2", 1200, true},
                      Kind{"qwen2_nfc", 1200, false},
                      Kind{"llama2", 1500, true, {"<s>", "</s>"}},
                      Kind{"mistral", 1500, false}, Kind{"bert", 1277, false},
                      Kind{"bert_cased", 1960, false},
                      Kind{"unigram", 1500, false}, Kind{"t5", 1500, false},
                      Kind{"gguf_llama2", 1500, true, {"<s>", "</s>"}},
                      Kind{"gguf_llama3", 1200, true},
                      Kind{"gguf_qwen2", 1200, true},
                      Kind{"gguf_gpt2", 1200, true}),
    [](const ::testing::TestParamInfo<Kind> &info) {
      return std::string(info.param.name);
    });

/// Writes `json` to a temporary tokenizer.json; returns its path.
std::string writeTokenizer(const std::string &name, const std::string &json) {
  std::string path = ::testing::TempDir() + "/seqc-tokenizer-" + name + ".json";
  std::ofstream(path) << json;
  return path;
}

/// The gpt2 golden's JSON with `edit` applied.
std::string edited(const std::function<void(nlohmann::json &)> &edit) {
  std::ifstream in(kDir + "/gpt2/tokenizer.json");
  nlohmann::json j = nlohmann::json::parse(in);
  edit(j);
  return j.dump();
}

std::string refusal(const std::string &path) {
  seq_tokenizer *t = nullptr;
  seq_status s = seq_tokenizer_open(path.c_str(), &t);
  EXPECT_NE(s, SEQ_OK);
  EXPECT_EQ(t, nullptr);
  seq_tokenizer_close(t);
  return seq_last_error();
}

TEST(TokenizerRefusalTest, NamesTheProblem) {
  EXPECT_NE(refusal("/nonexistent/dir").find("cannot read"), std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("malformed", "{\"model\": [1, 2"))
                .find("malformed"),
            std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("wordlevel", edited([](nlohmann::json &j) {
                                     j["model"]["type"] = "WordLevel";
                                   })))
                .find("model 'WordLevel' is not implemented"),
            std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("nmt", edited([](nlohmann::json &j) {
                                     j["normalizer"] = {{"type", "Nmt"}};
                                   })))
                .find("normalizer 'Nmt'"),
            std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("charsmap", edited([](nlohmann::json &j) {
                                     j["normalizer"] = {
                                         {"type", "Precompiled"},
                                         {"precompiled_charsmap", "AAAA!"}};
                                   })))
                .find("not base64"),
            std::string::npos);
  // A setting seqc does not know is refused, not ignored.
  EXPECT_NE(refusal(writeTokenizer("setting", edited([](nlohmann::json &j) {
                                     j["pre_tokenizer"]["future"] = 1;
                                   })))
                .find("pre_tokenizer 'ByteLevel' has setting 'future'"),
            std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("strip", edited([](nlohmann::json &j) {
                                     j["decoder"] = {{"type", "Strip"},
                                                     {"content", " "},
                                                     {"start", 0},
                                                     {"stop", 1}};
                                   })))
                .find("'stop' 1"),
            std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("truncation", edited([](nlohmann::json &j) {
                                     j["truncation"] = {
                                         {"max_length", 8},
                                         {"strategy", "OnlySecond"},
                                         {"stride", 0},
                                         {"direction", "Right"}};
                                   })))
                .find("strategy 'OnlySecond'"),
            std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("flag", edited([](nlohmann::json &j) {
                                     j["added_tokens"][0]["future"] = true;
                                   })))
                .find("has setting 'future'"),
            std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("merge", edited([](nlohmann::json &j) {
                                     j["model"]["merges"].push_back("zzq qqz");
                                   })))
                .find("merge 'zzq qqz'"),
            std::string::npos);
  EXPECT_NE(refusal(writeTokenizer("regex", edited([](nlohmann::json &j) {
                                     j["pre_tokenizer"] = {
                                         {"type", "Sequence"},
                                         {"pretokenizers",
                                          {{{"type", "Split"},
                                            {"pattern", {{"Regex", "(("}}},
                                            {"behavior", "Isolated"},
                                            {"invert", false}},
                                           {{"type", "ByteLevel"},
                                            {"use_regex", false}}}}};
                                   })))
                .find("pre-tokenizer regex '(('"),
            std::string::npos);
}

// Truncation as the library applies it to one text: the template's tokens
// kept, the text's ids cut at the end (Right) or the start (Left); padding
// is the batch's business and leaves the ids alone.
TEST(TokenizerTruncationTest, CutsAsTheLibrary) {
  Tok full;
  ASSERT_EQ(seq_tokenizer_open((kDir + "/llama2").c_str(), &full.t), SEQ_OK);
  std::string text = "The compiler turns a model into machine code, fast.";
  std::vector<int32_t> all = encode(full.t, text, true);
  ASSERT_GT(all.size(), 8u);
  ASSERT_EQ(all[0], 1); // the <s> of the template
  for (const char *direction : {"Right", "Left"}) {
    std::ifstream in(kDir + "/llama2/tokenizer.json");
    nlohmann::json j = nlohmann::json::parse(in);
    j["truncation"] = {{"max_length", 6},
                       {"strategy", "LongestFirst"},
                       {"stride", 0},
                       {"direction", direction}};
    j["padding"] = {{"strategy", {{"Fixed", 16}}},
                    {"direction", "Right"},
                    {"pad_to_multiple_of", nullptr},
                    {"pad_id", 0},
                    {"pad_type_id", 0},
                    {"pad_token", "<unk>"}};
    Tok cut;
    ASSERT_EQ(
        seq_tokenizer_open(
            writeTokenizer(std::string("trunc") + direction, j.dump()).c_str(),
            &cut.t),
        SEQ_OK)
        << seq_last_error();
    std::vector<int32_t> expected = {1};
    if (std::string(direction) == "Right")
      expected.insert(expected.end(), all.begin() + 1, all.begin() + 6);
    else
      expected.insert(expected.end(), all.end() - 5, all.end());
    EXPECT_EQ(encode(cut.t, text, true), expected) << direction;
    // Without the template's tokens all six places go to the text.
    std::vector<int32_t> plain = encode(full.t, text, false);
    std::vector<int32_t> plainCut =
        std::string(direction) == "Right"
            ? std::vector<int32_t>(plain.begin(), plain.begin() + 6)
            : std::vector<int32_t>(plain.end() - 6, plain.end());
    EXPECT_EQ(encode(cut.t, text, false), plainCut) << direction;
  }
}

TEST(TokenizerRefusalTest, BadArguments) {
  Tok tok;
  ASSERT_EQ(seq_tokenizer_open((kDir + "/gpt2").c_str(), &tok.t), SEQ_OK);
  int32_t ids[4];
  size_t count = 0;
  std::string invalid = "ab\xff\xfe";
  EXPECT_EQ(seq_tokenizer_encode(tok.t, invalid.data(), invalid.size(), 1, ids,
                                 4, &count),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seq_last_error()).find("not valid UTF-8"),
            std::string::npos);
  int32_t outOfRange[] = {5, 100000};
  char text[64];
  size_t length = 0;
  EXPECT_EQ(
      seq_tokenizer_decode(tok.t, outOfRange, 2, 0, text, sizeof text, &length),
      SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seq_last_error()).find("token id 100000"),
            std::string::npos);
  int32_t some[] = {5, 6, 7};
  EXPECT_EQ(seq_tokenizer_decode(tok.t, some, 3, 0, text, 1, &length),
            SEQ_ERROR_CAPACITY);
  EXPECT_EQ(seq_tokenizer_encode(nullptr, "a", 1, 1, ids, 4, &count),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(seq_tokenizer_open(nullptr, &tok.t), SEQ_ERROR_INVALID_ARGUMENT);
}

TEST(TokenizerDecodeTest, RepairsInvalidBytesAsTheLibraryDoes) {
  Tok tok;
  ASSERT_EQ(seq_tokenizer_open((kDir + "/gpt2").c_str(), &tok.t), SEQ_OK);
  // Byte-level tokens for single bytes: the two halves of "é" (C3 A9) and a
  // lone continuation byte. Their ids are those of the byte's character.
  auto idOf = [&](const std::string &text) {
    std::vector<int32_t> ids = encode(tok.t, text, false);
    EXPECT_EQ(ids.size(), 1u) << text;
    return ids.empty() ? 0 : ids[0];
  };
  int32_t e = idOf("e");
  std::vector<int32_t> eacute = encode(tok.t, "\xc3\xa9", false);
  // An incomplete character at the end decodes to U+FFFD; streaming holds
  // it back until flushed.
  std::string full = decode(tok.t, {eacute[0]}, false);
  if (eacute.size() == 2)
    EXPECT_EQ(full, "\xef\xbf\xbd");
  seq_detokenizer *stream = nullptr;
  ASSERT_EQ(seq_detokenizer_create(tok.t, 0, &stream), SEQ_OK);
  const char *piece = nullptr;
  size_t length = 0;
  std::string out;
  for (int32_t id : eacute) {
    ASSERT_EQ(seq_detokenizer_push(stream, id, &piece, &length), SEQ_OK);
    out.append(piece, length);
  }
  ASSERT_EQ(seq_detokenizer_push(stream, e, &piece, &length), SEQ_OK);
  out.append(piece, length);
  ASSERT_EQ(seq_detokenizer_flush(stream, &piece, &length), SEQ_OK);
  out.append(piece, length);
  seq_detokenizer_destroy(stream);
  EXPECT_EQ(out, "\xc3\xa9"
                 "e");
}

} // namespace
