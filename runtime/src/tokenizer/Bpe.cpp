//===- Bpe.cpp - byte-pair-encoding model ---------------------------------===//

#include "tokenizer/Bpe.h"

#include "tokenizer/Utf8.h"

#include <queue>

namespace seqrt::tokenizer {
namespace {

uint64_t pairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
         static_cast<uint32_t>(right);
}

/// Pre-tokens longer than this are encoded without the cache.
constexpr size_t kCachedLength = 256;
/// Entries kept before the cache is cleared.
constexpr size_t kCacheEntries = 1 << 16;

} // namespace

Error Bpe::addMerge(const std::string &left, const std::string &right) {
  int32_t l = vocab.find(left), r = vocab.find(right),
          result = vocab.find(left + right);
  const char *missing = l < 0        ? "its left side"
                        : r < 0      ? "its right side"
                        : result < 0 ? "its result"
                                     : nullptr;
  if (missing)
    return makeError(SEQ_ERROR_INVALID_MODEL, "merge '" + left + " " + right +
                                                  "': " + missing +
                                                  " is not in the vocabulary");
  // A repeated merge takes its last rank, as the tokenizers library's map
  // does.
  merges.insert_or_assign(pairKey(l, r), Merge{mergeCount++, result});
  return Error::ok();
}

Error Bpe::symbolsOf(std::string_view piece,
                     std::vector<int32_t> &symbols) const {
  // As BPE::merge_word: a pending unknown token is written when a known
  // character follows (byte tokens do not flush it) or at the end.
  int32_t pendingUnknown = -1;
  for (size_t at = 0; at < piece.size();) {
    size_t start = at;
    nextCodePoint(piece, at);
    std::string_view ch = piece.substr(start, at - start);
    if (int32_t id = vocab.find(ch); id >= 0) {
      if (pendingUnknown >= 0)
        symbols.push_back(pendingUnknown), pendingUnknown = -1;
      symbols.push_back(id);
      continue;
    }
    if (byteFallback && vocab.appendByteTokens(ch, symbols))
      continue;
    if (unknown < 0)
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       "character '" + std::string(ch) +
                           "' is not in the tokenizer's vocabulary (and it "
                           "has no unknown token)");
    if (pendingUnknown >= 0 && !fuseUnknown)
      symbols.push_back(pendingUnknown);
    pendingUnknown = unknown;
  }
  if (pendingUnknown >= 0)
    symbols.push_back(pendingUnknown);
  return Error::ok();
}

Error Bpe::encode(std::string_view piece, std::vector<int32_t> &out) const {
  if (piece.empty())
    return Error::ok();
  bool cacheable = piece.size() <= kCachedLength;
  if (cacheable) {
    std::lock_guard<std::mutex> guard(cacheLock);
    auto it = cache.find(std::string(piece));
    if (it != cache.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return Error::ok();
    }
  }
  std::vector<int32_t> result;
  int32_t whole = ignoreMerges ? vocab.find(piece) : -1;
  if (whole >= 0) {
    result.push_back(whole);
  } else {
    // Symbols in a linked list; a heap of candidate merges (rank, left
    // position), stale entries skipped when popped.
    struct Symbol {
      int32_t id;
      int prev, next; ///< -1 at the ends
      bool alive;
    };
    std::vector<int32_t> initial;
    if (Error e = symbolsOf(piece, initial))
      return e;
    std::vector<Symbol> symbols;
    for (int32_t id : initial) {
      int index = static_cast<int>(symbols.size());
      symbols.push_back({id, index - 1, -1, true});
      if (index > 0)
        symbols[static_cast<size_t>(index - 1)].next = index;
    }
    struct Candidate {
      int32_t rank;
      int left;
      int32_t leftId, rightId;
      bool operator>(const Candidate &o) const {
        return rank != o.rank ? rank > o.rank : left > o.left;
      }
    };
    std::priority_queue<Candidate, std::vector<Candidate>,
                        std::greater<Candidate>>
        heap;
    auto consider = [&](int left) {
      if (left < 0)
        return;
      int right = symbols[static_cast<size_t>(left)].next;
      if (right < 0)
        return;
      int32_t a = symbols[static_cast<size_t>(left)].id,
              b = symbols[static_cast<size_t>(right)].id;
      auto it = merges.find(pairKey(a, b));
      if (it != merges.end())
        heap.push({it->second.rank, left, a, b});
    };
    for (size_t i = 0; i + 1 < symbols.size(); ++i)
      consider(static_cast<int>(i));
    while (!heap.empty()) {
      Candidate top = heap.top();
      heap.pop();
      Symbol &left = symbols[static_cast<size_t>(top.left)];
      if (!left.alive || left.next < 0 || left.id != top.leftId)
        continue;
      Symbol &right = symbols[static_cast<size_t>(left.next)];
      if (right.id != top.rightId)
        continue;
      left.id = merges.at(pairKey(top.leftId, top.rightId)).result;
      right.alive = false;
      left.next = right.next;
      if (right.next >= 0)
        symbols[static_cast<size_t>(right.next)].prev = top.left;
      consider(left.prev);
      consider(top.left);
    }
    for (int i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next)
      result.push_back(symbols[static_cast<size_t>(i)].id);
  }
  out.insert(out.end(), result.begin(), result.end());
  if (cacheable) {
    std::lock_guard<std::mutex> guard(cacheLock);
    if (cache.size() >= kCacheEntries)
      cache.clear();
    cache.emplace(std::string(piece), std::move(result));
  }
  return Error::ok();
}

} // namespace seqrt::tokenizer
