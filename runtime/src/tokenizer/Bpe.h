//===- Bpe.h - byte-pair-encoding model -------------------------*- C++ -*-===//
//
// The "BPE" model of a tokenizer.json: a vocabulary of token strings and a
// ranked list of merges. A pre-token (already in the vocabulary's
// characters) starts as its characters and the adjacent pair of lowest
// merge rank is merged until none is left, leftmost first among equal
// ranks, as the tokenizers library's Word::merge_all does.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_BPE_H
#define SEQC_RUNTIME_SRC_TOKENIZER_BPE_H

#include "Error.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seqrt::tokenizer {

class Bpe {
public:
  /// Adds token `text` with `id` (ids are dense from 0 once all are added).
  void addToken(const std::string &text, int32_t id);
  /// Adds the merge of `left` and `right` (the next rank); an error names
  /// a side or the result missing from the vocabulary.
  Error addMerge(const std::string &left, const std::string &right);
  /// Whole pre-tokens found in the vocabulary skip the merges (Llama-3's
  /// ignore_merges).
  void setIgnoreMerges(bool ignore) { ignoreMerges = ignore; }

  /// Appends the ids of `piece`; an error when one of its characters is
  /// not in the vocabulary (byte-level vocabularies hold all 256).
  Error encode(std::string_view piece, std::vector<int32_t> &ids) const;

  /// The id of token `text`, or -1.
  int32_t find(std::string_view text) const;
  /// The text of `id`, or null.
  const std::string *text(int32_t id) const;
  size_t size() const { return tokens.size(); }

private:
  std::unordered_map<std::string, int32_t> ids;
  std::vector<std::string> tokens; ///< by id; "" for ids not given
  struct PairHash {
    size_t operator()(uint64_t key) const { return std::hash<uint64_t>()(key); }
  };
  struct Merge {
    int32_t rank, result;
  };
  std::unordered_map<uint64_t, Merge, PairHash> merges;
  int32_t mergeCount = 0;
  bool ignoreMerges = false;
  /// Pre-tokens already encoded (text repeats: words, whitespace runs).
  mutable std::mutex cacheLock;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_BPE_H
