//===- Normalizer.h - Unicode normalization of tokenizer input --*- C++ -*-===//
//
// The tokenizer.json normalizers implemented: NFC, NFD, NFKC, NFKD
// (Qwen2's is NFC), run by ICU (Debian's libicu-dev), the Unicode
// library the tokenizers library's own normalization agrees with.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_NORMALIZER_H
#define SEQC_RUNTIME_SRC_TOKENIZER_NORMALIZER_H

#include "Error.h"

#include <memory>
#include <string>
#include <string_view>

namespace seqrt::tokenizer {

class Normalizer {
public:
  /// The normalizer of type `type` ("NFC", ...); an error for others.
  static Error create(const std::string &type,
                      std::unique_ptr<Normalizer> &out);
  /// `text` (valid UTF-8) normalized.
  Error apply(std::string_view text, std::string &out) const;

private:
  const void *icu = nullptr; ///< icu::Normalizer2, owned by ICU
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_NORMALIZER_H
