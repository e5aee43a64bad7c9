//===- TokenizerFuzz.cpp - libFuzzer target for tokenizers ----------------===//
//
// The first byte chooses: 0 mod 5, the rest is a tokenizer.json, parsed
// and, if accepted, used to encode and decode a fixed text; otherwise the
// rest is text encoded by one of the trained tokenizers of test/tokenizer
// (byte-level gpt2, SentencePiece-style mistral, WordPiece bert, Unigram
// t5 with its precompiled character map), and
// bytes read as ids decoded, streamed too. Every input must give ids or an
// error, never a crash.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using seqrt::tokenizer::Detokenizer;
using seqrt::tokenizer::Tokenizer;

static void exercise(const Tokenizer &t, std::string_view text,
                     const uint8_t *raw, size_t size) {
  std::vector<int32_t> ids;
  if (!t.encode(text, true, ids)) {
    std::string back;
    if (t.decode(ids.data(), ids.size(), false, back))
      std::abort(); // ids it made must decode
  }
  // Arbitrary ids (two bytes each), full and streamed.
  std::vector<int32_t> any;
  for (size_t i = 0; i + 1 < size; i += 2)
    any.push_back(static_cast<int32_t>(raw[i] | (raw[i + 1] << 8)) - 1000);
  std::string text2;
  (void)t.decode(any.data(), any.size(), true, text2);
  Detokenizer stream(t, false);
  std::string piece;
  for (int32_t id : any)
    (void)stream.push(id, piece);
  stream.flush();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view rest(reinterpret_cast<const char *>(data + 1), size - 1);
  std::unique_ptr<Tokenizer> t;
  if (data[0] % 5 == 0) {
    if (!Tokenizer::parse(rest, "fuzz", t))
      exercise(*t, "Hello world, 世界 don't 123!", data + 1, size - 1);
    return 0;
  }
  auto load = [](const char *kind) {
    std::unique_ptr<Tokenizer> loaded;
    if (Tokenizer::load(std::string(SEQC_TOKENIZER_DIR "/") + kind, loaded))
      std::abort();
    return loaded;
  };
  static std::unique_ptr<Tokenizer> trained[] = {load("gpt2"), load("mistral"),
                                                 load("bert"), load("t5")};
  exercise(*trained[data[0] % 5 - 1], rest, data + 1, size - 1);
  return 0;
}
