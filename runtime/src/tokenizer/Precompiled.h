//===- Precompiled.h - SentencePiece's precompiled normalizer ---*- C++ -*-===//
//
// The "Precompiled" normalizer of Unigram tokenizers converted from
// SentencePiece (T5, ALBERT, XLNet, mBART): the model's character map, a
// darts-clone double-array trie from UTF-8 byte strings to replacement
// strings. As the tokenizers library's spm_precompiled applies it: each
// extended grapheme cluster shorter than 6 bytes is replaced whole by the
// value of the shortest key that begins it, if any; otherwise each of its
// characters is replaced likewise, or kept.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_PRECOMPILED_H
#define SEQC_RUNTIME_SRC_TOKENIZER_PRECOMPILED_H

#include "Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seqrt::tokenizer {

class Precompiled {
public:
  /// Reads the base64 text of a tokenizer.json's "precompiled_charsmap".
  static Error parse(std::string_view base64,
                     std::unique_ptr<Precompiled> &out);
  /// `text` (valid UTF-8) normalized.
  Error apply(std::string_view text, std::string &out) const;

private:
  /// The replacement for the shortest key that begins `chunk`, or null.
  const char *transform(std::string_view chunk, size_t &length) const;

  std::vector<uint32_t> units; ///< the double array
  std::string normalized;      ///< NUL-terminated replacement strings
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_PRECOMPILED_H
