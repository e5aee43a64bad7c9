//===- WordPiece.cpp - WordPiece model (BERT) -----------------------------===//

#include "tokenizer/WordPiece.h"

#include "tokenizer/Utf8.h"

namespace seqrt::tokenizer {

Error WordPiece::configure(const std::string &unknownToken,
                           const std::string &subwordPrefix, size_t maxChars) {
  unknown = vocab.find(unknownToken);
  if (unknown < 0)
    return makeError(SEQ_ERROR_INVALID_MODEL, "WordPiece unk_token '" +
                                                  unknownToken +
                                                  "' is not in the vocabulary");
  prefix = subwordPrefix;
  this->maxChars = maxChars;
  return Error::ok();
}

Error WordPiece::encode(std::string_view piece,
                        std::vector<int32_t> &ids) const {
  if (piece.empty())
    return Error::ok();
  // Character boundaries, for the "too long" test and for shrinking a
  // candidate one character at a time.
  std::vector<size_t> bounds;
  for (size_t at = 0; at < piece.size();) {
    bounds.push_back(at);
    nextCodePoint(piece, at);
  }
  bounds.push_back(piece.size());
  if (bounds.size() - 1 > maxChars) {
    ids.push_back(unknown);
    return Error::ok();
  }
  size_t first = ids.size();
  std::string candidate;
  for (size_t start = 0; start + 1 < bounds.size();) {
    int32_t found = -1;
    size_t end = bounds.size() - 1;
    for (; end > start; --end) {
      candidate.assign(start > 0 ? prefix : std::string());
      candidate.append(
          piece.substr(bounds[start], bounds[end] - bounds[start]));
      if ((found = vocab.find(candidate)) >= 0)
        break;
    }
    if (found < 0) {
      ids.resize(first);
      ids.push_back(unknown);
      return Error::ok();
    }
    ids.push_back(found);
    start = end;
  }
  return Error::ok();
}

} // namespace seqrt::tokenizer
