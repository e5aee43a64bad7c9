//===- Model.h - a tokenizer.json model -------------------------*- C++ -*-===//
//
// The model turns one pre-tokenized piece into ids (BPE, WordPiece) and
// holds the vocabulary the decoder reads back.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_MODEL_H
#define SEQC_RUNTIME_SRC_TOKENIZER_MODEL_H

#include "Error.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seqrt::tokenizer {

/// Token strings and their ids.
class Vocabulary {
public:
  /// Adds token `text` with `id`.
  void add(const std::string &text, int32_t id) {
    ids[text] = id;
    if (static_cast<size_t>(id) >= tokens.size())
      tokens.resize(static_cast<size_t>(id) + 1);
    tokens[static_cast<size_t>(id)] = text;
  }
  /// The id of token `text`, or -1.
  int32_t find(std::string_view text) const {
    auto it = ids.find(std::string(text));
    return it == ids.end() ? -1 : it->second;
  }
  /// The text of `id`, or null.
  const std::string *text(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= tokens.size())
      return nullptr;
    return &tokens[static_cast<size_t>(id)];
  }
  size_t size() const { return tokens.size(); }
  /// Appends the ids of the "<0xAB>" byte tokens of `text` (byte fallback)
  /// and returns true, or appends nothing and returns false when one is
  /// missing.
  bool appendByteTokens(std::string_view text,
                        std::vector<int32_t> &out) const {
    size_t before = out.size();
    for (unsigned char b : text) {
      static const char digits[] = "0123456789ABCDEF";
      char name[] = {'<', '0', 'x', digits[b >> 4], digits[b & 15], '>'};
      int32_t id = find(std::string_view(name, sizeof name));
      if (id < 0) {
        out.resize(before);
        return false;
      }
      out.push_back(id);
    }
    return true;
  }

private:
  std::unordered_map<std::string, int32_t> ids;
  std::vector<std::string> tokens; ///< by id; "" for ids not given
};

class Model {
public:
  virtual ~Model() = default;
  /// Appends the ids of `piece`.
  virtual Error encode(std::string_view piece,
                       std::vector<int32_t> &ids) const = 0;
  const Vocabulary &vocabulary() const { return vocab; }

protected:
  Vocabulary vocab;
};

} // namespace seqrt::tokenizer

#endif // SEQC_RUNTIME_SRC_TOKENIZER_MODEL_H
