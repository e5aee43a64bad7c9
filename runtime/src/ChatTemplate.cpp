//===- ChatTemplate.cpp - a model folder's chat template ------------------===//

#include "ChatTemplate.h"

#include "Gguf.h"

#include "minja.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <sys/stat.h>

namespace seqrt {

using ordered_json = nlohmann::ordered_json;

struct ChatTemplate::Impl {
  std::string name;
  std::shared_ptr<minja::TemplateNode> root;
  ordered_json specialTokens = ordered_json::object(); ///< bos_token, ...
};

namespace {

Error invalid(const std::string &message) {
  return makeError(SEQ_ERROR_INVALID_MODEL, message);
}

bool readFile(const std::string &path, std::string &text) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

bool isFolder(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

/// The template text of tokenizer_config.json's "chat_template": a string,
/// or a list of {"name", "template"} whose "default" transformers uses.
Error templateOf(const ordered_json &config, const std::string &file,
                 std::string &source) {
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null())
    return makeError(SEQ_ERROR_UNSUPPORTED,
                     file + " has no chat_template (and no chat_template.jinja "
                            "is beside it): the model has no chat format");
  if (it->is_string()) {
    source = it->get<std::string>();
    return Error::ok();
  }
  if (it->is_array())
    for (const ordered_json &named : *it)
      if (named.is_object() && named.value("name", "") == "default" &&
          named.contains("template") && named["template"].is_string()) {
        source = named["template"].get<std::string>();
        return Error::ok();
      }
  return invalid(file + ": chat_template is neither a string nor a list "
                        "with a \"default\" template");
}

/// Jinja filters chat templates use that minja lacks: replace and first.
void addFilters(minja::Context &context) {
  using minja::ArgumentsValue;
  using minja::Value;
  context.set(
      "replace", Value::callable([](const std::shared_ptr<minja::Context> &,
                                    ArgumentsValue &args) {
        args.expectArgs("replace", {3, 4}, {0, 0});
        std::string s = args.args[0].get<std::string>();
        std::string from = args.args[1].get<std::string>();
        std::string to = args.args[2].get<std::string>();
        int64_t count =
            args.args.size() == 4 ? args.args[3].get<int64_t>() : -1;
        if (from.empty())
          return Value(s);
        std::string out;
        size_t last = 0;
        for (size_t at = s.find(from); at != std::string::npos && count != 0;
             at = s.find(from, last), --count) {
          out.append(s, last, at - last);
          out += to;
          last = at + from.size();
        }
        out.append(s, last, std::string::npos);
        return Value(out);
      }));
  context.set("first",
              Value::callable([](const std::shared_ptr<minja::Context> &,
                                 ArgumentsValue &args) {
                args.expectArgs("first", {1, 1}, {0, 0});
                Value &items = args.args[0];
                if (items.is_array())
                  return items.size() ? items.at(0) : Value();
                if (items.is_string()) {
                  std::string s = items.get<std::string>();
                  size_t n = s.empty() ? 0 : 1;
                  while (n < s.size() &&
                         (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
                    ++n;
                  return Value(s.substr(0, n));
                }
                throw std::runtime_error("first: not a list or string");
              }));
}

} // namespace

ChatTemplate::ChatTemplate() : impl(new Impl()) {}
ChatTemplate::~ChatTemplate() = default;

/// The template of GGUF file `path` (tokenizer.chat_template) and its
/// special tokens' texts, as a tokenizer_config.json would hold them.
static Error ggufTemplate(const std::string &path, std::string &source,
                          std::string &config) {
  std::string error;
  std::unique_ptr<gguf::File> file = gguf::File::open(path, error);
  if (!file)
    return invalid(error);
  const gguf::Value *chat = file->find("tokenizer.chat_template");
  if (!chat || chat->type != gguf::ValueType::String)
    return invalid(path + ": no chat template (metadata "
                          "'tokenizer.chat_template')");
  source = chat->string;
  const gguf::Value *tokens = file->find("tokenizer.ggml.tokens");
  ordered_json special = ordered_json::object();
  for (const char *name : {"bos", "eos", "unknown", "padding"}) {
    const gguf::Value *id =
        file->find(std::string("tokenizer.ggml.") + name + "_token_id");
    if (!tokens || !id || !id->isInteger() || id->integer < 0 ||
        static_cast<size_t>(id->integer) >= tokens->strings.size())
      continue;
    std::string key = std::string(name) == "unknown" ? "unk_token"
                      : std::string(name) == "padding"
                          ? "pad_token"
                          : std::string(name) + "_token";
    special[key] = tokens->strings[static_cast<size_t>(id->integer)];
  }
  config = special.dump();
  return Error::ok();
}

Error ChatTemplate::load(const std::string &path,
                         std::unique_ptr<ChatTemplate> &out) {
  if (gguf::File::hasMagic(path)) {
    std::string source, config;
    if (Error e = ggufTemplate(path, source, config))
      return e;
    return parse(source, config, path, out);
  }
  std::string configFile, templateFile;
  if (isFolder(path)) {
    configFile = path + "/tokenizer_config.json";
    templateFile = path + "/chat_template.jinja";
  } else if (path.size() >= 6 &&
             path.compare(path.size() - 6, 6, ".jinja") == 0) {
    templateFile = path;
  } else {
    configFile = path;
  }
  std::string config, source;
  bool haveConfig = !configFile.empty() && readFile(configFile, config);
  bool haveTemplate = !templateFile.empty() && readFile(templateFile, source);
  if (!haveConfig && !haveTemplate)
    return makeError(SEQ_ERROR_IO,
                     "cannot read " +
                         (configFile.empty() ? templateFile : configFile));
  std::string name = haveTemplate ? templateFile : configFile;
  if (!haveTemplate) {
    ordered_json parsed = ordered_json::parse(config, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
      return invalid(configFile + ": not a JSON object");
    if (Error e = templateOf(parsed, configFile, source))
      return e;
  }
  return parse(source, haveConfig ? config : std::string_view(), name, out);
}

Error ChatTemplate::parse(const std::string &source, std::string_view config,
                          const std::string &name,
                          std::unique_ptr<ChatTemplate> &out) {
  std::unique_ptr<ChatTemplate> chat(new ChatTemplate());
  chat->impl->name = name;
  if (!config.empty()) {
    ordered_json parsed = ordered_json::parse(config, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
      return invalid(name + ": the tokenizer configuration is not a JSON "
                            "object");
    // transformers passes special_tokens_map: each *_token as its text
    // (written as a string or an added-token object).
    for (auto &[key, value] : parsed.items()) {
      if (key.size() < 6 || key.compare(key.size() - 6, 6, "_token") != 0)
        continue;
      if (value.is_string())
        chat->impl->specialTokens[key] = value;
      else if (value.is_object() && value.contains("content") &&
               value["content"].is_string())
        chat->impl->specialTokens[key] = value["content"];
    }
  }
  try {
    chat->impl->root = minja::Parser::parse(source, {/*trim_blocks=*/true,
                                                     /*lstrip_blocks=*/true,
                                                     /*keep_trailing_newline=*/
                                                     false});
  } catch (const std::exception &e) {
    return invalid(name + ": the chat template does not parse: " + e.what());
  }
  out = std::move(chat);
  return Error::ok();
}

Error ChatTemplate::apply(std::string_view messages, bool addGenerationPrompt,
                          std::string &text) const {
  ordered_json list = ordered_json::parse(messages, nullptr, false);
  if (list.is_discarded() || !list.is_array())
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     "the messages are not a JSON array");
  for (size_t i = 0; i < list.size(); ++i) {
    const ordered_json &message = list[i];
    if (!message.is_object() || !message.contains("role"))
      return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                       "message " + std::to_string(i) +
                           " is not an object with a \"role\"");
    // Typed (multimodal) content lists render differently in each engine;
    // seqc's models take text.
    auto content = message.find("content");
    if (content != message.end() && !content->is_string() &&
        !content->is_null())
      return makeError(SEQ_ERROR_UNSUPPORTED,
                       "message " + std::to_string(i) +
                           ": only text content (a string) is implemented");
  }
  try {
    ordered_json values = ordered_json::object();
    for (auto &[key, value] : impl->specialTokens.items())
      values[key] = value;
    values["messages"] = list;
    values["tools"] = nullptr;
    values["documents"] = nullptr;
    values["add_generation_prompt"] = addGenerationPrompt;
    // One set of builtins for every render: minja's builtins hold a
    // reference cycle, so building them per render would leak each time.
    static const std::shared_ptr<minja::Context> builtins =
        minja::Context::builtins();
    auto context = minja::Context::make(minja::Value(values), builtins);
    auto now = std::chrono::system_clock::now();
    context->set(
        "strftime_now",
        minja::Value::callable([now](const std::shared_ptr<minja::Context> &,
                                     minja::ArgumentsValue &args) {
          args.expectArgs("strftime_now", {1, 1}, {0, 0});
          std::string format = args.args[0].get<std::string>();
          std::time_t time = std::chrono::system_clock::to_time_t(now);
          std::tm local = *std::localtime(&time);
          std::ostringstream out;
          out << std::put_time(&local, format.c_str());
          return out.str();
        }));
    // A macro the template defines holds the context it was defined in,
    // and the context holds the macro: drop the context's values after
    // rendering (or failing) so that the cycle is freed.
    struct Release {
      std::shared_ptr<minja::Context> context;
      ~Release() {
        for (const minja::Value &key : context->keys())
          context->set(key, minja::Value());
      }
    } release{context};
    addFilters(*context);
    text = impl->root->render(context);
  } catch (const std::exception &e) {
    return makeError(SEQ_ERROR_INVALID_ARGUMENT,
                     impl->name + ": the chat template failed: " + e.what());
  }
  return Error::ok();
}

} // namespace seqrt
