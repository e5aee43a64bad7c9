//===- ByteLevel.h - GPT-2's byte-to-character mapping ----------*- C++ -*-===//
//
// Byte-level BPE (GPT-2, Llama-3, Qwen2) works on text whose bytes are
// first mapped to 256 printable characters (bytes_to_unicode in GPT-2's
// encoder.py): printable Latin-1 bytes map to themselves, the others to
// U+0100 upwards. Vocabularies are written in those characters.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_BYTELEVEL_H
#define SEQC_RUNTIME_SRC_TOKENIZER_BYTELEVEL_H

#include <string>
#include <string_view>

namespace seqrt::tokenizer {

/// `bytes` with each byte replaced by its character (UTF-8 encoded).
std::string toByteLevel(std::string_view bytes);

/// The bytes a byte-level token stands for: each of its characters mapped
/// back; a token with a character outside the mapping (an added token's
/// own text) is its own UTF-8 bytes, as the tokenizers library decodes it.
std::string fromByteLevel(std::string_view token);

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_BYTELEVEL_H
