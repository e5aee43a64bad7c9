//===- PreTokenizer.h - a tokenizer.json pre-tokenizer ----------*- C++ -*-===//
//
// Splits normalized text into the pieces the model encodes one by one, as
// the tokenizers library's pre-tokenizers do: Split (a regex or literal,
// every delimiter behaviour), ByteLevel (GPT-2's regex and byte-to-
// character mapping), Metaspace (SentencePiece's "▁"), BertPreTokenizer,
// Whitespace, WhitespaceSplit, Punctuation, Digits, and Sequences of them.
// Others are refused with an error naming them.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_PRETOKENIZER_H
#define SEQC_RUNTIME_SRC_TOKENIZER_PRETOKENIZER_H

#include "Error.h"

#include <memory>
#include <string>
#include <vector>

namespace seqrt::json {
class Value;
}

namespace seqrt::tokenizer {

/// A piece of text on its way to the model.
struct Piece {
  std::string text;
  /// Whether the piece begins the whole input (Metaspace's "first").
  bool atStart;
};

class PreTokenizer {
public:
  PreTokenizer();
  ~PreTokenizer();
  /// The pre-tokenizer a tokenizer.json's "pre_tokenizer" object describes.
  static Error create(const json::Value &spec,
                      std::unique_ptr<PreTokenizer> &out);
  /// Splits and rewrites `pieces` in place.
  Error apply(std::vector<Piece> &pieces) const;

  struct Step;

private:
  Error addStep(const json::Value &spec);
  std::vector<std::unique_ptr<Step>> steps;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_PRETOKENIZER_H
