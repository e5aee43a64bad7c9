//===- Bpe.h - byte-pair-encoding model -------------------------*- C++ -*-===//
//
// The "BPE" model of a tokenizer.json: a vocabulary of token strings and a
// ranked list of merges. A piece starts as its characters and the adjacent
// pair of lowest merge rank is merged until none is left, leftmost first
// among equal ranks, as the tokenizers library's Word::merge_all does. A
// character outside the vocabulary becomes its bytes' "<0xAB>" tokens
// (byte_fallback: Llama-2, Mistral) or the unknown token (consecutive ones
// fused with fuse_unk).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_BPE_H
#define SEQC_RUNTIME_SRC_TOKENIZER_BPE_H

#include "tokenizer/Model.h"

#include <mutex>

namespace seqrt::tokenizer {

class Bpe : public Model {
public:
  /// Adds token `text` with `id` (ids are dense from 0 once all are added).
  void addToken(const std::string &text, int32_t id) { vocab.add(text, id); }
  /// Adds the merge of `left` and `right` (the next rank); an error names
  /// a side or the result missing from the vocabulary.
  Error addMerge(const std::string &left, const std::string &right);
  /// Whole pieces found in the vocabulary skip the merges (Llama-3's
  /// ignore_merges).
  void setIgnoreMerges(bool ignore) { ignoreMerges = ignore; }
  /// Characters outside the vocabulary become "<0xAB>" byte tokens.
  void setByteFallback(bool on) { byteFallback = on; }
  /// The unknown token's id (-1: none, unknown characters are an error);
  /// `fuse`: a run of unknown characters is one unknown token.
  void setUnknown(int32_t id, bool fuse) { unknown = id, fuseUnknown = fuse; }

  Error encode(std::string_view piece,
               std::vector<int32_t> &ids) const override;

private:
  /// The piece's symbols before merging.
  Error symbolsOf(std::string_view piece, std::vector<int32_t> &symbols) const;

  struct PairHash {
    size_t operator()(uint64_t key) const { return std::hash<uint64_t>()(key); }
  };
  struct Merge {
    int32_t rank, result;
  };
  std::unordered_map<uint64_t, Merge, PairHash> merges;
  int32_t mergeCount = 0;
  bool ignoreMerges = false, byteFallback = false, fuseUnknown = false;
  int32_t unknown = -1;
  /// Pieces already encoded (text repeats: words, whitespace runs).
  mutable std::mutex cacheLock;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_BPE_H
