//===- GgufVocabulary.cpp - a GGUF file's tokenizer as tokenizer.json -----===//
//
// The settings follow llama.cpp's llama-vocab.cpp (llama_vocab::impl::load):
// its token types (1 normal, 2 unknown, 3 control, 4 user-defined, 5
// unused, 6 byte), its per-pre-tokenizer regexes and defaults, and its
// tokenizer.ggml.* keys.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/GgufVocabulary.h"

#include "Gguf.h"
#include "tokenizer/Spec.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace seqrt::tokenizer {

namespace {

using gguf::ValueType;
using spec::invalid;
using spec::unsupported;

enum TokenType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4 };
enum TokenTypeMore { Unused = 5, Byte = 6 };

/// llama.cpp's pre-tokenizer regexes (llm_tokenizer_bpe), applied in turn.
const char *const kGpt2Regex =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|"
    "\\s+(?!\\S)";
const char *const kLlama3Regex =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|"
    "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char *const kQwen2Regex =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|"
    "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

struct PreTokenizer {
  std::vector<const char *> names;
  std::vector<const char *> regexes;
  bool ignoreMerges = false, addBos = false;
};

const std::vector<PreTokenizer> &preTokenizers() {
  static const std::vector<PreTokenizer> kAll = {
      {{"default", ""},
       {"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2Regex, "\\p{N}+", "[0-9][0-9][0-9]"}},
      {{"llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "lfm2", "dbrx",
        "smaug-bpe"},
       {kLlama3Regex},
       true,
       true},
      {{"gpt-2", "phi-2", "mpt", "olmo", "jais"}, {kGpt2Regex}},
      {{"qwen2", "deepseek-r1-qwen", "stablelm2"}, {kQwen2Regex}},
      {{"smollm", "starcoder", "refact", "command-r", "codeshell", "exaone",
        "minerva"},
       {"\\p{N}", kGpt2Regex}},
  };
  return kAll;
}

json::Value
object(std::initializer_list<std::pair<const char *, json::Value>> members) {
  json::Object o;
  for (const auto &[key, value] : members)
    o.insert(key, value);
  return json::Value(std::move(o));
}

/// Reads the tokenizer.ggml.* keys; remembers which were read.
class Keys {
public:
  explicit Keys(const gguf::File &file) : file(file) {}
  const gguf::Value *find(const std::string &key) {
    used.insert(key);
    return file.find(key);
  }
  Error check() const {
    for (const auto &[key, value] : file.metadata()) {
      if (std::string_view(key).substr(0, 15) == "tokenizer.ggml." &&
          !used.count(key))
        return unsupported(file.path() + ": metadata '" + key +
                           "' is not read by seqc's tokenizer; it may change "
                           "the tokens");
    }
    return Error::ok();
  }

private:
  const gguf::File &file;
  std::set<std::string> used;
};

Error badKey(const gguf::File &file, const std::string &key,
             const std::string &why) {
  return invalid(file.path() + ": metadata '" + key + "' " + why);
}

} // namespace

Error ggufTokenizerJson(const gguf::File &file, json::Value &out,
                        int32_t &spaceAfterSkippedBos) {
  spaceAfterSkippedBos = -1;
  Keys keys(file);
  auto string = [&](const std::string &key, std::string &value) -> Error {
    const gguf::Value *v = keys.find(key);
    if (!v)
      return Error::ok();
    if (v->type != ValueType::String)
      return badKey(file, key, "must be a string");
    value = v->string;
    return Error::ok();
  };
  auto flag = [&](const std::string &key, bool &value) -> Error {
    const gguf::Value *v = keys.find(key);
    if (!v)
      return Error::ok();
    if (v->type != ValueType::Bool)
      return badKey(file, key, "must be a bool");
    value = v->integer != 0;
    return Error::ok();
  };
  std::string model;
  if (Error e = string("tokenizer.ggml.model", model))
    return e;
  if (model.empty())
    return invalid(file.path() + ": no tokenizer (metadata "
                                 "'tokenizer.ggml.model' is missing)");
  if (model != "llama" && model != "gpt2")
    return unsupported(file.path() + ": tokenizer model '" + model +
                       "' is not supported (llama and gpt2 are)");
  bool spm = model == "llama";

  const gguf::Value *tokens = keys.find("tokenizer.ggml.tokens");
  if (!tokens || !tokens->isArray() ||
      tokens->elementType != ValueType::String || tokens->strings.empty())
    return badKey(file, "tokenizer.ggml.tokens",
                  "must be a non-empty array of strings");
  const std::vector<std::string> &pieces = tokens->strings;
  size_t n = pieces.size();
  if (n > static_cast<size_t>(INT32_MAX))
    return badKey(file, "tokenizer.ggml.tokens", "has too many tokens");
  std::vector<int64_t> types(n, Normal);
  if (const gguf::Value *t = keys.find("tokenizer.ggml.token_type")) {
    if (!t->isArray() || t->integers.size() != n)
      return badKey(file, "tokenizer.ggml.token_type",
                    "must be an integer array as long as the tokens");
    types = t->integers;
  }
  std::vector<double> scores;
  if (const gguf::Value *s = keys.find("tokenizer.ggml.scores")) {
    if (!s->isArray() || s->reals.size() != n)
      return badKey(file, "tokenizer.ggml.scores",
                    "must be a float array as long as the tokens");
    scores = s->reals;
  }
  if (spm && scores.empty())
    return badKey(file, "tokenizer.ggml.scores",
                  "is missing (a llama tokenizer ranks merges by score)");

  // Special token ids: BOS/EOS for the post-processor, UNK for the model;
  // the others matter for generation only.
  auto tokenId = [&](const std::string &key, int64_t &id) -> Error {
    id = -1;
    const gguf::Value *v = keys.find(key);
    if (!v)
      return Error::ok();
    if (!v->isInteger() || v->integer < 0 ||
        static_cast<size_t>(v->integer) >= n)
      return badKey(file, key, "must be a token id below " + std::to_string(n));
    id = v->integer;
    return Error::ok();
  };
  int64_t bos = -1, eos = -1, unk = -1, ignored = -1;
  if (Error e = tokenId("tokenizer.ggml.bos_token_id", bos))
    return e;
  if (Error e = tokenId("tokenizer.ggml.eos_token_id", eos))
    return e;
  if (Error e = tokenId("tokenizer.ggml.unknown_token_id", unk))
    return e;
  for (const char *key :
       {"tokenizer.ggml.padding_token_id", "tokenizer.ggml.seperator_token_id",
        "tokenizer.ggml.mask_token_id", "tokenizer.ggml.eot_token_id",
        "tokenizer.ggml.eom_token_id", "tokenizer.ggml.prefix_token_id",
        "tokenizer.ggml.suffix_token_id", "tokenizer.ggml.middle_token_id",
        "tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.fim_suf_token_id",
        "tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.fim_pad_token_id",
        "tokenizer.ggml.fim_rep_token_id", "tokenizer.ggml.fim_sep_token_id"})
    if (Error e = tokenId(key, ignored))
      return e;
  if (spm) {
    // llama.cpp's defaults for SentencePiece vocabularies (Llama's ids).
    if (unk < 0)
      unk = 0;
    if (bos < 0 && n > 1)
      bos = 1;
    if (eos < 0 && n > 2)
      eos = 2;
  }

  // llama.cpp's defaults, then the file's settings.
  bool addBos = spm, addEos = false, addSpacePrefix = spm, ignoreMerges = false,
       removeExtraWhitespace = false, addSep = false;
  std::vector<const char *> regexes;
  std::string pre;
  if (Error e = string("tokenizer.ggml.pre", pre))
    return e;
  if (!spm) {
    const PreTokenizer *found = nullptr;
    for (const PreTokenizer &p : preTokenizers())
      for (const char *name : p.names)
        if (pre == name)
          found = &p;
    if (!found) {
      std::string known;
      for (const PreTokenizer &p : preTokenizers())
        for (const char *name : p.names)
          if (*name)
            known += (known.empty() ? "" : ", ") + std::string(name);
      return unsupported(file.path() + ": pre-tokenizer '" + pre +
                         "' (tokenizer.ggml.pre) is not supported (" + known +
                         " are)");
    }
    regexes = found->regexes;
    ignoreMerges = found->ignoreMerges;
    addBos = found->addBos;
    addSpacePrefix = false;
  }
  if (Error e = flag("tokenizer.ggml.add_bos_token", addBos))
    return e;
  if (Error e = flag("tokenizer.ggml.add_eos_token", addEos))
    return e;
  if (Error e = flag("tokenizer.ggml.add_space_prefix", addSpacePrefix))
    return e;
  // Read by llama.cpp for Unigram vocabularies only.
  if (Error e = flag("tokenizer.ggml.remove_extra_whitespaces",
                     removeExtraWhitespace))
    return e;
  if (Error e = flag("tokenizer.ggml.add_sep_token", addSep))
    return e;
  if (addSep)
    return unsupported(file.path() +
                       ": metadata 'tokenizer.ggml.add_sep_token' "
                       "is true (a pair separator seqc does not "
                       "add)");
  if (addBos && bos < 0)
    return badKey(file, "tokenizer.ggml.bos_token_id",
                  "is missing but the tokenizer adds a BOS token");
  if (addEos && eos < 0)
    return badKey(file, "tokenizer.ggml.eos_token_id",
                  "is missing but the tokenizer adds an EOS token");

  // The vocabulary; a piece held twice is looked up as its last id, as in
  // llama.cpp's token_to_id.
  std::unordered_map<std::string, int64_t> idOf;
  for (size_t i = 0; i < n; ++i)
    idOf[pieces[i]] = static_cast<int64_t>(i);
  json::Object vocab;
  json::Value::ArrayType added;
  for (size_t i = 0; i < n; ++i) {
    int64_t type = types[i];
    if (type == Control || type == UserDefined || type == Unknown) {
      added.push_back(object({{"id", static_cast<int64_t>(i)},
                              {"content", pieces[i]},
                              {"single_word", false},
                              {"lstrip", false},
                              {"rstrip", false},
                              {"normalized", false},
                              {"special", type != UserDefined}}));
    }
    if (idOf[pieces[i]] == static_cast<int64_t>(i))
      vocab.insert(pieces[i], static_cast<int64_t>(i));
  }

  json::Value::ArrayType merges;
  if (spm) {
    // SentencePiece BPE: pair (a, b) ranks by the score of a + b.
    struct Merge {
      double score;
      int64_t left, right;
    };
    std::vector<Merge> ranked;
    for (size_t i = 0; i < n; ++i) {
      if (types[i] == Control || types[i] == Byte || types[i] == Unknown)
        continue;
      const std::string &piece = pieces[i];
      for (size_t cut = 1; cut < piece.size(); ++cut) {
        if ((static_cast<unsigned char>(piece[cut]) & 0xC0) == 0x80)
          continue; // inside a character
        auto l = idOf.find(piece.substr(0, cut));
        auto r = idOf.find(piece.substr(cut));
        if (l != idOf.end() && r != idOf.end())
          ranked.push_back({scores[i], l->second, r->second});
      }
    }
    std::sort(ranked.begin(), ranked.end(), [](const Merge &a, const Merge &b) {
      if (a.score != b.score)
        return a.score > b.score;
      return a.left != b.left ? a.left < b.left : a.right < b.right;
    });
    for (const Merge &m : ranked)
      merges.push_back(json::Value::ArrayType{pieces[m.left], pieces[m.right]});
  } else {
    const gguf::Value *list = keys.find("tokenizer.ggml.merges");
    if (!list || !list->isArray() || list->elementType != ValueType::String)
      return badKey(file, "tokenizer.ggml.merges",
                    "must be an array of strings");
    for (const std::string &merge : list->strings) {
      size_t space = merge.find(' ', 1);
      if (space == std::string::npos)
        return badKey(file, "tokenizer.ggml.merges",
                      "holds '" + merge + "', not two pieces");
      merges.push_back(json::Value::ArrayType{merge.substr(0, space),
                                              merge.substr(space + 1)});
    }
  }
  if (Error e = keys.check())
    return e;

  json::Object root;
  root.insert("version", "1.0");
  root.insert("truncation", nullptr);
  root.insert("padding", nullptr);
  root.insert("added_tokens", std::move(added));
  const std::string space = "\xe2\x96\x81"; // U+2581
  auto replace = [](const std::string &from, const std::string &to) {
    return object({{"type", "Replace"},
                   {"pattern", object({{"String", from}})},
                   {"content", to}});
  };
  if (spm) {
    json::Value::ArrayType normalizers;
    if (addSpacePrefix)
      normalizers.push_back(object({{"type", "Prepend"}, {"prepend", space}}));
    normalizers.push_back(replace(" ", space));
    root.insert("normalizer",
                object({{"type", "Sequence"},
                        {"normalizers", std::move(normalizers)}}));
    root.insert("pre_tokenizer", nullptr);
    json::Value::ArrayType decoders{replace(space, " "),
                                    object({{"type", "ByteFallback"}}),
                                    object({{"type", "Fuse"}})};
    if (addSpacePrefix)
      decoders.push_back(object(
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}));
    root.insert("decoder", object({{"type", "Sequence"},
                                   {"decoders", std::move(decoders)}}));
  } else {
    root.insert("normalizer", nullptr);
    json::Value::ArrayType steps;
    for (const char *regex : regexes)
      steps.push_back(object({{"type", "Split"},
                              {"pattern", object({{"Regex", regex}})},
                              {"behavior", "Isolated"},
                              {"invert", false}}));
    steps.push_back(object({{"type", "ByteLevel"},
                            {"add_prefix_space", false},
                            {"trim_offsets", true},
                            {"use_regex", false}}));
    root.insert("pre_tokenizer", object({{"type", "Sequence"},
                                         {"pretokenizers", std::move(steps)}}));
    root.insert("decoder", object({{"type", "ByteLevel"},
                                   {"add_prefix_space", true},
                                   {"trim_offsets", true},
                                   {"use_regex", true}}));
  }
  // BOS/EOS around the text, as llama.cpp's tokenize(add_special) adds them.
  json::Value::ArrayType single;
  json::Object special;
  auto specialToken = [&](int64_t id) {
    single.push_back(object(
        {{"SpecialToken", object({{"id", pieces[id]}, {"type_id", 0}})}}));
    special.insert(pieces[id],
                   object({{"id", pieces[id]},
                           {"ids", json::Value::ArrayType{json::Value(id)}},
                           {"tokens", json::Value::ArrayType{pieces[id]}}}));
  };
  if (addBos)
    specialToken(bos);
  single.push_back(
      object({{"Sequence", object({{"id", "A"}, {"type_id", 0}})}}));
  if (addEos)
    specialToken(eos);
  root.insert("post_processor",
              object({{"type", "TemplateProcessing"},
                      {"single", std::move(single)},
                      {"special_tokens", json::Value(std::move(special))}}));
  json::Object bpe;
  bpe.insert("type", "BPE");
  bpe.insert("dropout", nullptr);
  bpe.insert("unk_token", unk >= 0 ? json::Value(pieces[unk]) : nullptr);
  bpe.insert("continuing_subword_prefix", nullptr);
  bpe.insert("end_of_word_suffix", nullptr);
  bpe.insert("fuse_unk", spm);
  bpe.insert("byte_fallback", spm);
  bpe.insert("ignore_merges", ignoreMerges);
  bpe.insert("vocab", std::move(vocab));
  bpe.insert("merges", std::move(merges));
  root.insert("model", std::move(bpe));
  out = json::Value(std::move(root));
  if (spm && addSpacePrefix && bos >= 0)
    spaceAfterSkippedBos = static_cast<int32_t>(bos);
  return Error::ok();
}

} // namespace seqrt::tokenizer
