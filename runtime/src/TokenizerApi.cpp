//===- TokenizerApi.cpp - the tokenizer part of seq/runtime.h -------------===//
//
// Argument checks and C++ → status translation around
// tokenizer/Tokenizer.h, as Runtime.cpp does for models.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include "ApiGuard.h"
#include "Error.h"
#include "tokenizer/Tokenizer.h"

#include <cstring>
#include <new>
#include <string>

struct seq_tokenizer {
  std::unique_ptr<seqrt::tokenizer::Tokenizer> impl;
};

struct seq_detokenizer {
  seqrt::tokenizer::Detokenizer impl;
  std::string text; ///< what the last push or flush returned
};

namespace {

seq_status invalid(const char *what) { return seqrt::invalidArgument(what); }
using seqrt::guarded;

using seqrt::copyText;

} // namespace

extern "C" {

seq_status seq_tokenizer_open(const char *path, seq_tokenizer **out) {
  if (!path || !out)
    return invalid("seq_tokenizer_open: null path or out_tokenizer");
  *out = nullptr;
  return guarded([&] {
    auto tokenizer = std::make_unique<seq_tokenizer>();
    seqrt::Error e = seqrt::tokenizer::Tokenizer::load(path, tokenizer->impl);
    if (!e)
      *out = tokenizer.release();
    return e;
  });
}

void seq_tokenizer_close(seq_tokenizer *tokenizer) { delete tokenizer; }

size_t seq_tokenizer_vocab_size(const seq_tokenizer *tokenizer) {
  return tokenizer ? tokenizer->impl->vocabSize() : 0;
}

int seq_tokenizer_is_special(const seq_tokenizer *tokenizer, int32_t id) {
  return tokenizer && tokenizer->impl->isSpecial(id) ? 1 : 0;
}

seq_status seq_tokenizer_encode(const seq_tokenizer *tokenizer,
                                const char *text, size_t length,
                                int add_special_tokens, int32_t *ids,
                                size_t capacity, size_t *out_count) {
  if (!tokenizer || (!text && length) || !out_count || (!ids && capacity))
    return invalid("seq_tokenizer_encode: null tokenizer, text, ids or "
                   "out_count");
  *out_count = 0;
  return guarded([&] {
    std::vector<int32_t> encoded;
    if (seqrt::Error e =
            tokenizer->impl->encode(std::string_view(text ? text : "", length),
                                    add_special_tokens != 0, encoded))
      return e;
    *out_count = encoded.size();
    if (encoded.size() > capacity)
      return seqrt::makeError(SEQ_ERROR_CAPACITY,
                              "the text has " + std::to_string(encoded.size()) +
                                  " tokens; the buffer holds " +
                                  std::to_string(capacity));
    if (!encoded.empty())
      std::memcpy(ids, encoded.data(), encoded.size() * sizeof(int32_t));
    return seqrt::Error::ok();
  });
}

seq_status seq_tokenizer_decode(const seq_tokenizer *tokenizer,
                                const int32_t *ids, size_t count,
                                int skip_special_tokens, char *text,
                                size_t capacity, size_t *out_length) {
  if (!tokenizer || (!ids && count) || !out_length || (!text && capacity))
    return invalid("seq_tokenizer_decode: null tokenizer, ids, text or "
                   "out_length");
  *out_length = 0;
  return guarded([&] {
    std::string decoded;
    if (seqrt::Error e = tokenizer->impl->decode(
            ids, count, skip_special_tokens != 0, decoded))
      return e;
    return copyText(decoded, text, capacity, out_length);
  });
}

seq_status seq_detokenizer_create(const seq_tokenizer *tokenizer,
                                  int skip_special_tokens,
                                  seq_detokenizer **out) {
  if (!tokenizer || !out)
    return invalid("seq_detokenizer_create: null tokenizer or "
                   "out_detokenizer");
  *out = nullptr;
  return guarded([&] {
    *out = new seq_detokenizer{seqrt::tokenizer::Detokenizer(
                                   *tokenizer->impl, skip_special_tokens != 0),
                               std::string()};
    return seqrt::Error::ok();
  });
}

seq_status seq_detokenizer_push(seq_detokenizer *detokenizer, int32_t id,
                                const char **out_text, size_t *out_length) {
  if (!detokenizer || !out_text || !out_length)
    return invalid("seq_detokenizer_push: null detokenizer, out_text or "
                   "out_length");
  return guarded([&] {
    detokenizer->text.clear();
    seqrt::Error e = detokenizer->impl.push(id, detokenizer->text);
    *out_text = detokenizer->text.c_str();
    *out_length = detokenizer->text.size();
    return e;
  });
}

seq_status seq_detokenizer_flush(seq_detokenizer *detokenizer,
                                 const char **out_text, size_t *out_length) {
  if (!detokenizer || !out_text || !out_length)
    return invalid("seq_detokenizer_flush: null detokenizer, out_text or "
                   "out_length");
  return guarded([&] {
    detokenizer->text = detokenizer->impl.flush();
    *out_text = detokenizer->text.c_str();
    *out_length = detokenizer->text.size();
    return seqrt::Error::ok();
  });
}

void seq_detokenizer_destroy(seq_detokenizer *detokenizer) {
  delete detokenizer;
}

} // extern "C"
