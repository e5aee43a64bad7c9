//===- ChatTemplateTest.cpp - chat templates against transformers ---------===//
//
// Eight templates in the styles model families ship (ChatML, Llama-2,
// Llama-3, Mistral, Gemma, Zephyr, Phi-3, and one with the namespaces,
// macros, filters and tests of newer templates), each on six conversations
// with and without the generation prompt, rendered by the runtime exactly
// as transformers' apply_chat_template renders them
// (tools/goldens/make_chat_goldens.py); where transformers raises (the
// template's raise_exception, or an input it cannot render) the runtime
// fails too, with the template's message. Typed (multimodal) content is
// refused. Plus loading from a folder's tokenizer_config.json and the
// refusals.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

namespace {

const std::string kDir = SEQC_CHAT_GOLDENS_DIR;

/// Writes a model folder with `config` as tokenizer_config.json.
std::string writeFolder(const std::string &name, const nlohmann::json &config) {
  std::string dir = ::testing::TempDir() + "/seqc-chat-" + name;
  std::string command = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  EXPECT_EQ(std::system(command.c_str()), 0);
  std::ofstream(dir + "/tokenizer_config.json") << config.dump();
  return dir;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Renders with `chat`; the status, and the text or last error in `out`.
seq_status render(seq_chat_template *chat, const std::string &messages,
                  bool generation, std::string &out) {
  size_t length = 0;
  seq_status s = seq_chat_template_apply(chat, messages.c_str(), generation,
                                         nullptr, 0, &length);
  if (s != SEQ_OK && s != SEQ_ERROR_CAPACITY) {
    out = seq_last_error();
    return s;
  }
  out.assign(length + 1, '\0');
  s = seq_chat_template_apply(chat, messages.c_str(), generation, out.data(),
                              out.size(), &length);
  out.resize(length);
  return s;
}

TEST(ChatTemplateTest, RendersAsTransformers) {
  std::ifstream in(kDir + "/cases.jsonl");
  size_t cases = 0, raised = 0, refused = 0;
  for (std::string line; std::getline(in, line); ++cases) {
    nlohmann::json c = nlohmann::json::parse(line);
    std::string family = c["family"];
    nlohmann::json config = c["special"];
    config["chat_template"] = readFile(kDir + "/" + family + ".jinja");
    std::string dir = writeFolder(family, config);
    seq_chat_template *chat = nullptr;
    ASSERT_EQ(seq_chat_template_open(dir.c_str(), &chat), SEQ_OK)
        << family << ": " << seq_last_error();
    std::string out;
    seq_status s = render(chat, c["messages"].dump(),
                          c["add_generation_prompt"].get<bool>(), out);
    seq_chat_template_close(chat);
    std::string where =
        family + " case " + std::to_string(cases) + " " + c["messages"].dump();
    bool typed = false;
    for (const nlohmann::json &m : c["messages"])
      typed = typed || !m["content"].is_string();
    if (typed) { // content lists: refused, whatever jinja2 makes of them
      ++refused;
      EXPECT_EQ(s, SEQ_ERROR_UNSUPPORTED) << where << ": " << out;
      EXPECT_NE(out.find("only text content"), std::string::npos) << out;
      continue;
    }
    if (c.contains("text")) {
      ASSERT_EQ(s, SEQ_OK) << where << ": " << out;
      EXPECT_EQ(out, c["text"].get<std::string>()) << where;
      continue;
    }
    ++raised;
    EXPECT_EQ(s, SEQ_ERROR_INVALID_ARGUMENT) << where << " rendered: " << out;
    // A template's own raise_exception message comes through.
    std::string error = c["error"];
    if (error.find("alternate") != std::string::npos ||
        error.find("not supported") != std::string::npos)
      EXPECT_NE(out.find(error), std::string::npos) << where << ": " << out;
  }
  EXPECT_EQ(cases, 96u);
  EXPECT_GE(raised, 10u);
  EXPECT_EQ(refused, 16u);
}

TEST(ChatTemplateTest, ReadsTheFolderForms) {
  std::string source = readFile(kDir + "/chatml.jinja");
  std::string messages = R"([{"role": "user", "content": "hi"}])";
  // A list of named templates: transformers takes "default".
  std::string named = writeFolder(
      "named", {{"eos_token", {{"content", "<|im_end|>"}, {"special", true}}},
                {"chat_template",
                 {{{"name", "tool_use"}, {"template", "TOOLS"}},
                  {{"name", "default"}, {"template", source}}}}});
  seq_chat_template *chat = nullptr;
  ASSERT_EQ(seq_chat_template_open(named.c_str(), &chat), SEQ_OK)
      << seq_last_error();
  std::string out;
  EXPECT_EQ(render(chat, messages, true, out), SEQ_OK);
  EXPECT_EQ(out, "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                 "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  seq_chat_template_close(chat);
  // chat_template.jinja beside the configuration wins.
  std::ofstream(named + "/chat_template.jinja") << "{{ eos_token }}|"
                                                << "{{ messages | length }}";
  ASSERT_EQ(seq_chat_template_open(named.c_str(), &chat), SEQ_OK);
  EXPECT_EQ(render(chat, messages, false, out), SEQ_OK);
  EXPECT_EQ(out, "<|im_end|>|1");
  seq_chat_template_close(chat);
}

TEST(ChatTemplateTest, Refusals) {
  seq_chat_template *chat = nullptr;
  std::string none = writeFolder("none", {{"eos_token", "</s>"}});
  EXPECT_EQ(seq_chat_template_open(none.c_str(), &chat), SEQ_ERROR_UNSUPPORTED);
  EXPECT_NE(std::string(seq_last_error()).find("has no chat_template"),
            std::string::npos);
  EXPECT_EQ(seq_chat_template_open("/nonexistent/folder", &chat), SEQ_ERROR_IO);
  std::string broken =
      writeFolder("broken", {{"chat_template", "{% for m in messages %}"}});
  EXPECT_EQ(seq_chat_template_open(broken.c_str(), &chat),
            SEQ_ERROR_INVALID_MODEL);
  EXPECT_NE(std::string(seq_last_error()).find("does not parse"),
            std::string::npos);
  std::string ok =
      writeFolder("ok", {{"chat_template", readFile(kDir + "/chatml.jinja")}});
  ASSERT_EQ(seq_chat_template_open(ok.c_str(), &chat), SEQ_OK);
  std::string out;
  EXPECT_EQ(render(chat, "{\"role\": \"user\"}", true, out),
            SEQ_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(out.find("not a JSON array"), std::string::npos);
  EXPECT_EQ(render(chat, "[1, 2]", true, out), SEQ_ERROR_INVALID_ARGUMENT);
  size_t length = 0;
  EXPECT_EQ(seq_chat_template_apply(chat, nullptr, 1, nullptr, 0, &length),
            SEQ_ERROR_INVALID_ARGUMENT);
  seq_chat_template_close(chat);
  seq_chat_template_close(nullptr);
}

} // namespace
