//===- Normalizer.cpp - a tokenizer.json normalizer -----------------------===//

#include "tokenizer/Normalizer.h"

#include "tokenizer/CharClass.h"
#include "tokenizer/Precompiled.h"
#include "tokenizer/RegexSplit.h"
#include "tokenizer/Spec.h"
#include "tokenizer/Utf8.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "Json.h"

namespace seqrt::tokenizer {

using namespace spec;

struct Normalizer::Step {
  virtual ~Step() = default;
  virtual Error apply(std::string &text) const = 0;
};

namespace {

/// Each character of `text` replaced by what `map` appends for it.
template <typename Map> void mapChars(std::string &text, Map map) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();)
    map(out, nextCodePoint(text, at));
  text.swap(out);
}

struct Unicode : Normalizer::Step {
  const icu::Normalizer2 *icu;
  explicit Unicode(const icu::Normalizer2 *icu) : icu(icu) {}
  Error apply(std::string &text) const override {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString in = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    icu::UnicodeString normalized = icu->normalize(in, status);
    if (U_FAILURE(status))
      return makeError(SEQ_ERROR_INTERNAL,
                       std::string("normalizing text: ") + u_errorName(status));
    text.clear();
    normalized.toUTF8String(text);
    return Error::ok();
  }
};

Error unicodeStep(const std::string &type,
                  std::unique_ptr<Normalizer::Step> &out) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2 *icu =
      type == "NFC"    ? icu::Normalizer2::getNFCInstance(status)
      : type == "NFD"  ? icu::Normalizer2::getNFDInstance(status)
      : type == "NFKC" ? icu::Normalizer2::getNFKCInstance(status)
                       : icu::Normalizer2::getNFKDInstance(status);
  if (U_FAILURE(status) || !icu)
    return makeError(SEQ_ERROR_INTERNAL,
                     "ICU cannot load the " + type +
                         " normalizer: " + u_errorName(status));
  out.reset(new Unicode(icu));
  return Error::ok();
}

/// Prepend: the text, when not empty, gets a prefix.
struct Prepend : Normalizer::Step {
  std::string prefix;
  Error apply(std::string &text) const override {
    if (!text.empty())
      text.insert(0, prefix);
    return Error::ok();
  }
};

/// Replace with a literal pattern: every occurrence, left to right.
struct Replace : Normalizer::Step {
  std::string pattern, content;
  Error apply(std::string &text) const override {
    replaceAll(text, pattern, content);
    return Error::ok();
  }
};

/// Replace with a regex pattern: every match, left to right.
struct RegexReplace : Normalizer::Step {
  std::unique_ptr<RegexSplit> regex;
  std::string content;
  Error apply(std::string &text) const override {
    std::vector<std::pair<size_t, size_t>> matches;
    if (Error e = regex->findMatches(text, matches))
      return e;
    if (matches.empty())
      return Error::ok();
    std::string out;
    size_t last = 0;
    for (auto [start, end] : matches) {
      out.append(text, last, start - last);
      out += content;
      last = end;
    }
    out.append(text, last, std::string::npos);
    text.swap(out);
    return Error::ok();
  }
};

/// SentencePiece's character map (Precompiled.h).
struct PrecompiledStep : Normalizer::Step {
  std::unique_ptr<Precompiled> map;
  Error apply(std::string &text) const override {
    std::string out;
    if (Error e = map->apply(text, out))
      return e;
    text.swap(out);
    return Error::ok();
  }
};

struct Lowercase : Normalizer::Step {
  Error apply(std::string &text) const override {
    mapChars(text, appendLowercase);
    return Error::ok();
  }
};

/// Strip: whitespace removed from the start and/or the end.
struct Strip : Normalizer::Step {
  bool left, right;
  Error apply(std::string &text) const override {
    size_t begin = 0, end = text.size();
    if (left)
      for (size_t at = 0; at < text.size();) {
        if (!isWhitespace(nextCodePoint(text, at)))
          break;
        begin = at;
      }
    if (right) {
      // Walk forward, remembering where the trailing whitespace run began.
      size_t runStart = text.size();
      bool inRun = false;
      for (size_t at = begin; at < text.size();) {
        size_t start = at;
        bool space = isWhitespace(nextCodePoint(text, at));
        if (space && !inRun)
          runStart = start;
        inRun = space;
      }
      end = inRun ? runStart : text.size();
    }
    text = text.substr(begin, end > begin ? end - begin : 0);
    return Error::ok();
  }
};

/// StripAccents: nonspacing marks removed (after an NFD, accents).
struct StripAccents : Normalizer::Step {
  Error apply(std::string &text) const override {
    mapChars(text, [](std::string &out, uint32_t c) {
      if (!isMarkNonspacing(c))
        appendUtf8(out, c);
    });
    return Error::ok();
  }
};

/// The CJK ideograph blocks BERT pads with spaces.
bool isChineseChar(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

struct BertNormalizer : Normalizer::Step {
  bool cleanText, chineseChars, stripAccents, lowercase;
  std::unique_ptr<Normalizer::Step> nfd;
  Error apply(std::string &text) const override {
    if (cleanText)
      mapChars(text, [](std::string &out, uint32_t c) {
        // Controls go (even those that are whitespace, as U+0085), other
        // whitespace becomes a space.
        bool control = c != '\t' && c != '\n' && c != '\r' && isOther(c);
        if (c == 0 || c == 0xFFFD || control)
          return;
        appendUtf8(out, isWhitespace(c) ? ' ' : c);
      });
    if (chineseChars)
      mapChars(text, [](std::string &out, uint32_t c) {
        bool pad = isChineseChar(c);
        if (pad)
          out.push_back(' ');
        appendUtf8(out, c);
        if (pad)
          out.push_back(' ');
      });
    if (stripAccents) {
      if (Error e = nfd->apply(text))
        return e;
      (void)StripAccents().apply(text);
    }
    if (lowercase)
      (void)Lowercase().apply(text);
    return Error::ok();
  }
};

} // namespace

Normalizer::Normalizer() = default;
Normalizer::~Normalizer() = default;

Error Normalizer::create(const json::Value &spec,
                         std::unique_ptr<Normalizer> &out) {
  std::vector<const json::Value *> steps;
  if (Error e = stepsOf(spec, "normalizers", steps))
    return e;
  auto normalizer = std::make_unique<Normalizer>();
  for (const json::Value *step : steps)
    if (Error e = normalizer->addStep(*step))
      return e;
  out = std::move(normalizer);
  return Error::ok();
}

Error Normalizer::addStep(const json::Value &spec) {
  std::string type = stringField(spec, "type");
  std::string what = "normalizer '" + type + "'";
  std::unique_ptr<Step> step;
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    if (Error e = onlyKeys(spec, {}, what))
      return e;
    if (Error e = unicodeStep(type, step))
      return e;
  } else if (type == "Prepend") {
    if (Error e = onlyKeys(spec, {"prepend"}, what))
      return e;
    auto prepend = std::make_unique<Prepend>();
    prepend->prefix = stringField(spec, "prepend");
    step = std::move(prepend);
  } else if (type == "Replace") {
    if (Error e = onlyKeys(spec, {"pattern", "content"}, what))
      return e;
    const json::Value *pattern = spec.find("pattern");
    if (pattern && pattern->isObject() && pattern->find("Regex")) {
      auto replace = std::make_unique<RegexReplace>();
      if (Error e = RegexSplit::compile(stringField(*pattern, "Regex"),
                                        replace->regex))
        return e;
      replace->content = stringField(spec, "content");
      step = std::move(replace);
    } else {
      auto replace = std::make_unique<Replace>();
      if (Error e = literalPattern(spec, what, replace->pattern))
        return e;
      replace->content = stringField(spec, "content");
      step = std::move(replace);
    }
  } else if (type == "Precompiled") {
    if (Error e = onlyKeys(spec, {"precompiled_charsmap"}, what))
      return e;
    const json::Value *map = spec.find("precompiled_charsmap");
    if (!map || !map->isString())
      return invalid(what + " has no precompiled_charsmap");
    auto precompiled = std::make_unique<PrecompiledStep>();
    if (Error e = Precompiled::parse(map->getString(), precompiled->map))
      return e;
    step = std::move(precompiled);
  } else if (type == "Lowercase") {
    if (Error e = onlyKeys(spec, {}, what))
      return e;
    step = std::make_unique<Lowercase>();
  } else if (type == "Strip") {
    if (Error e = onlyKeys(spec, {"strip_left", "strip_right"}, what))
      return e;
    auto strip = std::make_unique<Strip>();
    strip->left = boolField(spec, "strip_left", true);
    strip->right = boolField(spec, "strip_right", true);
    step = std::move(strip);
  } else if (type == "StripAccents") {
    if (Error e = onlyKeys(spec, {}, what))
      return e;
    step = std::make_unique<StripAccents>();
  } else if (type == "BertNormalizer") {
    if (Error e = onlyKeys(spec,
                           {"clean_text", "handle_chinese_chars",
                            "strip_accents", "lowercase"},
                           what))
      return e;
    auto bert = std::make_unique<BertNormalizer>();
    bert->cleanText = boolField(spec, "clean_text", true);
    bert->chineseChars = boolField(spec, "handle_chinese_chars", true);
    bert->lowercase = boolField(spec, "lowercase", true);
    // strip_accents null follows lowercase.
    bert->stripAccents = boolField(spec, "strip_accents", bert->lowercase);
    if (Error e = unicodeStep("NFD", bert->nfd))
      return e;
    step = std::move(bert);
  } else {
    return unsupported(what +
                       " is not implemented yet (NFC, NFD, NFKC, NFKD, "
                       "Prepend, Replace, Precompiled, Lowercase, Strip, "
                       "StripAccents, BertNormalizer and Sequence are)");
  }
  steps.push_back(std::move(step));
  return Error::ok();
}

Error Normalizer::apply(std::string_view text, std::string &out) const {
  out.assign(text);
  for (const auto &step : steps)
    if (Error e = step->apply(out))
      return e;
  return Error::ok();
}

} // namespace seqrt::tokenizer
