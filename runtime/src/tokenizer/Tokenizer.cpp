//===- Tokenizer.cpp - a Hugging Face tokenizer.json ----------------------===//

#include "tokenizer/Tokenizer.h"

#include "Json.h"
#include "tokenizer/ByteLevel.h"
#include "tokenizer/Normalizer.h"
#include "tokenizer/Utf8.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace seqrt::tokenizer {
namespace {

Error invalid(const std::string &message) {
  return makeError(SEQ_ERROR_INVALID_MODEL, message);
}
Error unsupported(const std::string &message) {
  return makeError(SEQ_ERROR_UNSUPPORTED, message);
}

/// `object[key]` when it is a string, else "".
std::string stringField(const json::Value &object, const char *key) {
  const json::Value *v = object.find(key);
  return v && v->isString() ? v->getString() : std::string();
}

/// Whether `object[key]` is absent, null, false or "" (a setting left off).
bool isOff(const json::Value &object, const char *key) {
  const json::Value *v = object.find(key);
  return !v || v->isNull() || (v->isBool() && !v->getBool()) ||
         (v->isString() && v->getString().empty());
}

/// `s` as a regex matching it literally.
std::string escapeRegex(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos)
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

} // namespace

Error Tokenizer::load(const std::string &path,
                      std::unique_ptr<Tokenizer> &out) {
  std::string file = path;
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
    file = path + "/tokenizer.json";
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
  for (const char *key : {"truncation", "padding"})
    if (!isOff(root, key))
      return where(unsupported(std::string("'") + key +
                               "' is set; seqc encodes whole texts (set it "
                               "to null)"));
  if (!isOff(root, "normalizer")) {
    const json::Value &spec = *root.find("normalizer");
    if (!spec.isObject())
      return where(invalid("'normalizer' is not an object"));
    if (Error e = Normalizer::create(stringField(spec, "type"), normalizer))
      return where(e);
  }
  const json::Value *model = root.find("model");
  if (!model || !model->isObject())
    return where(invalid("no 'model' object"));
  if (Error e = readModel(*model))
    return where(e);

  // Added tokens: matched in the raw text before anything else.
  if (const json::Value *list = root.find("added_tokens")) {
    if (!list->isArray())
      return where(invalid("'added_tokens' is not an array"));
    for (const json::Value &token : list->getArray()) {
      const json::Value *id = token.find("id");
      std::string content = stringField(token, "content");
      if (!id || !id->isInt() || id->getInt() < 0 || id->getInt() > INT32_MAX ||
          content.empty())
        return where(invalid("an added token without an id or content"));
      for (const char *flag : {"single_word", "lstrip", "rstrip"})
        if (!isOff(token, flag))
          return where(unsupported("added token '" + content + "' sets '" +
                                   flag + "', which is not implemented yet"));
      // Tokens matched after normalization (normalized: true) would need the
      // normalized text's matching pass; the raw text's is implemented.
      if (!isOff(token, "normalized") && !isOff(root, "normalizer"))
        return where(unsupported("added token '" + content +
                                 "' is matched after normalization "
                                 "('normalized': true), which is not "
                                 "implemented yet"));
      const json::Value *special = token.find("special");
      AddedToken t{content, static_cast<int32_t>(id->getInt()),
                   special && special->isBool() && special->getBool()};
      addedById[t.id] = added.size();
      added.push_back(t);
      size = std::max(size, static_cast<size_t>(t.id) + 1);
    }
    for (size_t i = 0; i < added.size(); ++i)
      addedByFirstByte[static_cast<unsigned char>(added[i].content[0])]
          .push_back(i);
    for (auto &candidates : addedByFirstByte)
      std::stable_sort(
          candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
            return added[a].content.size() > added[b].content.size();
          });
  }

  const json::Value *pre = root.find("pre_tokenizer");
  if (!pre || !pre->isObject())
    return where(unsupported("no byte-level pre_tokenizer (only byte-level "
                             "BPE is implemented yet)"));
  if (Error e = readPreTokenizer(*pre))
    return where(e);
  if (const json::Value *post = root.find("post_processor");
      post && !post->isNull())
    if (Error e = readPostProcessor(*post))
      return where(e);

  const json::Value *decoder = root.find("decoder");
  std::string decoderType =
      decoder && decoder->isObject() ? stringField(*decoder, "type") : "";
  if (decoderType != "ByteLevel")
    return where(unsupported("decoder '" + decoderType +
                             "': only the ByteLevel decoder is implemented "
                             "yet"));
  return Error::ok();
}

Error Tokenizer::readModel(const json::Value &model) {
  std::string type = stringField(model, "type");
  if (type != "BPE")
    return unsupported("model type '" + type +
                       "': only BPE is implemented yet");
  for (const char *key : {"dropout", "continuing_subword_prefix",
                          "end_of_word_suffix", "byte_fallback"})
    if (!isOff(model, key))
      return unsupported(std::string("BPE '") + key +
                         "' is set; it is not implemented yet");
  if (!isOff(model, "unk_token"))
    return unsupported("BPE 'unk_token' is set; byte-level vocabularies "
                       "need none, and it is not implemented yet");
  const json::Value *ignore = model.find("ignore_merges");
  bpe.setIgnoreMerges(ignore && ignore->isBool() && ignore->getBool());
  const json::Value *vocab = model.find("vocab");
  if (!vocab || !vocab->isObject())
    return invalid("BPE 'vocab' is not an object");
  for (const json::Member &entry : vocab->getObject()) {
    const json::Value &id = entry.value;
    if (!id.isInt() || id.getInt() < 0 || id.getInt() > INT32_MAX)
      return invalid("vocab entry '" + entry.key + "' has no valid id");
    bpe.addToken(entry.key, static_cast<int32_t>(id.getInt()));
    size = std::max(size, static_cast<size_t>(id.getInt()) + 1);
  }
  const json::Value *merges = model.find("merges");
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
    if (Error e = bpe.addMerge(left, right))
      return e;
  }
  return Error::ok();
}

/// The steps of a pre-tokenizer or post-processor: the members of
/// `listKey` of a Sequence, else `spec` itself.
static Error stepsOf(const json::Value &spec, const char *listKey,
                     std::vector<const json::Value *> &steps) {
  if (stringField(spec, "type") != "Sequence") {
    steps.push_back(&spec);
    return Error::ok();
  }
  const json::Value *list = spec.find(listKey);
  if (!list || !list->isArray())
    return invalid(std::string("a Sequence without '") + listKey + "'");
  for (const json::Value &step : list->getArray())
    steps.push_back(&step);
  return Error::ok();
}

Error Tokenizer::readPreTokenizer(const json::Value &pre) {
  std::vector<const json::Value *> steps;
  if (Error e = stepsOf(pre, "pretokenizers", steps))
    return e;
  for (size_t i = 0; i < steps.size(); ++i) {
    const json::Value &step = *steps[i];
    std::string type = stringField(step, "type");
    if (type == "Split" && i + 1 < steps.size()) {
      const json::Value *pattern = step.find("pattern");
      std::string regex;
      if (pattern && pattern->isObject() && pattern->find("Regex"))
        regex = stringField(*pattern, "Regex");
      else if (pattern && pattern->isObject() && pattern->find("String"))
        regex = escapeRegex(stringField(*pattern, "String"));
      else
        return invalid("Split pre_tokenizer without a pattern");
      if (stringField(step, "behavior") != "Isolated" || !isOff(step, "invert"))
        return unsupported("Split pre_tokenizer behavior '" +
                           stringField(step, "behavior") +
                           "' (or invert): only Isolated is implemented yet");
      std::unique_ptr<RegexSplit> split;
      if (Error e = RegexSplit::compile(regex, split))
        return e;
      splits.push_back(std::move(split));
      continue;
    }
    if (type == "ByteLevel" && i + 1 == steps.size()) {
      addPrefixSpace = !isOff(step, "add_prefix_space");
      const json::Value *useRegex = step.find("use_regex");
      if (!useRegex || (useRegex->isBool() && useRegex->getBool()))
        if (Error e = RegexSplit::compile(kGpt2Pattern, byteLevelSplit))
          return e;
      continue;
    }
    return unsupported("pre_tokenizer '" + type +
                       "' here: byte-level BPE (Split steps, then ByteLevel) "
                       "is implemented yet");
  }
  if (steps.empty() || stringField(*steps.back(), "type") != "ByteLevel")
    return unsupported("the pre_tokenizer does not end in ByteLevel");
  return Error::ok();
}

Error Tokenizer::readPostProcessor(const json::Value &post) {
  std::vector<const json::Value *> steps;
  if (Error e = stepsOf(post, "processors", steps))
    return e;
  for (const json::Value *step : steps) {
    std::string type = stringField(*step, "type");
    if (type == "ByteLevel")
      continue; // offsets only
    if (type != "TemplateProcessing")
      return unsupported("post_processor '" + type +
                         "': ByteLevel and TemplateProcessing are "
                         "implemented yet");
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

Error Tokenizer::encodeSegment(std::string_view segment,
                               std::vector<int32_t> &ids) const {
  std::string normalized;
  if (normalizer) {
    if (Error e = normalizer->apply(segment, normalized))
      return e;
    segment = normalized;
  }
  std::vector<std::string_view> pieces = {segment}, next;
  for (const auto &split : splits) {
    next.clear();
    for (std::string_view piece : pieces)
      if (Error e = split->split(piece, next))
        return e;
    pieces.swap(next);
  }
  std::vector<std::string_view> words;
  std::string prefixed;
  for (std::string_view piece : pieces) {
    std::string_view text = piece;
    if (addPrefixSpace && (text.empty() || text[0] != ' ')) {
      prefixed = " " + std::string(piece);
      text = prefixed;
    }
    words.clear();
    if (byteLevelSplit) {
      if (Error e = byteLevelSplit->split(text, words))
        return e;
    } else {
      words.push_back(text);
    }
    for (std::string_view word : words)
      if (Error e = bpe.encode(toByteLevel(word), ids))
        return e;
  }
  return Error::ok();
}

Error Tokenizer::encode(std::string_view text, bool addSpecial,
                        std::vector<int32_t> &ids) const {
  if (!isValidUtf8(text))
    return makeError(SEQ_ERROR_INVALID_ARGUMENT, "the text is not valid UTF-8");
  if (addSpecial)
    ids.insert(ids.end(), prefix.begin(), prefix.end());
  size_t last = 0;
  for (size_t at = 0; at < text.size();) {
    const AddedToken *match = nullptr;
    for (size_t i : addedByFirstByte[static_cast<unsigned char>(text[at])])
      if (text.compare(at, added[i].content.size(), added[i].content) == 0) {
        match = &added[i];
        break;
      }
    if (!match) {
      ++at;
      continue;
    }
    if (at > last)
      if (Error e = encodeSegment(text.substr(last, at - last), ids))
        return e;
    ids.push_back(match->id);
    at += match->content.size();
    last = at;
  }
  if (last < text.size())
    if (Error e = encodeSegment(text.substr(last), ids))
      return e;
  if (addSpecial)
    ids.insert(ids.end(), suffix.begin(), suffix.end());
  return Error::ok();
}

Error Tokenizer::decodeBytes(const int32_t *ids, size_t count, bool skipSpecial,
                             std::string &bytes) const {
  for (size_t i = 0; i < count; ++i) {
    int32_t id = ids[i];
    auto found = addedById.find(id);
    if (found != addedById.end()) {
      const AddedToken &token = added[found->second];
      if (!(skipSpecial && token.special))
        bytes += fromByteLevel(token.content);
      continue;
    }
    const std::string *text = bpe.text(id);
    if (!text || text->empty())
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       "token id " + std::to_string(id) +
                           " is not in the tokenizer's vocabulary");
    bytes += fromByteLevel(*text);
  }
  return Error::ok();
}

Error Tokenizer::decode(const int32_t *ids, size_t count, bool skipSpecial,
                        std::string &text) const {
  std::string bytes;
  if (Error e = decodeBytes(ids, count, skipSpecial, bytes))
    return e;
  text = repairUtf8(bytes);
  return Error::ok();
}

Error Detokenizer::push(int32_t id, std::string &text) {
  if (Error e = tokenizer.decodeBytes(&id, 1, skipSpecial, pending))
    return e;
  size_t tail = 0;
  text = repairUtf8(pending, /*keepTail=*/true, &tail);
  pending.erase(0, pending.size() - tail);
  return Error::ok();
}

std::string Detokenizer::flush() {
  std::string text = repairUtf8(pending);
  pending.clear();
  return text;
}

} // namespace seqrt::tokenizer
