//===- GenerationConfig.cpp - a folder's beam-search defaults -------------===//

#include "GenerationConfig.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include <sys/stat.h>

namespace {

bool isFile(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// A token id field: null is "none" (-1).
std::string readId(const nlohmann::json &j, const char *key, int32_t &out) {
  if (!j.contains(key) || j[key].is_null())
    return "";
  const nlohmann::json &v = j[key];
  if (v.is_array()) {
    if (v.size() != 1)
      return std::string(key) +
             " lists several ids; beam search stops at one (give --eos)";
    return v[0].is_number_integer() ? (out = v[0].get<int32_t>(), "")
                                    : std::string(key) + " is not an id";
  }
  if (!v.is_number_integer())
    return std::string(key) + " is not an id";
  out = v.get<int32_t>();
  return "";
}

} // namespace

std::string readGenerationDefaults(const std::string &folder,
                                   const std::vector<int32_t> &prompt,
                                   BeamSettings &settings) {
  seq_beam_options_init(&settings.options);
  std::string path = folder + "/generation_config.json";
  if (!isFile(path))
    path = folder + "/config.json";
  if (!isFile(path))
    return "";
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return path + ": not a JSON object";
  settings.source = path;
  seq_beam_options &o = settings.options;
  auto fail = [&](const std::string &what) { return path + ": " + what; };
  for (auto [key, field] :
       {std::pair<const char *, int32_t *>{"eos_token_id", &o.eos_token_id},
        {"forced_bos_token_id", &o.forced_bos_token_id},
        {"forced_eos_token_id", &o.forced_eos_token_id}})
    if (std::string e = readId(j, key, *field); !e.empty())
      return fail(e);
  if (j.contains("length_penalty") && j["length_penalty"].is_number())
    o.length_penalty = j["length_penalty"].get<float>();
  if (j.contains("no_repeat_ngram_size") &&
      j["no_repeat_ngram_size"].is_number_integer())
    o.no_repeat_ngram_size = j["no_repeat_ngram_size"].get<uint32_t>();
  if (j.contains("early_stopping")) {
    const nlohmann::json &e = j["early_stopping"];
    if (e.is_boolean())
      o.early_stopping = e.get<bool>() ? 1 : 0;
    else if (e == "never")
      o.early_stopping = -1;
    else
      return fail("early_stopping must be true, false or \"never\"");
  }
  if (j.contains("bad_words_ids") && !j["bad_words_ids"].is_null()) {
    for (const nlohmann::json &words : j["bad_words_ids"]) {
      if (!words.is_array() || words.size() != 1 ||
          !words[0].is_number_integer())
        return fail("bad_words_ids holds a sequence of several tokens; "
                    "only single tokens are banned");
      settings.suppressed.push_back(words[0].get<int32_t>());
    }
  }
  if (j.contains("suppress_tokens") && j["suppress_tokens"].is_array())
    for (const nlohmann::json &id : j["suppress_tokens"])
      if (id.is_number_integer())
        settings.suppressed.push_back(id.get<int32_t>());
  if (j.contains("min_length") && j["min_length"].is_number_integer())
    settings.minLength = j["min_length"].get<uint32_t>();
  if (j.contains("min_new_tokens") && j["min_new_tokens"].is_number_integer())
    o.min_new_tokens = j["min_new_tokens"].get<uint32_t>();
  // Processors beam search does not implement: refused when set.
  for (const char *key : {"repetition_penalty", "encoder_repetition_penalty"})
    if (j.contains(key) && j[key].is_number() && j[key].get<double>() != 1.0)
      return fail(std::string(key) + " is not implemented for beam search");
  if (j.contains("begin_suppress_tokens") &&
      j["begin_suppress_tokens"].is_array())
    for (const nlohmann::json &id : j["begin_suppress_tokens"])
      if (id.is_number_integer())
        settings.beginSuppressed.push_back(id.get<int32_t>());
  o.begin_suppress_tokens = settings.beginSuppressed.data();
  o.n_begin_suppress_tokens = settings.beginSuppressed.size();
  // transformers forces token t at decoder position p ([p, t] pairs; a null
  // t, Whisper's language, is left to the prompt): the prompt must say so.
  if (j.contains("forced_decoder_ids") && j["forced_decoder_ids"].is_array())
    for (const nlohmann::json &pair : j["forced_decoder_ids"]) {
      if (!pair.is_array() || pair.size() != 2 ||
          !pair[0].is_number_integer() ||
          !(pair[1].is_null() || pair[1].is_number_integer()))
        return fail("forced_decoder_ids must hold [position, token] pairs");
      if (pair[1].is_null())
        continue;
      int64_t at = pair[0].get<int64_t>();
      int32_t id = pair[1].get<int32_t>();
      if (at < 0 || static_cast<uint64_t>(at) >= prompt.size() ||
          prompt[static_cast<size_t>(at)] != id)
        return fail("forced_decoder_ids forces token " + std::to_string(id) +
                    " at decoder position " + std::to_string(at) +
                    ": give the decoder prompt with it (--prompt-ids; "
                    "Whisper: its start, language, task and "
                    "no-timestamps tokens)");
    }
  for (const char *key : {"sequence_bias", "exponential_decay_length_penalty"})
    if (j.contains(key) && !j[key].is_null() &&
        !(j[key].is_array() && j[key].empty()))
      return fail(std::string(key) + " is not implemented for beam search");
  if (j.contains("encoder_no_repeat_ngram_size") &&
      j["encoder_no_repeat_ngram_size"].is_number_integer() &&
      j["encoder_no_repeat_ngram_size"].get<int>() > 0)
    return fail("encoder_no_repeat_ngram_size is not implemented for beam "
                "search");
  o.suppress_tokens = settings.suppressed.data();
  o.n_suppress_tokens = settings.suppressed.size();
  return "";
}
