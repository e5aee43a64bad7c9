//===- Normalizer.h - a tokenizer.json normalizer ---------------*- C++ -*-===//
//
// The text rewriting run before pre-tokenization, as the tokenizers
// library's normalizers compute it: NFC, NFD, NFKC, NFKD (ICU, Debian's
// libicu-dev), Prepend and Replace (SentencePiece-style "▁" for spaces; a
// literal or regex pattern), Precompiled (SentencePiece's character map),
// Lowercase, Strip, StripAccents, BertNormalizer, and Sequences of them.
// Others are refused with an error naming them.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_NORMALIZER_H
#define SEQC_RUNTIME_SRC_TOKENIZER_NORMALIZER_H

#include "Error.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seqrt::json {
class Value;
}

namespace seqrt::tokenizer {

class Normalizer {
public:
  Normalizer();
  ~Normalizer();
  /// The normalizer a tokenizer.json's "normalizer" object describes.
  static Error create(const json::Value &spec,
                      std::unique_ptr<Normalizer> &out);
  /// `text` (valid UTF-8) normalized.
  Error apply(std::string_view text, std::string &out) const;

  struct Step;

private:
  Error addStep(const json::Value &spec);
  std::vector<std::unique_ptr<Step>> steps;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_NORMALIZER_H
