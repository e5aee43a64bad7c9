//===- RegexSplit.cpp - pre-tokenization by a regular expression ----------===//

#include "tokenizer/RegexSplit.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace seqrt::tokenizer {

const char *const kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|"
    "\\s+(?!\\S)|\\s+";

RegexSplit::~RegexSplit() { pcre2_code_free(static_cast<pcre2_code *>(code)); }

Error RegexSplit::compile(const std::string &pattern,
                          std::unique_ptr<RegexSplit> &out) {
  int status = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code *code = pcre2_compile(
      reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
      PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &status, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(status, message, sizeof message);
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     "pre-tokenizer regex '" + pattern + "' at offset " +
                         std::to_string(offset) + ": " +
                         reinterpret_cast<const char *>(message));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); // optional speed-up
  out.reset(new RegexSplit());
  out->code = code;
  return Error::ok();
}

Error RegexSplit::findMatches(
    std::string_view text,
    std::vector<std::pair<size_t, size_t>> &spans) const {
  auto *re = static_cast<pcre2_code *>(code);
  pcre2_match_data *match = pcre2_match_data_create_from_pattern(re, nullptr);
  if (!match)
    return makeError(SEQ_ERROR_OUT_OF_MEMORY, "out of memory");
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t at = 0;
  Error error = Error::ok();
  while (at <= text.size()) {
    int rc = pcre2_match(re, subject, text.size(), at, PCRE2_NO_UTF_CHECK,
                         match, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH)
      break;
    if (rc < 0) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(rc, message, sizeof message);
      error = makeError(SEQ_ERROR_INTERNAL,
                        std::string("pre-tokenizer regex: ") +
                            reinterpret_cast<const char *>(message));
      break;
    }
    PCRE2_SIZE *span = pcre2_get_ovector_pointer(match);
    size_t start = span[0], end = span[1];
    spans.emplace_back(start, end);
    if (end == start) {
      // An empty match: step over one character.
      if (end >= text.size())
        break;
      at = end + 1;
      while (at < text.size() &&
             (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80)
        ++at;
      continue;
    }
    at = end;
  }
  pcre2_match_data_free(match);
  return error;
}

} // namespace seqrt::tokenizer
