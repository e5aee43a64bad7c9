//===- CharClass.cpp - Unicode character classes of tokenizers ------------===//

#include "tokenizer/CharClass.h"

#include "tokenizer/Utf8.h"

#include <unicode/uchar.h>

namespace seqrt::tokenizer {
namespace {

int32_t category(uint32_t c) { return u_charType(static_cast<UChar32>(c)); }

} // namespace

bool isWhitespace(uint32_t c) {
  return u_isUWhiteSpace(static_cast<UChar32>(c));
}

bool isOther(uint32_t c) {
  int32_t t = category(c);
  return t == U_CONTROL_CHAR || t == U_FORMAT_CHAR || t == U_SURROGATE ||
         t == U_PRIVATE_USE_CHAR;
}

bool isMarkNonspacing(uint32_t c) { return category(c) == U_NON_SPACING_MARK; }

bool isPunctuation(uint32_t c) {
  if (c < 0x80)
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
  int32_t t = category(c);
  return t == U_CONNECTOR_PUNCTUATION || t == U_DASH_PUNCTUATION ||
         t == U_START_PUNCTUATION || t == U_END_PUNCTUATION ||
         t == U_INITIAL_PUNCTUATION || t == U_FINAL_PUNCTUATION ||
         t == U_OTHER_PUNCTUATION;
}

bool isNumeric(uint32_t c) {
  int32_t t = category(c);
  return t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER ||
         t == U_OTHER_NUMBER;
}

void appendLowercase(std::string &out, uint32_t c) {
  if (c == 0x130) { // the one unconditional multi-character lowercase
    out += "i\xCC\x87";
    return;
  }
  appendUtf8(out, static_cast<uint32_t>(u_tolower(static_cast<UChar32>(c))));
}

} // namespace seqrt::tokenizer
