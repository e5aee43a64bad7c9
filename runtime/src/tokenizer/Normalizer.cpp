//===- Normalizer.cpp - Unicode normalization of tokenizer input ----------===//

#include "tokenizer/Normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

namespace seqrt::tokenizer {

Error Normalizer::create(const std::string &type,
                         std::unique_ptr<Normalizer> &out) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2 *icu = nullptr;
  if (type == "NFC")
    icu = icu::Normalizer2::getNFCInstance(status);
  else if (type == "NFD")
    icu = icu::Normalizer2::getNFDInstance(status);
  else if (type == "NFKC")
    icu = icu::Normalizer2::getNFKCInstance(status);
  else if (type == "NFKD")
    icu = icu::Normalizer2::getNFKDInstance(status);
  else
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     "normalizer '" + type +
                         "' is not implemented yet (NFC, NFD, NFKC and NFKD "
                         "are)");
  if (U_FAILURE(status) || !icu)
    return makeError(SEQ_ERROR_INTERNAL,
                     std::string("ICU cannot load the ") + type +
                         " normalizer: " + u_errorName(status));
  out.reset(new Normalizer());
  out->icu = icu;
  return Error::ok();
}

Error Normalizer::apply(std::string_view text, std::string &out) const {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString normalized =
      static_cast<const icu::Normalizer2 *>(icu)->normalize(in, status);
  if (U_FAILURE(status))
    return makeError(SEQ_ERROR_INTERNAL,
                     std::string("normalizing text: ") + u_errorName(status));
  out.clear();
  normalized.toUTF8String(out);
  return Error::ok();
}

} // namespace seqrt::tokenizer
