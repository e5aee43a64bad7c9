//===- ChatTemplateApi.cpp - the chat-template part of seq/runtime.h ------===//

#include "seq/runtime.h"

#include "ApiGuard.h"
#include "ChatTemplate.h"

struct seq_chat_template {
  std::unique_ptr<seqrt::ChatTemplate> impl;
};

extern "C" {

seq_status seq_chat_template_open(const char *path, seq_chat_template **out) {
  if (!path || !out)
    return seqrt::invalidArgument(
        "seq_chat_template_open: null path or out_template");
  *out = nullptr;
  return seqrt::guarded([&] {
    auto chat = std::make_unique<seq_chat_template>();
    seqrt::Error e = seqrt::ChatTemplate::load(path, chat->impl);
    if (!e)
      *out = chat.release();
    return e;
  });
}

void seq_chat_template_close(seq_chat_template *chat_template) {
  delete chat_template;
}

seq_status seq_chat_template_apply(const seq_chat_template *chat_template,
                                   const char *messages_json,
                                   int add_generation_prompt, char *text,
                                   size_t capacity, size_t *out_length) {
  if (!chat_template || !messages_json || !out_length || (!text && capacity))
    return seqrt::invalidArgument("seq_chat_template_apply: null template, "
                                  "messages, text or out_length");
  *out_length = 0;
  return seqrt::guarded([&] {
    std::string rendered;
    if (seqrt::Error e = chat_template->impl->apply(
            messages_json, add_generation_prompt != 0, rendered))
      return e;
    return seqrt::copyText(rendered, text, capacity, out_length);
  });
}

} // extern "C"
