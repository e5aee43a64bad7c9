//===- Utf8.h - UTF-8 encoding, decoding and repair -------------*- C++ -*-===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_UTF8_H
#define SEQC_RUNTIME_SRC_TOKENIZER_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace seqrt::tokenizer {

/// Appends code point `c` in UTF-8.
void appendUtf8(std::string &out, uint32_t c);

/// The code point at `at` (advanced past it) of valid UTF-8 `s`; an invalid
/// byte is returned as itself, one byte long.
uint32_t nextCodePoint(std::string_view s, size_t &at);

/// Length of the valid UTF-8 sequence starting at `s[at]`, 0 when it is
/// invalid there, or -1 when `s` ends inside a sequence that is valid so
/// far (more bytes may complete it).
int validSequence(std::string_view s, size_t at);

/// `bytes` as valid UTF-8: each maximal invalid subpart replaced by U+FFFD
/// (what Rust's String::from_utf8_lossy, and so Hugging Face's decoders,
/// do). With `keepTail`, an incomplete sequence at the end is left out and
/// its length returned in `*tail` (streaming), instead of replaced.
std::string repairUtf8(std::string_view bytes, bool keepTail = false,
                       size_t *tail = nullptr);

/// `s` with every occurrence of non-empty `from`, left to right, replaced
/// by `to`.
void replaceAll(std::string &s, std::string_view from, std::string_view to);

/// Whether `s` is valid UTF-8.
bool isValidUtf8(std::string_view s);

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_UTF8_H
