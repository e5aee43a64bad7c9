//===- WordPiece.h - WordPiece model (BERT) ---------------------*- C++ -*-===//
//
// The "WordPiece" model of a tokenizer.json: each piece is cut greedily
// into the longest vocabulary entries from the left, entries after the
// first carrying the continuing-subword prefix ("##"); a piece that cannot
// be cut, or longer than max_input_chars_per_word characters, is the
// unknown token, as the tokenizers library's WordPiece::tokenize does.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_WORDPIECE_H
#define SEQC_RUNTIME_SRC_TOKENIZER_WORDPIECE_H

#include "tokenizer/Model.h"

namespace seqrt::tokenizer {

class WordPiece : public Model {
public:
  void addToken(const std::string &text, int32_t id) { vocab.add(text, id); }
  /// Settings, read once the vocabulary is complete; an error when the
  /// unknown token is not in it.
  Error configure(const std::string &unknownToken, const std::string &prefix,
                  size_t maxChars);

  Error encode(std::string_view piece,
               std::vector<int32_t> &ids) const override;

private:
  int32_t unknown = -1;
  std::string prefix;
  size_t maxChars = 100;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_WORDPIECE_H
