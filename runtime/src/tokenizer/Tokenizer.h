//===- Tokenizer.h - a Hugging Face tokenizer.json -------------*- C++ -*-===//
//
// Text to token ids and back, as the tokenizers library computes them:
// added tokens matched in the raw text (and, for normalized ones, in the
// normalized text), then for the text between them a normalizer, a
// pre-tokenizer and a model (BPE: byte-level as GPT-2, Llama-3 and Qwen2,
// or SentencePiece-style with byte fallback as Llama-2 and Mistral;
// WordPiece as BERT; Unigram as T5), a post-processor's special tokens,
// truncation, and a decoder back to text. Anything else in the file
// (another model, a truncation strategy for pairs, an unknown setting) is
// refused with an error naming it: a tokenizer that runs must give the
// library's ids.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_TOKENIZER_H
#define SEQC_RUNTIME_SRC_TOKENIZER_TOKENIZER_H

#include "Error.h"
#include "tokenizer/Decoder.h"
#include "tokenizer/Model.h"
#include "tokenizer/Normalizer.h"
#include "tokenizer/PreTokenizer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seqrt::json {
class Value;
}

namespace seqrt::tokenizer {

class Tokenizer {
public:
  /// Reads `path`: a tokenizer.json file, or a folder holding one.
  static Error load(const std::string &path, std::unique_ptr<Tokenizer> &out);
  /// Builds a tokenizer from the JSON text of a tokenizer.json (`name`
  /// prefixes error messages).
  static Error parse(std::string_view json, const std::string &name,
                     std::unique_ptr<Tokenizer> &out);

  /// Appends the ids of `text` (UTF-8; invalid UTF-8 is an error), with the
  /// post-processor's special tokens when `addSpecial`.
  Error encode(std::string_view text, bool addSpecial,
               std::vector<int32_t> &ids) const;

  /// The text of `ids` (special tokens left out with `skipSpecial`); an
  /// error names an id out of range.
  Error decode(const int32_t *ids, size_t count, bool skipSpecial,
               std::string &text) const;
  /// Appends the token string of `id` to `tokens` unless it is skipped.
  Error tokenOf(int32_t id, bool skipSpecial,
                std::vector<std::string> &tokens) const;
  const Decoder &decoder() const { return *decoding; }

  /// One past the largest id.
  size_t vocabSize() const { return size; }
  /// Whether `id` is a special added token.
  bool isSpecial(int32_t id) const {
    auto found = addedById.find(id);
    return found != addedById.end() && added[found->second].special;
  }
  /// Whether text decoded from `ids` keeps its leading space: llama.cpp
  /// strips a SentencePiece text's first space except after a BOS it
  /// skips (GGUF tokenizers only; tokenizer.json ones always strip).
  bool keepsLeadingSpace(int32_t firstId, bool skipSpecial) const {
    return skipSpecial && firstId == spaceAfterSkippedBos;
  }

private:
  Error read(const json::Value &root, const std::string &file);
  Error readModel(const json::Value &model);
  Error readAddedTokens(const json::Value &list);
  Error readTruncation(const json::Value &spec);
  Error readPostProcessor(const json::Value &post);
  /// Appends the ids of `segment`, text between added tokens (`atStart`:
  /// it begins the text).
  Error encodeSegment(std::string_view segment, bool atStart,
                      std::vector<int32_t> &ids) const;

  /// See keepsLeadingSpace (-1: none).
  int32_t spaceAfterSkippedBos = -1;
  std::unique_ptr<Model> model;
  struct AddedToken {
    std::string content;
    int32_t id;
    bool special;
    bool singleWord, lstrip, rstrip;
    /// Matched in the normalized text, as `pattern` (the content
    /// normalized), rather than in the raw text.
    bool normalized;
    std::string pattern;
  };
  /// A stretch of text between added tokens, or an added token.
  struct Split {
    size_t start, end;
    const AddedToken *token; ///< null for text
  };
  /// Cuts `text` at the added tokens of one pass (raw or normalized), as
  /// the library's AddedVocabulary::find_matches: leftmost-longest matches,
  /// single_word, lstrip and rstrip applied.
  void splitAdded(std::string_view text, bool normalizedPass,
                  std::vector<Split> &splits) const;
  std::vector<AddedToken> added;
  std::unordered_map<int32_t, size_t> addedById;
  /// Added tokens by the first byte of their pattern, longest first
  /// (leftmost-longest matching); [0] raw, [1] normalized.
  std::vector<std::vector<size_t>> addedByFirstByte[2] = {
      std::vector<std::vector<size_t>>(256),
      std::vector<std::vector<size_t>>(256)};
  std::unique_ptr<Normalizer> normalizer; ///< or null
  std::unique_ptr<PreTokenizer> pre;      ///< or null
  std::unique_ptr<Decoder> decoding;
  std::vector<int32_t> prefix, suffix; ///< around the sequence (template)
  /// Truncation: at most this many ids, the template's included, cut from
  /// the end (or the start with `truncateLeft`).
  size_t truncateTo = SIZE_MAX;
  bool truncateLeft = false;
  size_t size = 0;
};

/// Decodes a stream of ids into text pieces, never splitting a UTF-8
/// character: the concatenated pieces equal decode() of all the ids.
class Detokenizer {
public:
  Detokenizer(const Tokenizer &tokenizer, bool skipSpecial)
      : tokenizer(tokenizer), skipSpecial(skipSpecial) {}
  /// The text that `id` completes (possibly empty).
  Error push(int32_t id, std::string &text);
  /// The text still held back (an incomplete character, repaired).
  std::string flush();

private:
  const Tokenizer &tokenizer;
  bool skipSpecial;
  /// Tokens whose text is not final yet, and whether they begin the text.
  std::vector<std::string> window;
  bool first = true;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_TOKENIZER_H
