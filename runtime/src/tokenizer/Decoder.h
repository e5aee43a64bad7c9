//===- Decoder.h - a tokenizer.json decoder ---------------------*- C++ -*-===//
//
// Token strings back to text, as the tokenizers library's decoders chain
// them: ByteLevel, Metaspace, WordPiece, and Sequences of Replace,
// ByteFallback, Fuse and Strip (SentencePiece-style models); no decoder
// joins tokens with spaces. Others are refused with an error naming them.
//
// Decoding also runs on windows of a token stream (streaming): `first`
// says whether the window's first token begins the sequence, and
// `stable` whether the window's text is final, i.e. no later token can
// change it (an incomplete UTF-8 character or a run of byte tokens at the
// end is not). Concatenating the texts of stable windows gives the text of
// the whole sequence.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_DECODER_H
#define SEQC_RUNTIME_SRC_TOKENIZER_DECODER_H

#include "Error.h"

#include <memory>
#include <string>
#include <vector>

namespace seqrt::json {
class Value;
}

namespace seqrt::tokenizer {

class Decoder {
public:
  Decoder();
  ~Decoder();
  /// The decoder a tokenizer.json's "decoder" describes (null: none).
  static Error create(const json::Value *spec, std::unique_ptr<Decoder> &out);

  /// The text of `tokens` (see the file comment for `first` and `stable`).
  std::string decode(std::vector<std::string> tokens, bool first,
                     bool *stable = nullptr) const;

  struct Step;

private:
  Error addStep(const json::Value &spec);
  std::vector<std::unique_ptr<Step>> steps;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_DECODER_H
