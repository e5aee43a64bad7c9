//===- Decoder.cpp - a tokenizer.json decoder -----------------------------===//

#include "tokenizer/Decoder.h"

#include "tokenizer/ByteLevel.h"
#include "tokenizer/Spec.h"
#include "tokenizer/Utf8.h"

namespace seqrt::tokenizer {

using namespace spec;

/// The state a chain of steps passes on.
struct Chain {
  std::vector<std::string> tokens;
  bool first;         ///< tokens[0] begins the sequence
  bool stable = true; ///< no later token can change the text
  bool fused = false; ///< tokens is one string for the whole window
};

struct Decoder::Step {
  virtual ~Step() = default;
  virtual void apply(Chain &chain) const = 0;
};

namespace {

/// ByteLevel: every token's characters back to bytes, all of them one
/// string, invalid UTF-8 replaced (Rust's from_utf8_lossy).
struct ByteLevelStep : Decoder::Step {
  void apply(Chain &chain) const override {
    std::string bytes;
    for (const std::string &token : chain.tokens)
      bytes += fromByteLevel(token);
    size_t tail = 0;
    repairUtf8(bytes, /*keepTail=*/true, &tail);
    chain.stable = chain.stable && tail == 0;
    chain.tokens.assign(1, repairUtf8(bytes));
    chain.fused = true;
  }
};

struct ReplaceStep : Decoder::Step {
  std::string pattern, content;
  void apply(Chain &chain) const override {
    for (std::string &token : chain.tokens)
      replaceAll(token, pattern, content);
  }
};

/// ByteFallback: runs of "<0xAB>" tokens become their bytes when those
/// are valid UTF-8, else one U+FFFD per byte.
struct ByteFallbackStep : Decoder::Step {
  static int byteOf(const std::string &token) {
    auto hex = [](char c) {
      return c >= '0' && c <= '9'   ? c - '0'
             : c >= 'A' && c <= 'F' ? c - 'A' + 10
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                    : -1;
    };
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>')
      return -1;
    int hi = hex(token[3]), lo = hex(token[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }
  void apply(Chain &chain) const override {
    std::vector<std::string> out;
    std::string run;
    auto flushRun = [&] {
      if (run.empty())
        return;
      if (isValidUtf8(run))
        out.push_back(run);
      else
        for (size_t i = 0; i < run.size(); ++i)
          out.push_back("\xEF\xBF\xBD");
      run.clear();
    };
    for (std::string &token : chain.tokens) {
      int b = byteOf(token);
      if (b >= 0) {
        run.push_back(static_cast<char>(b));
        continue;
      }
      flushRun();
      out.push_back(std::move(token));
    }
    // A run at the end may still grow (and change from valid to invalid).
    chain.stable = chain.stable && run.empty();
    flushRun();
    chain.tokens.swap(out);
  }
};

struct FuseStep : Decoder::Step {
  void apply(Chain &chain) const override {
    std::string all;
    for (const std::string &token : chain.tokens)
      all += token;
    chain.tokens.assign(1, std::move(all));
    chain.fused = true;
  }
};

/// Strip: up to `start` leading `content` characters removed from each
/// token (after Fuse: from the sequence's start only).
struct StripStep : Decoder::Step {
  std::string content;
  size_t start = 0;
  void apply(Chain &chain) const override {
    for (size_t i = 0; i < chain.tokens.size(); ++i) {
      if (chain.fused && !chain.first)
        break;
      std::string &token = chain.tokens[i];
      size_t cut = 0;
      for (size_t n = 0;
           n < start && token.compare(cut, content.size(), content) == 0; ++n)
        cut += content.size();
      token.erase(0, cut);
    }
  }
};

/// Metaspace: the replacement character is a space, and dropped entirely
/// from the sequence's first token unless the prepend scheme is "never".
struct MetaspaceStep : Decoder::Step {
  std::string replacement;
  bool prepends = true;
  void apply(Chain &chain) const override {
    for (size_t i = 0; i < chain.tokens.size(); ++i)
      replaceAll(chain.tokens[i], replacement,
                 i == 0 && chain.first && prepends ? "" : " ");
  }
};

/// WordPiece: tokens after the first are joined with a space unless they
/// carry the subword prefix; `cleanup` undoes spaces before punctuation
/// and in contractions, token by token.
struct WordPieceStep : Decoder::Step {
  std::string prefix;
  bool cleanup = true;
  bool joinOnly = false; ///< no decoder: tokens joined with spaces
  void apply(Chain &chain) const override {
    for (size_t i = 0; i < chain.tokens.size(); ++i) {
      std::string &token = chain.tokens[i];
      if (i > 0 || !chain.first) {
        if (!joinOnly && token.compare(0, prefix.size(), prefix) == 0)
          token.erase(0, prefix.size());
        else
          token.insert(0, " ");
      }
      if (joinOnly || !cleanup)
        continue;
      static const char *const rules[][2] = {
          {" .", "."},   {" ?", "?"},     {" !", "!"},    {" ,", ","},
          {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},  {" do not", " don't"},
          {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
      for (const auto &rule : rules)
        replaceAll(token, rule[0], rule[1]);
    }
  }
};

} // namespace

Decoder::Decoder() = default;
Decoder::~Decoder() = default;

Error Decoder::create(const json::Value *spec, std::unique_ptr<Decoder> &out) {
  auto decoder = std::make_unique<Decoder>();
  if (!spec || spec->isNull()) {
    auto join = std::make_unique<WordPieceStep>();
    join->joinOnly = true;
    decoder->steps.push_back(std::move(join));
    out = std::move(decoder);
    return Error::ok();
  }
  std::vector<const json::Value *> steps;
  if (Error e = stepsOf(*spec, "decoders", steps))
    return e;
  for (const json::Value *step : steps)
    if (Error e = decoder->addStep(*step))
      return e;
  out = std::move(decoder);
  return Error::ok();
}

Error Decoder::addStep(const json::Value &spec) {
  std::string type = stringField(spec, "type");
  std::string what = "decoder '" + type + "'";
  std::unique_ptr<Step> step;
  if (type == "ByteLevel") {
    if (Error e = onlyKeys(
            spec, {"add_prefix_space", "trim_offsets", "use_regex"}, what))
      return e;
    step = std::make_unique<ByteLevelStep>();
  } else if (type == "Replace") {
    if (Error e = onlyKeys(spec, {"pattern", "content"}, what))
      return e;
    auto replace = std::make_unique<ReplaceStep>();
    if (Error e = literalPattern(spec, what, replace->pattern))
      return e;
    replace->content = stringField(spec, "content");
    step = std::move(replace);
  } else if (type == "ByteFallback") {
    if (Error e = onlyKeys(spec, {}, what))
      return e;
    step = std::make_unique<ByteFallbackStep>();
  } else if (type == "Fuse") {
    if (Error e = onlyKeys(spec, {}, what))
      return e;
    step = std::make_unique<FuseStep>();
  } else if (type == "Strip") {
    if (Error e = onlyKeys(spec, {"content", "start", "stop"}, what))
      return e;
    auto strip = std::make_unique<StripStep>();
    uint32_t c = 0;
    if (Error e = charField(spec, "content", what, c))
      return e;
    strip->content = stringField(spec, "content");
    const json::Value *start = spec.find("start"), *stop = spec.find("stop");
    if (!start || !start->isInt() || start->getInt() < 0 || !stop ||
        !stop->isInt() || stop->getInt() < 0)
      return invalid(what + " without a valid 'start' and 'stop'");
    // Stripping the end of the text would hold back every stream.
    if (stop->getInt() != 0)
      return unsupported(what + " with 'stop' " +
                         std::to_string(stop->getInt()) +
                         " is not implemented yet (stop 0 is)");
    strip->start = static_cast<size_t>(start->getInt());
    step = std::move(strip);
  } else if (type == "Metaspace") {
    spec::Metaspace settings;
    if (Error e = readMetaspace(spec, what, settings))
      return e;
    auto meta = std::make_unique<MetaspaceStep>();
    meta->replacement = settings.replacement;
    meta->prepends = settings.scheme != spec::Metaspace::Scheme::Never;
    step = std::move(meta);
  } else if (type == "WordPiece") {
    if (Error e = onlyKeys(spec, {"prefix", "cleanup"}, what))
      return e;
    auto wordPiece = std::make_unique<WordPieceStep>();
    const json::Value *prefix = spec.find("prefix");
    wordPiece->prefix =
        prefix && prefix->isString() ? prefix->getString() : "##";
    wordPiece->cleanup = boolField(spec, "cleanup", true);
    step = std::move(wordPiece);
  } else {
    return unsupported(what + " is not implemented yet (ByteLevel, "
                              "Metaspace, WordPiece, Replace, ByteFallback, "
                              "Fuse, Strip and Sequence are)");
  }
  steps.push_back(std::move(step));
  return Error::ok();
}

std::string Decoder::decode(std::vector<std::string> tokens, bool first,
                            bool *stable) const {
  Chain chain{std::move(tokens), first};
  for (const auto &step : steps)
    step->apply(chain);
  std::string text;
  for (const std::string &token : chain.tokens)
    text += token;
  if (stable)
    *stable = chain.stable;
  return text;
}

} // namespace seqrt::tokenizer
