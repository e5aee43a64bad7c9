//===- RegexSplit.h - pre-tokenization by a regular expression --*- C++ -*-===//
//
// Pre-tokenizers split text at the matches of a regex written for
// Oniguruma (the tokenizers library's engine): Unicode classes (\p{L},
// \p{N}), case-insensitive groups, look-ahead. PCRE2 (Debian's libpcre2-8,
// UTF and Unicode-property mode) runs them.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_REGEXSPLIT_H
#define SEQC_RUNTIME_SRC_TOKENIZER_REGEXSPLIT_H

#include "Error.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seqrt::tokenizer {

/// GPT-2's pre-tokenization pattern (ByteLevel with use_regex).
extern const char *const kGpt2Pattern;

class RegexSplit {
public:
  ~RegexSplit();
  /// Compiles `pattern`; an error quotes PCRE2's message and offset.
  static Error compile(const std::string &pattern,
                       std::unique_ptr<RegexSplit> &out);

  /// Appends the [start, end) byte spans of the matches in `text` (valid
  /// UTF-8), left to right, an empty match included, as the tokenizers
  /// library's find_iter visits them.
  Error findMatches(std::string_view text,
                    std::vector<std::pair<size_t, size_t>> &spans) const;

private:
  RegexSplit() = default;
  void *code = nullptr; ///< pcre2_code_8
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_REGEXSPLIT_H
