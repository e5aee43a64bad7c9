//===- Tokenizer.cpp - a Hugging Face tokenizer.json ----------------------===//

#include "tokenizer/Tokenizer.h"

#include "Gguf.h"
#include "tokenizer/GgufVocabulary.h"

#include "Json.h"
#include "tokenizer/Bpe.h"
#include "tokenizer/CharClass.h"
#include "tokenizer/Spec.h"
#include "tokenizer/Unigram.h"
#include "tokenizer/Utf8.h"
#include "tokenizer/WordPiece.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unicode/uchar.h>

namespace seqrt::tokenizer {

using namespace spec;

namespace {

/// Reads `model["vocab"]` (token → id) into `add`.
template <typename Add>
Error readVocab(const json::Value &model, const std::string &what, Add add,
                size_t &size) {
  const json::Value *vocab = model.find("vocab");
  if (!vocab || !vocab->isObject())
    return invalid(what + " 'vocab' is not an object");
  for (const json::Member &entry : vocab->getObject()) {
    const json::Value &id = entry.value;
    if (!id.isInt() || id.getInt() < 0 || id.getInt() > INT32_MAX)
      return invalid("vocab entry '" + entry.key + "' has no valid id");
    add(entry.key, static_cast<int32_t>(id.getInt()));
    size = std::max(size, static_cast<size_t>(id.getInt()) + 1);
  }
  return Error::ok();
}

/// A [token, id] pair of BertProcessing/RobertaProcessing.
Error processingToken(const json::Value &post, const char *key, int32_t &id) {
  const json::Value *pair = post.find(key);
  if (!pair || !pair->isArray() || pair->getArray().size() != 2 ||
      !pair->getArray()[1].isInt() || pair->getArray()[1].getInt() < 0 ||
      pair->getArray()[1].getInt() > INT32_MAX)
    return invalid(std::string("post_processor '") + key +
                   "' is not a [token, id] pair");
  id = static_cast<int32_t>(pair->getArray()[1].getInt());
  return Error::ok();
}

} // namespace

Error Tokenizer::load(const std::string &path,
                      std::unique_ptr<Tokenizer> &out) {
  std::string file = path;
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
    file = path + "/tokenizer.json";
  if (gguf::File::hasMagic(file)) {
    // A GGUF file's own tokenizer (its tokenizer.ggml.* metadata).
    std::string error;
    std::unique_ptr<gguf::File> gguf = gguf::File::open(file, error);
    if (!gguf)
      return invalid(error);
    json::Value root;
    int32_t bos = -1;
    if (Error e = ggufTokenizerJson(*gguf, root, bos))
      return e;
    auto tokenizer = std::unique_ptr<Tokenizer>(new Tokenizer());
    if (Error e = tokenizer->read(root, file))
      return e;
    tokenizer->spaceAfterSkippedBos = bos;
    out = std::move(tokenizer);
    return Error::ok();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return makeError(SEQ_ERROR_IO, "cannot read " + file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), file, out);
}

Error Tokenizer::parse(std::string_view text, const std::string &name,
                       std::unique_ptr<Tokenizer> &out) {
  json::Value root;
  std::string error;
  if (!json::parse(text, root, error))
    return invalid(name + ":" + error);
  auto tokenizer = std::unique_ptr<Tokenizer>(new Tokenizer());
  if (Error e = tokenizer->read(root, name))
    return e;
  out = std::move(tokenizer);
  return Error::ok();
}

Error Tokenizer::read(const json::Value &root, const std::string &file) {
  auto where = [&](const Error &e) {
    return makeError(e.status, file + ": " + e.message);
  };
  if (!root.isObject())
    return where(invalid("expected a JSON object"));
  if (Error e = onlyKeys(root,
                         {"version", "truncation", "padding", "added_tokens",
                          "normalizer", "pre_tokenizer", "model",
                          "post_processor", "decoder"},
                         "the tokenizer"))
    return where(e);
  if (!isOff(root, "truncation"))
    if (Error e = readTruncation(*root.find("truncation")))
      return where(e);
  // Padding fills a batch to one length with tokens its attention mask
  // hides; seqc encodes one text at a time, and its ids are the wheel's
  // without the padding.
  if (!isOff(root, "padding"))
    if (Error e = onlyKeys(*root.find("padding"),
                           {"strategy", "direction", "pad_to_multiple_of",
                            "pad_id", "pad_type_id", "pad_token"},
                           "'padding'"))
      return where(e);
  if (!isOff(root, "normalizer"))
    if (Error e = Normalizer::create(*root.find("normalizer"), normalizer))
      return where(e);
  if (!isOff(root, "pre_tokenizer"))
    if (Error e = PreTokenizer::create(*root.find("pre_tokenizer"), pre))
      return where(e);
  const json::Value *modelSpec = root.find("model");
  if (!modelSpec || !modelSpec->isObject())
    return where(invalid("no 'model' object"));
  if (Error e = readModel(*modelSpec))
    return where(e);
  if (const json::Value *list = root.find("added_tokens"))
    if (Error e = readAddedTokens(*list))
      return where(e);
  if (const json::Value *post = root.find("post_processor");
      post && !post->isNull())
    if (Error e = readPostProcessor(*post))
      return where(e);
  if (Error e = Decoder::create(root.find("decoder"), decoding))
    return where(e);
  return Error::ok();
}

Error Tokenizer::readTruncation(const json::Value &spec) {
  if (Error e =
          onlyKeys(spec, {"max_length", "strategy", "stride", "direction"},
                   "'truncation'"))
    return e;
  const json::Value *maxLength = spec.find("max_length");
  if (!maxLength || !maxLength->isInt() || maxLength->getInt() < 0)
    return invalid("'truncation' has no valid 'max_length'");
  // One text: LongestFirst and OnlyFirst cut it; OnlySecond has nothing
  // to cut (the library fails).
  std::string strategy = stringField(spec, "strategy");
  if (strategy != "LongestFirst" && strategy != "OnlyFirst")
    return unsupported("'truncation' strategy '" + strategy +
                       "' on a single text (LongestFirst and OnlyFirst are "
                       "implemented)");
  std::string direction = stringField(spec, "direction");
  if (direction != "Right" && direction != "Left" && !direction.empty())
    return invalid("'truncation' direction '" + direction + "'");
  truncateTo = static_cast<size_t>(maxLength->getInt());
  truncateLeft = direction == "Left";
  return Error::ok();
}

Error Tokenizer::readAddedTokens(const json::Value &list) {
  // Matched in the raw text before anything else.
  if (!list.isArray())
    return invalid("'added_tokens' is not an array");
  for (const json::Value &token : list.getArray()) {
    const json::Value *id = token.find("id");
    std::string content = token.isObject() ? stringField(token, "content") : "";
    if (!id || !id->isInt() || id->getInt() < 0 || id->getInt() > INT32_MAX ||
        content.empty())
      return invalid("an added token without an id or content");
    if (Error e = onlyKeys(token,
                           {"id", "content", "single_word", "lstrip", "rstrip",
                            "normalized", "special"},
                           "added token '" + content + "'"))
      return e;
    bool special = boolField(token, "special", false);
    AddedToken t{content,
                 static_cast<int32_t>(id->getInt()),
                 special,
                 boolField(token, "single_word", false),
                 boolField(token, "lstrip", false),
                 boolField(token, "rstrip", false),
                 boolField(token, "normalized", !special),
                 content};
    // A normalized token is looked for in normalized text as its content
    // normalized.
    if (t.normalized && normalizer)
      if (Error e = normalizer->apply(content, t.pattern))
        return e;
    if (t.pattern.empty())
      return invalid("added token '" + content + "' normalizes to nothing");
    addedById[t.id] = added.size();
    added.push_back(t);
    size = std::max(size, static_cast<size_t>(t.id) + 1);
  }
  for (size_t i = 0; i < added.size(); ++i)
    addedByFirstByte[added[i].normalized]
                    [static_cast<unsigned char>(added[i].pattern[0])]
                        .push_back(i);
  for (auto &pass : addedByFirstByte)
    for (auto &candidates : pass)
      std::stable_sort(
          candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
            return added[a].pattern.size() > added[b].pattern.size();
          });
  return Error::ok();
}

Error Tokenizer::readModel(const json::Value &spec) {
  std::string type = stringField(spec, "type");
  // Files from older versions of the library may leave the type out; it
  // then reads the model as the first kind whose fields fit.
  if (!spec.find("type")) {
    const json::Value *vocab = spec.find("vocab");
    type = spec.find("merges")                     ? "BPE"
           : vocab && vocab->isArray()             ? "Unigram"
           : spec.find("max_input_chars_per_word") ? "WordPiece"
                                                   : "WordLevel";
  }
  std::string what = "model '" + type + "'";
  if (type == "WordPiece") {
    if (Error e = onlyKeys(spec,
                           {"unk_token", "continuing_subword_prefix",
                            "max_input_chars_per_word", "vocab"},
                           what))
      return e;
    auto wordPiece = std::make_unique<WordPiece>();
    if (Error e = readVocab(
            spec, what,
            [&](const std::string &t, int32_t id) {
              wordPiece->addToken(t, id);
            },
            size))
      return e;
    const json::Value *prefix = spec.find("continuing_subword_prefix");
    const json::Value *maxChars = spec.find("max_input_chars_per_word");
    if (maxChars && (!maxChars->isInt() || maxChars->getInt() < 0))
      return invalid(what + " 'max_input_chars_per_word' is not a count");
    if (Error e = wordPiece->configure(
            isOff(spec, "unk_token") ? "[UNK]" : stringField(spec, "unk_token"),
            prefix && prefix->isString() ? prefix->getString() : "##",
            maxChars ? static_cast<size_t>(maxChars->getInt()) : 100))
      return e;
    model = std::move(wordPiece);
    return Error::ok();
  }
  if (type == "Unigram") {
    if (Error e = onlyKeys(spec, {"unk_id", "vocab", "byte_fallback"}, what))
      return e;
    auto unigram = std::make_unique<Unigram>();
    const json::Value *vocab = spec.find("vocab");
    if (!vocab || !vocab->isArray())
      return invalid(what + " 'vocab' is not an array");
    for (const json::Value &entry : vocab->getArray()) {
      if (!entry.isArray() || entry.getArray().size() != 2 ||
          !entry.getArray()[0].isString() || !entry.getArray()[1].isNumber())
        return invalid(what + " has a vocab entry that is not [piece, score]");
      unigram->addToken(entry.getArray()[0].getString(),
                        entry.getArray()[1].getNumber());
    }
    size = std::max(size, unigram->vocabulary().size());
    const json::Value *unk = spec.find("unk_id");
    if (unk && !unk->isNull() && (!unk->isInt() || unk->getInt() < 0))
      return invalid(what + " 'unk_id' is not an index");
    if (Error e = unigram->configure(unk && unk->isInt() ? unk->getInt() : -1,
                                     boolField(spec, "byte_fallback", false)))
      return e;
    model = std::move(unigram);
    return Error::ok();
  }
  if (type != "BPE")
    return unsupported(what + " is not implemented yet (BPE, WordPiece and "
                              "Unigram are)");
  if (Error e = onlyKeys(spec,
                         {"dropout", "unk_token", "continuing_subword_prefix",
                          "end_of_word_suffix", "fuse_unk", "byte_fallback",
                          "ignore_merges", "vocab", "merges"},
                         what))
    return e;
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (!isOff(spec, key))
      return unsupported(std::string("BPE '") + key +
                         "' is set; it is not implemented yet");
  if (const json::Value *dropout = spec.find("dropout");
      dropout && !dropout->isNull() &&
      !(dropout->isNumber() && dropout->getNumber() == 0))
    return unsupported("BPE 'dropout' is set; seqc encodes deterministically "
                       "(set it to null)");
  auto bpe = std::make_unique<Bpe>();
  bpe->setIgnoreMerges(boolField(spec, "ignore_merges", false));
  bpe->setByteFallback(boolField(spec, "byte_fallback", false));
  if (Error e = readVocab(
          spec, what,
          [&](const std::string &t, int32_t id) { bpe->addToken(t, id); },
          size))
    return e;
  if (!isOff(spec, "unk_token"))
    bpe->setUnknown(bpe->vocabulary().find(stringField(spec, "unk_token")),
                    boolField(spec, "fuse_unk", false));
  const json::Value *merges = spec.find("merges");
  if (!merges || !merges->isArray())
    return invalid("BPE 'merges' is not an array");
  for (const json::Value &merge : merges->getArray()) {
    std::string left, right;
    if (merge.isString()) { // "a b"
      const std::string &s = merge.getString();
      size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != s.npos)
        return invalid("merge '" + s + "' is not two tokens");
      left = s.substr(0, space), right = s.substr(space + 1);
    } else if (merge.isArray() && merge.getArray().size() == 2 &&
               merge.getArray()[0].isString() &&
               merge.getArray()[1].isString()) { // ["a", "b"]
      left = merge.getArray()[0].getString();
      right = merge.getArray()[1].getString();
    } else {
      return invalid("a merge is neither \"a b\" nor [\"a\", \"b\"]");
    }
    if (Error e = bpe->addMerge(left, right))
      return e;
  }
  model = std::move(bpe);
  return Error::ok();
}

Error Tokenizer::readPostProcessor(const json::Value &post) {
  std::vector<const json::Value *> steps;
  if (Error e = stepsOf(post, "processors", steps))
    return e;
  for (const json::Value *step : steps) {
    std::string type = stringField(*step, "type");
    std::string what = "post_processor '" + type + "'";
    if (type == "ByteLevel") {
      if (Error e = onlyKeys(
              *step, {"add_prefix_space", "trim_offsets", "use_regex"}, what))
        return e;
      continue; // offsets only
    }
    if (type == "BertProcessing" || type == "RobertaProcessing") {
      // [CLS] $A [SEP] (<s> $A </s>); the rest concerns offsets.
      if (Error e = onlyKeys(
              *step, {"sep", "cls", "trim_offsets", "add_prefix_space"}, what))
        return e;
      int32_t cls = 0, sep = 0;
      if (Error e = processingToken(*step, "cls", cls))
        return e;
      if (Error e = processingToken(*step, "sep", sep))
        return e;
      prefix.push_back(cls);
      suffix.insert(suffix.begin(), sep);
      continue;
    }
    if (type != "TemplateProcessing")
      return unsupported(what + " is not implemented yet (ByteLevel, "
                                "TemplateProcessing, BertProcessing and "
                                "RobertaProcessing are)");
    if (Error e = onlyKeys(*step, {"single", "pair", "special_tokens"}, what))
      return e;
    const json::Value *single = step->find("single");
    const json::Value *special = step->find("special_tokens");
    if (!single || !single->isArray() || !special || !special->isObject())
      return invalid("TemplateProcessing without 'single' or "
                     "'special_tokens'");
    bool seenSequence = false;
    for (const json::Value &piece : single->getArray()) {
      if (piece.find("Sequence")) {
        if (seenSequence)
          return invalid("TemplateProcessing 'single' holds two sequences");
        seenSequence = true;
        continue;
      }
      const json::Value *token = piece.find("SpecialToken");
      std::string name = token ? stringField(*token, "id") : "";
      const json::Value *entry = special->find(name);
      const json::Value *ids = entry ? entry->find("ids") : nullptr;
      if (!ids || !ids->isArray())
        return invalid("TemplateProcessing special token '" + name +
                       "' has no ids");
      for (const json::Value &id : ids->getArray()) {
        if (!id.isInt() || id.getInt() < 0 || id.getInt() > INT32_MAX)
          return invalid("TemplateProcessing special token '" + name +
                         "' has an invalid id");
        (seenSequence ? suffix : prefix)
            .push_back(static_cast<int32_t>(id.getInt()));
      }
    }
    if (!seenSequence)
      return invalid("TemplateProcessing 'single' has no sequence $A");
  }
  return Error::ok();
}

namespace {

/// Rust regex's \w: alphabetic, marks, decimal digits, connector
/// punctuation, joiners.
bool isWordChar(uint32_t c) {
  auto u = static_cast<UChar32>(c);
  return u_hasBinaryProperty(u, UCHAR_ALPHABETIC) ||
         (U_GET_GC_MASK(u) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) ||
         c == 0x200C || c == 0x200D;
}

/// Where the code point ending at `end` of valid UTF-8 `s` starts.
size_t previousStart(std::string_view s, size_t end) {
  size_t at = end - 1;
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80)
    --at;
  return at;
}

} // namespace

void Tokenizer::splitAdded(std::string_view text, bool normalizedPass,
                           std::vector<Split> &splits) const {
  const auto &byFirst = addedByFirstByte[normalizedPass];
  size_t last = 0; // where the text not yet split starts
  for (size_t at = 0; at < text.size();) {
    const AddedToken *match = nullptr;
    for (size_t i : byFirst[static_cast<unsigned char>(text[at])])
      if (text.compare(at, added[i].pattern.size(), added[i].pattern) == 0) {
        match = &added[i];
        break;
      }
    if (!match) {
      ++at;
      continue;
    }
    size_t start = at, stop = at + match->pattern.size();
    at = stop; // the next match is looked for after this one
    if (match->singleWord) {
      size_t before = start ? previousStart(text, start) : 0, after = stop;
      bool wordBefore = start > 0 && isWordChar(nextCodePoint(text, before));
      bool wordAfter =
          stop < text.size() && isWordChar(nextCodePoint(text, after));
      if (wordBefore || wordAfter)
        continue;
    }
    if (match->lstrip) {
      size_t newStart = start;
      while (newStart > 0) {
        size_t previous = previousStart(text, newStart), probe = previous;
        if (!isWhitespace(nextCodePoint(text, probe)))
          break;
        newStart = previous;
      }
      start = std::max(newStart, last);
    }
    if (match->rstrip)
      for (size_t probe = stop; probe < text.size();) {
        if (!isWhitespace(nextCodePoint(text, probe)))
          break;
        stop = probe;
      }
    if (start < last)
      continue; // inside what an earlier token's rstrip took
    if (last < start)
      splits.push_back({last, start, nullptr});
    splits.push_back({start, stop, match});
    last = stop;
    at = std::max(at, stop);
  }
  if (last < text.size())
    splits.push_back({last, text.size(), nullptr});
}

Error Tokenizer::encodeSegment(std::string_view segment, bool atStart,
                               std::vector<int32_t> &ids) const {
  std::string normalized;
  if (normalizer) {
    if (Error e = normalizer->apply(segment, normalized))
      return e;
    segment = normalized;
  }
  std::vector<Split> splits;
  splitAdded(segment, /*normalizedPass=*/true, splits);
  for (const Split &split : splits) {
    if (split.token) {
      ids.push_back(split.token->id);
      continue;
    }
    std::vector<Piece> pieces(
        1,
        Piece{std::string(segment.substr(split.start, split.end - split.start)),
              atStart && split.start == 0});
    if (pre)
      if (Error e = pre->apply(pieces))
        return e;
    for (const Piece &piece : pieces)
      if (Error e = model->encode(piece.text, ids))
        return e;
  }
  return Error::ok();
}

Error Tokenizer::encode(std::string_view text, bool addSpecial,
                        std::vector<int32_t> &ids) const {
  if (!isValidUtf8(text))
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, "the text is not valid UTF-8");
  size_t begin = ids.size();
  std::vector<Split> splits;
  splitAdded(text, /*normalizedPass=*/false, splits);
  for (const Split &split : splits) {
    if (split.token) {
      ids.push_back(split.token->id);
      continue;
    }
    if (Error e =
            encodeSegment(text.substr(split.start, split.end - split.start),
                          split.start == 0, ids))
      return e;
  }
  // Truncation keeps room for the template's tokens.
  size_t specials = addSpecial ? prefix.size() + suffix.size() : 0;
  size_t keep = truncateTo > specials ? truncateTo - specials : 0;
  if (ids.size() - begin > keep) {
    if (truncateLeft)
      ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(begin),
                ids.end() - static_cast<std::ptrdiff_t>(keep));
    else
      ids.resize(begin + keep);
  }
  if (addSpecial) {
    ids.insert(ids.begin() + static_cast<std::ptrdiff_t>(begin), prefix.begin(),
               prefix.end());
    ids.insert(ids.end(), suffix.begin(), suffix.end());
  }
  return Error::ok();
}

Error Tokenizer::tokenOf(int32_t id, bool skipSpecial,
                         std::vector<std::string> &tokens) const {
  auto found = addedById.find(id);
  if (found != addedById.end()) {
    const AddedToken &token = added[found->second];
    // A normalized token reads back as its normalized form, as the
    // library's id_to_token gives it.
    if (!(skipSpecial && token.special))
      tokens.push_back(token.pattern);
    return Error::ok();
  }
  const std::string *text = model->vocabulary().text(id);
  if (!text || text->empty())
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     "token id " + std::to_string(id) +
                         " is not in the tokenizer's vocabulary");
  tokens.push_back(*text);
  return Error::ok();
}

Error Tokenizer::decode(const int32_t *ids, size_t count, bool skipSpecial,
                        std::string &text) const {
  std::vector<std::string> tokens;
  tokens.reserve(count);
  for (size_t i = 0; i < count; ++i)
    if (Error e = tokenOf(ids[i], skipSpecial, tokens))
      return e;
  bool first = !(count && keepsLeadingSpace(ids[0], skipSpecial));
  text = decoding->decode(std::move(tokens), first);
  return Error::ok();
}

Error Detokenizer::push(int32_t id, std::string &text) {
  text.clear();
  if (first && window.empty() && tokenizer.keepsLeadingSpace(id, skipSpecial))
    first = false;
  if (Error e = tokenizer.tokenOf(id, skipSpecial, window))
    return e;
  if (window.empty())
    return Error::ok();
  bool stable = false;
  std::string decoded = tokenizer.decoder().decode(window, first, &stable);
  if (stable) {
    text = std::move(decoded);
    window.clear();
    first = false;
  }
  return Error::ok();
}

std::string Detokenizer::flush() {
  if (window.empty())
    return std::string();
  std::string text = tokenizer.decoder().decode(window, first);
  window.clear();
  first = false;
  return text;
}

} // namespace seqrt::tokenizer
