//===- CharClass.h - Unicode character classes of tokenizers ----*- C++ -*-===//
//
// The character predicates and case mapping the tokenizers library's
// normalizers and pre-tokenizers use (Rust's char methods and the
// unicode_categories crate), answered by ICU's character properties.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_CHARCLASS_H
#define SEQC_RUNTIME_SRC_TOKENIZER_CHARCLASS_H

#include <cstdint>
#include <string>

namespace seqrt::tokenizer {

/// Rust's char::is_whitespace: the White_Space property.
bool isWhitespace(uint32_t c);
/// General category Cc, Cf, Cs or Co: "other" as the unicode_categories
/// crate answers it, without Cn (unassigned code points are not "other"
/// there; BERT keeps them).
bool isOther(uint32_t c);
/// General category Mn.
bool isMarkNonspacing(uint32_t c);
/// An ASCII punctuation character or general category P*.
bool isPunctuation(uint32_t c);
/// Rust's char::is_numeric: general category Nd, Nl or No.
bool isNumeric(uint32_t c);
/// Appends Rust's char::to_lowercase of `c` (the full mapping: U+0130
/// lowercases to two characters).
void appendLowercase(std::string &out, uint32_t c);

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_CHARCLASS_H
