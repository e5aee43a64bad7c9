//===- Unigram.h - Unigram model (SentencePiece) ----------------*- C++ -*-===//
//
// The "Unigram" model of a tokenizer.json (T5, ALBERT, XLNet, mBART): each
// piece is cut into the vocabulary entries whose scores (log
// probabilities) sum highest, by the Viterbi search of the tokenizers
// library's Unigram::encode_optimized: ties keep the earliest cut, a
// character no entry starts with exactly is the unknown token scored
// min_score - 10, consecutive unknowns fuse into one; with byte_fallback an
// unknown piece becomes its bytes' "<0xAB>" tokens.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_UNIGRAM_H
#define SEQC_RUNTIME_SRC_TOKENIZER_UNIGRAM_H

#include "tokenizer/Model.h"

namespace seqrt::tokenizer {

class Unigram : public Model {
public:
  /// Adds the next entry (ids follow the order of addition).
  void addToken(const std::string &text, double score);
  /// Settings, once every entry is added; an error when `unknown` is out of
  /// range.
  Error configure(int64_t unknown, bool byteFallback);

  Error encode(std::string_view piece,
               std::vector<int32_t> &ids) const override;

private:
  /// Builds the trie of the entries (once, at configure).
  void buildTrie();

  std::vector<double> scores;
  double minScore = 0;
  /// A byte trie of the entries: each node's children are a sorted run of
  /// `edges` (byte, child); `id` is the entry ending there, or -1.
  struct TrieNode {
    int32_t id = -1;
    uint32_t firstEdge = 0, edgeCount = 0;
  };
  struct Edge {
    uint8_t byte;
    uint32_t child;
  };
  std::vector<TrieNode> nodes;
  std::vector<Edge> edges;
  int32_t unknown = -1;
  bool byteFallback = false;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_UNIGRAM_H
