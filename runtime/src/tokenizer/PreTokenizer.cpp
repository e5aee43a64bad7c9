//===- PreTokenizer.cpp - a tokenizer.json pre-tokenizer ------------------===//

#include "tokenizer/PreTokenizer.h"

#include "tokenizer/ByteLevel.h"
#include "tokenizer/CharClass.h"
#include "tokenizer/RegexSplit.h"
#include "tokenizer/Spec.h"
#include "tokenizer/Utf8.h"

#include <algorithm>
#include <functional>

namespace seqrt::tokenizer {

using namespace spec;

namespace {

/// How a split treats its delimiters (SplitDelimiterBehavior).
enum class Behavior {
  Removed,
  Isolated,
  MergedWithPrevious,
  MergedWithNext,
  Contiguous
};

Error parseBehavior(const std::string &name, Behavior &out) {
  static const std::pair<const char *, Behavior> names[] = {
      {"Removed", Behavior::Removed},
      {"Isolated", Behavior::Isolated},
      {"MergedWithPrevious", Behavior::MergedWithPrevious},
      {"MergedWithNext", Behavior::MergedWithNext},
      {"Contiguous", Behavior::Contiguous}};
  for (const auto &[text, behavior] : names)
    if (name == text) {
      out = behavior;
      return Error::ok();
    }
  return invalid("unknown split behavior '" + name + "'");
}

/// A span of a piece and whether it is a delimiter.
struct Span {
  size_t start, end;
  bool match;
};

/// The pieces of `piece` cut at `spans` (covering it in order) by
/// `behavior`, as NormalizedString::split does; empty pieces dropped.
void splitPiece(const Piece &piece, std::vector<Span> spans, Behavior behavior,
                std::vector<Piece> &out) {
  std::vector<Span> kept;
  auto mergeFold = [&](auto begin, auto end, bool intoNext) {
    bool previous = false;
    for (auto it = begin; it != end; ++it) {
      if (it->match && !previous && !kept.empty()) {
        if (intoNext)
          kept.back().start = it->start;
        else
          kept.back().end = it->end;
      } else {
        kept.push_back({it->start, it->end, false});
      }
      previous = it->match;
    }
  };
  switch (behavior) {
  case Behavior::Isolated:
    for (const Span &s : spans)
      kept.push_back({s.start, s.end, false});
    break;
  case Behavior::Removed:
    kept = spans;
    break;
  case Behavior::Contiguous: {
    bool previous = false;
    for (const Span &s : spans) {
      if (s.match == previous && !kept.empty())
        kept.back().end = s.end;
      else
        kept.push_back({s.start, s.end, false});
      previous = s.match;
    }
    break;
  }
  case Behavior::MergedWithPrevious:
    mergeFold(spans.begin(), spans.end(), false);
    break;
  case Behavior::MergedWithNext:
    mergeFold(spans.rbegin(), spans.rend(), true);
    std::reverse(kept.begin(), kept.end());
    break;
  }
  for (const Span &s : kept)
    if (!s.match && s.end > s.start)
      out.push_back({piece.text.substr(s.start, s.end - s.start),
                     piece.atStart && s.start == 0});
}

/// Spans of `text` where each character satisfying `isDelimiter` is a
/// delimiter of its own.
std::vector<Span> charSpans(const std::string &text,
                            const std::function<bool(uint32_t)> &isDelimiter) {
  std::vector<Span> spans;
  size_t last = 0;
  for (size_t at = 0; at < text.size();) {
    size_t start = at;
    if (!isDelimiter(nextCodePoint(text, at)))
      continue;
    if (last < start)
      spans.push_back({last, start, false});
    spans.push_back({start, at, true});
    last = at;
  }
  if (last < text.size())
    spans.push_back({last, text.size(), false});
  return spans;
}

/// Spans of `text` cut at the matches of `regex`.
Error regexSpans(const RegexSplit &regex, const std::string &text,
                 std::vector<Span> &spans) {
  std::vector<std::pair<size_t, size_t>> matches;
  if (Error e = regex.findMatches(text, matches))
    return e;
  size_t last = 0;
  for (auto [start, end] : matches) {
    if (last != start)
      spans.push_back({last, start, false});
    spans.push_back({start, end, true});
    last = end;
  }
  if (last != text.size())
    spans.push_back({last, text.size(), false});
  return Error::ok();
}

} // namespace

struct PreTokenizer::Step {
  virtual ~Step() = default;
  virtual Error apply(std::vector<Piece> &pieces) const = 0;
};

namespace {

/// Each piece split at characters `isDelimiter` accepts.
struct CharSplit : PreTokenizer::Step {
  std::function<bool(uint32_t)> isDelimiter;
  Behavior behavior;
  CharSplit(std::function<bool(uint32_t)> isDelimiter, Behavior behavior)
      : isDelimiter(std::move(isDelimiter)), behavior(behavior) {}
  Error apply(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (const Piece &piece : pieces)
      splitPiece(piece, charSpans(piece.text, isDelimiter), behavior, out);
    pieces.swap(out);
    return Error::ok();
  }
};

/// Each piece split at the matches of a regex (`invert`: at the text
/// between them).
struct RegexStep : PreTokenizer::Step {
  std::unique_ptr<RegexSplit> regex;
  Behavior behavior;
  bool invert = false;
  Error apply(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    std::vector<Span> spans;
    for (const Piece &piece : pieces) {
      spans.clear();
      if (piece.text.empty()) {
        spans.push_back({0, 0, false});
      } else if (Error e = regexSpans(*regex, piece.text, spans)) {
        return e;
      }
      if (invert)
        for (Span &s : spans)
          s.match = !s.match;
      splitPiece(piece, spans, behavior, out);
    }
    pieces.swap(out);
    return Error::ok();
  }
};

/// ByteLevel: an optional leading space, GPT-2's regex, then each byte as
/// its printable character.
struct ByteLevelStep : PreTokenizer::Step {
  bool addPrefixSpace = false;
  std::unique_ptr<RegexStep> gpt2; ///< or null without use_regex
  Error apply(std::vector<Piece> &pieces) const override {
    if (addPrefixSpace)
      for (Piece &piece : pieces)
        if (!piece.text.empty() && piece.text[0] != ' ')
          piece.text.insert(0, " ");
    if (gpt2)
      if (Error e = gpt2->apply(pieces))
        return e;
    for (Piece &piece : pieces)
      piece.text = toByteLevel(piece.text);
    return Error::ok();
  }
};

/// Metaspace: spaces become the replacement character, which is prepended
/// by the scheme and, with `split`, starts each word.
struct MetaspaceStep : PreTokenizer::Step {
  spec::Metaspace settings;
  Error apply(std::vector<Piece> &pieces) const override {
    std::vector<Piece> out;
    for (Piece &piece : pieces) {
      std::string text;
      for (char c : piece.text) {
        if (c == ' ')
          text += settings.replacement;
        else
          text.push_back(c);
      }
      // Prepending to an empty string does nothing (NormalizedString).
      bool prepend =
          !text.empty() &&
          text.compare(0, settings.replacement.size(), settings.replacement) !=
              0 &&
          (settings.scheme == Metaspace::Scheme::Always ||
           (settings.scheme == Metaspace::Scheme::First && piece.atStart));
      if (prepend)
        text.insert(0, settings.replacement);
      Piece rewritten{std::move(text), piece.atStart};
      if (!settings.split) {
        out.push_back(std::move(rewritten));
        continue;
      }
      uint32_t r = settings.replacementChar;
      splitPiece(rewritten,
                 charSpans(rewritten.text, [r](uint32_t c) { return c == r; }),
                 Behavior::MergedWithNext, out);
    }
    pieces.swap(out);
    return Error::ok();
  }
};

} // namespace

PreTokenizer::PreTokenizer() = default;
PreTokenizer::~PreTokenizer() = default;

Error PreTokenizer::create(const json::Value &spec,
                           std::unique_ptr<PreTokenizer> &out) {
  std::vector<const json::Value *> steps;
  if (Error e = stepsOf(spec, "pretokenizers", steps))
    return e;
  auto pre = std::make_unique<PreTokenizer>();
  for (const json::Value *step : steps)
    if (Error e = pre->addStep(*step))
      return e;
  out = std::move(pre);
  return Error::ok();
}

/// `s` as a regex matching it literally.
static std::string escapeRegex(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos)
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

/// Rust regex's Unicode \w (Alphabetic, marks, decimal digits, connector
/// punctuation, joiners), which PCRE2's \w is not.
static const char *const kWordClass =
    "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}";

Error PreTokenizer::addStep(const json::Value &spec) {
  std::string type = stringField(spec, "type");
  std::string what = "pre_tokenizer '" + type + "'";
  std::unique_ptr<Step> step;
  if (type == "Split") {
    if (Error e = onlyKeys(spec, {"pattern", "behavior", "invert"}, what))
      return e;
    const json::Value *pattern = spec.find("pattern");
    std::string regex;
    if (pattern && pattern->isObject() && pattern->find("Regex"))
      regex = stringField(*pattern, "Regex");
    else if (pattern && pattern->isObject() && pattern->find("String"))
      regex = escapeRegex(stringField(*pattern, "String"));
    else
      return invalid(what + " without a pattern");
    auto split = std::make_unique<RegexStep>();
    if (Error e = parseBehavior(stringField(spec, "behavior"), split->behavior))
      return e;
    split->invert = boolField(spec, "invert", false);
    if (Error e = RegexSplit::compile(regex, split->regex))
      return e;
    step = std::move(split);
  } else if (type == "ByteLevel") {
    if (Error e = onlyKeys(
            spec, {"add_prefix_space", "trim_offsets", "use_regex"}, what))
      return e;
    auto byteLevel = std::make_unique<ByteLevelStep>();
    byteLevel->addPrefixSpace = boolField(spec, "add_prefix_space", false);
    if (boolField(spec, "use_regex", true)) {
      byteLevel->gpt2 = std::make_unique<RegexStep>();
      byteLevel->gpt2->behavior = Behavior::Isolated;
      if (Error e = RegexSplit::compile(kGpt2Pattern, byteLevel->gpt2->regex))
        return e;
    }
    step = std::move(byteLevel);
  } else if (type == "Metaspace") {
    auto meta = std::make_unique<MetaspaceStep>();
    if (Error e = readMetaspace(spec, what, meta->settings))
      return e;
    step = std::move(meta);
  } else if (type == "BertPreTokenizer") {
    if (Error e = onlyKeys(spec, {}, what))
      return e;
    steps.push_back(
        std::make_unique<CharSplit>(isWhitespace, Behavior::Removed));
    step = std::make_unique<CharSplit>(isPunctuation, Behavior::Isolated);
  } else if (type == "WhitespaceSplit") {
    if (Error e = onlyKeys(spec, {}, what))
      return e;
    step = std::make_unique<CharSplit>(isWhitespace, Behavior::Removed);
  } else if (type == "Whitespace") {
    if (Error e = onlyKeys(spec, {}, what))
      return e;
    auto words = std::make_unique<RegexStep>();
    words->behavior = Behavior::Removed;
    words->invert = true;
    std::string w = kWordClass;
    if (Error e =
            RegexSplit::compile("[" + w + "]+|[^" + w + "\\s]+", words->regex))
      return e;
    step = std::move(words);
  } else if (type == "Punctuation") {
    if (Error e = onlyKeys(spec, {"behavior"}, what))
      return e;
    Behavior behavior = Behavior::Isolated;
    if (!isOff(spec, "behavior"))
      if (Error e = parseBehavior(stringField(spec, "behavior"), behavior))
        return e;
    step = std::make_unique<CharSplit>(isPunctuation, behavior);
  } else if (type == "Digits") {
    if (Error e = onlyKeys(spec, {"individual_digits"}, what))
      return e;
    step = std::make_unique<CharSplit>(
        isNumeric, boolField(spec, "individual_digits", false)
                       ? Behavior::Isolated
                       : Behavior::Contiguous);
  } else {
    return unsupported(what + " is not implemented yet (Split, ByteLevel, "
                              "Metaspace, BertPreTokenizer, Whitespace, "
                              "WhitespaceSplit, Punctuation, Digits and "
                              "Sequence are)");
  }
  steps.push_back(std::move(step));
  return Error::ok();
}

Error PreTokenizer::apply(std::vector<Piece> &pieces) const {
  for (const auto &step : steps)
    if (Error e = step->apply(pieces))
      return e;
  return Error::ok();
}

} // namespace seqrt::tokenizer
