//===- Unigram.cpp - Unigram model (SentencePiece) ------------------------===//

#include "tokenizer/Unigram.h"

#include "tokenizer/Utf8.h"

#include <algorithm>
#include <limits>

namespace seqrt::tokenizer {

void Unigram::addToken(const std::string &text, double score) {
  int32_t id = static_cast<int32_t>(scores.size());
  vocab.add(text, id);
  scores.push_back(score);
  minScore = scores.size() == 1 ? score : std::min(minScore, score);
}

void Unigram::buildTrie() {
  // Entries sorted by bytes: each node's children are then added in byte
  // order and contiguously, breadth by breadth of the sorted list.
  const Vocabulary &v = vocabulary();
  std::vector<std::pair<std::string, int32_t>> entries;
  for (size_t id = 0; id < scores.size(); ++id) {
    const std::string *text = v.text(static_cast<int32_t>(id));
    // A repeated entry keeps its last id, as the vocabulary does.
    if (text && !text->empty() && v.find(*text) == static_cast<int32_t>(id))
      entries.emplace_back(*text, static_cast<int32_t>(id));
  }
  std::sort(entries.begin(), entries.end());
  // Children per node first (a map from node to its sorted child bytes),
  // then laid out flat.
  std::vector<std::vector<std::pair<uint8_t, uint32_t>>> children(1);
  std::vector<int32_t> ids(1, -1);
  for (const auto &[text, id] : entries) {
    uint32_t node = 0;
    for (unsigned char b : text) {
      auto &list = children[node];
      auto it = std::lower_bound(list.begin(), list.end(), b,
                                 [](const std::pair<uint8_t, uint32_t> &e,
                                    uint8_t x) { return e.first < x; });
      if (it == list.end() || it->first != b) {
        uint32_t child = static_cast<uint32_t>(children.size());
        it = list.insert(it, {b, child});
        children.emplace_back();
        ids.push_back(-1);
      }
      node = it->second;
    }
    ids[node] = id;
  }
  nodes.assign(children.size(), TrieNode());
  edges.clear();
  for (size_t n = 0; n < children.size(); ++n) {
    nodes[n].id = ids[n];
    nodes[n].firstEdge = static_cast<uint32_t>(edges.size());
    nodes[n].edgeCount = static_cast<uint32_t>(children[n].size());
    for (const auto &[b, child] : children[n])
      edges.push_back({b, child});
  }
}

Error Unigram::configure(int64_t unknownId, bool fallback) {
  if (unknownId >= static_cast<int64_t>(scores.size()))
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     "Unigram unk_id " + std::to_string(unknownId) +
                         " is not in its vocabulary of " +
                         std::to_string(scores.size()));
  unknown = static_cast<int32_t>(unknownId);
  byteFallback = fallback;
  buildTrie();
  return Error::ok();
}

Error Unigram::encode(std::string_view piece, std::vector<int32_t> &ids) const {
  if (piece.empty())
    return Error::ok();
  const double unknownScore = minScore - 10.0;
  struct Node {
    double score = 0;
    int64_t start = -1; ///< where the best path's last entry starts
    int32_t id = 0;
  };
  std::vector<Node> best(piece.size() + 1);
  for (size_t start = 0; start < piece.size();) {
    size_t next = start;
    nextCodePoint(piece, next);
    size_t charLength = next - start;
    double here = best[start].score;
    bool single = false;
    // Every entry that begins here, shortest first (the trie's walk).
    uint32_t node = 0;
    for (size_t length = 1; start + length <= piece.size(); ++length) {
      auto b = static_cast<uint8_t>(piece[start + length - 1]);
      const TrieNode &from = nodes[node];
      const Edge *first = edges.data() + from.firstEdge,
                 *last = first + from.edgeCount;
      const Edge *edge = std::lower_bound(
          first, last, b, [](const Edge &e, uint8_t x) { return e.byte < x; });
      if (edge == last || edge->byte != b)
        break;
      node = edge->child;
      int32_t id = nodes[node].id;
      if (id < 0)
        continue;
      Node &target = best[start + length];
      double candidate = here + scores[static_cast<size_t>(id)];
      if (target.start < 0 || candidate > target.score)
        target = {candidate, static_cast<int64_t>(start), id};
      single = single || length == charLength;
    }
    if (!single) {
      if (unknown < 0)
        return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                         "character '" +
                             std::string(piece.substr(start, charLength)) +
                             "' is not in the tokenizer's vocabulary (and it "
                             "has no unknown token)");
      Node &target = best[next];
      double candidate = here + unknownScore;
      if (target.start < 0 || candidate > target.score)
        target = {candidate, static_cast<int64_t>(start), unknown};
    }
    start = next;
  }
  // Back from the end; runs of unknowns fuse into one piece.
  std::vector<std::string_view> pieces;
  size_t end = piece.size(), fusedEnd = 0;
  bool fusing = false;
  while (end > 0) {
    const Node &node = best[end];
    size_t start = static_cast<size_t>(node.start);
    if (node.id == unknown) {
      if (!fusing)
        fusedEnd = end, fusing = true;
    } else {
      if (fusing)
        pieces.push_back(piece.substr(end, fusedEnd - end)), fusing = false;
      pieces.push_back(piece.substr(start, end - start));
    }
    end = start;
  }
  if (fusing)
    pieces.push_back(piece.substr(0, fusedEnd));
  std::reverse(pieces.begin(), pieces.end());
  for (std::string_view p : pieces) {
    if (int32_t id = vocab.find(p); id >= 0) {
      ids.push_back(id);
      continue;
    }
    if (byteFallback && vocab.appendByteTokens(p, ids))
      continue;
    ids.push_back(unknown);
  }
  return Error::ok();
}

} // namespace seqrt::tokenizer
