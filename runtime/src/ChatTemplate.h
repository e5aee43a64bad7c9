//===- ChatTemplate.h - a model folder's chat template ----------*- C++ -*-===//
//
// Renders a conversation as transformers' apply_chat_template(tokenize=False)
// does: the folder's Jinja template (chat_template.jinja, or the
// chat_template of tokenizer_config.json) with `messages`,
// `add_generation_prompt`, the special tokens of tokenizer_config.json
// (bos_token, eos_token, ...), raise_exception and strftime_now, in a Jinja
// environment with trim_blocks and lstrip_blocks. The engine is minja
// (third_party/minja), a C++ Jinja for exactly these templates.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_CHATTEMPLATE_H
#define SEQC_RUNTIME_SRC_CHATTEMPLATE_H

#include "Error.h"

#include <memory>
#include <string>
#include <string_view>

namespace seqrt {

class ChatTemplate {
public:
  ~ChatTemplate();
  /// Reads the template of `path`: a model folder, a tokenizer_config.json,
  /// a .jinja file (then without special tokens), or a GGUF file (its
  /// tokenizer.chat_template and special tokens).
  static Error load(const std::string &path,
                    std::unique_ptr<ChatTemplate> &out);
  /// A template from its source and the JSON text of a
  /// tokenizer_config.json-like object holding the special tokens (may be
  /// empty); `name` prefixes error messages.
  static Error parse(const std::string &source, std::string_view config,
                     const std::string &name,
                     std::unique_ptr<ChatTemplate> &out);

  /// `messages` (the JSON text of an array of {"role", "content", ...}
  /// objects) rendered; a template's raise_exception is an error with its
  /// message.
  Error apply(std::string_view messages, bool addGenerationPrompt,
              std::string &text) const;

private:
  ChatTemplate();
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_CHATTEMPLATE_H
