//===- GgufVocabulary.h - a GGUF file's tokenizer as tokenizer.json -*- C++
//-*-//
//
// A GGUF file carries its tokenizer as metadata (`tokenizer.ggml.*`): the
// tokens, their types, and SentencePiece scores or BPE merges, plus a
// pre-tokenizer name. This writes the tokenizer.json that computes what
// llama.cpp's tokenizer computes from them, so that one tokenizer (Tokenizer.h)
// serves both formats:
//   - `llama` (SentencePiece BPE): merges ranked by the merged piece's
//     score (llama.cpp merges the best-scoring pair first), byte fallback,
//     a space before each text after a special token (add_space_prefix),
//     spaces as U+2581;
//   - `gpt2` (byte-level BPE): the file's merges, llama.cpp's
//     pre-tokenizer regexes for the named pre-tokenizer applied in turn,
//     and its ignore_merges and add_bos defaults.
// Control tokens become special added tokens, user-defined ones added
// tokens matched in the raw text. Any other tokenizer model, an unknown
// pre-tokenizer name or an unknown `tokenizer.ggml.*` key is refused.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_GGUFVOCABULARY_H
#define SEQC_RUNTIME_SRC_TOKENIZER_GGUFVOCABULARY_H

#include "Error.h"
#include "Json.h"

namespace seqrt::gguf {
class File;
}

namespace seqrt::tokenizer {

/// The tokenizer.json of GGUF file `file`'s tokenizer, as a JSON value.
/// `spaceAfterSkippedBos` receives the BOS id after which llama.cpp keeps
/// a decoded text's leading space when the BOS is skipped (SentencePiece
/// vocabularies), else -1.
Error ggufTokenizerJson(const gguf::File &file, json::Value &out,
                        int32_t &spaceAfterSkippedBos);

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_GGUFVOCABULARY_H
