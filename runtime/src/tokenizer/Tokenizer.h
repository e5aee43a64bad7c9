//===- Tokenizer.h - a Hugging Face tokenizer.json -------------*- C++ -*-===//
//
// Text to token ids and back, as the tokenizers library computes them for
// the tokenizer.json kinds implemented here: byte-level BPE (GPT-2,
// Llama-3, Qwen2-style pre-tokenizer regexes, Unicode normalization), added and
// special tokens, TemplateProcessing post-processors, the ByteLevel
// decoder. Anything else in the file (another model, a normalizer,
// truncation, token flags that change matching) is refused with an error
// naming it: a tokenizer that runs must give the library's ids.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_TOKENIZER_H
#define SEQC_RUNTIME_SRC_TOKENIZER_TOKENIZER_H

#include "Error.h"
#include "tokenizer/Bpe.h"
#include "tokenizer/Normalizer.h"
#include "tokenizer/RegexSplit.h"

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

  /// The bytes `ids` decode to before UTF-8 repair (special tokens left
  /// out with `skipSpecial`); an error names an id out of range.
  Error decodeBytes(const int32_t *ids, size_t count, bool skipSpecial,
                    std::string &bytes) const;
  /// decodeBytes as valid UTF-8 (the library's lossy conversion).
  Error decode(const int32_t *ids, size_t count, bool skipSpecial,
               std::string &text) const;

  /// One past the largest id.
  size_t vocabSize() const { return size; }
  /// Whether `id` is a special added token.
  bool isSpecial(int32_t id) const {
    auto found = addedById.find(id);
    return found != addedById.end() && added[found->second].special;
  }

private:
  Error read(const json::Value &root, const std::string &file);
  Error readModel(const json::Value &model);
  Error readPreTokenizer(const json::Value &pre);
  Error readPostProcessor(const json::Value &post);
  /// Appends the ids of `segment`, text between added tokens.
  Error encodeSegment(std::string_view segment,
                      std::vector<int32_t> &ids) const;

  Bpe bpe;
  struct AddedToken {
    std::string content;
    int32_t id;
    bool special;
  };
  std::vector<AddedToken> added;
  std::unordered_map<int32_t, size_t> addedById;
  /// Added tokens by first byte, longest first (leftmost-longest matching).
  std::vector<std::vector<size_t>> addedByFirstByte =
      std::vector<std::vector<size_t>>(256);
  std::unique_ptr<Normalizer> normalizer;          ///< or null
  std::vector<std::unique_ptr<RegexSplit>> splits; ///< applied in order
  std::unique_ptr<RegexSplit> byteLevelSplit;      ///< GPT-2's, or null
  bool addPrefixSpace = false;
  std::vector<int32_t> prefix, suffix; ///< around the sequence (template)
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
  std::string pending;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_TOKENIZER_H
