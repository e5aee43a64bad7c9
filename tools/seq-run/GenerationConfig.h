//===- GenerationConfig.h - a folder's beam-search defaults -----*- C++ -*-===//
//
// transformers' generate() takes its defaults from the model folder's
// generation_config.json (or config.json); seq-run --beams does the same
// for the fields beam search implements, and refuses what it cannot honour
// (several EOS ids, multi-token bad words) instead of ignoring it.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TOOLS_SEQ_RUN_GENERATIONCONFIG_H
#define SEQC_TOOLS_SEQ_RUN_GENERATIONCONFIG_H

#include "seq/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

/// Beam-search settings: the folder's defaults, then the command line's.
struct BeamSettings {
  seq_beam_options options;
  /// suppress_tokens and single-token bad_words_ids (options points here).
  std::vector<int32_t> suppressed;
  /// begin_suppress_tokens (options points here).
  std::vector<int32_t> beginSuppressed;
  /// min_length: EOS banned while prompt + generated tokens are fewer.
  uint32_t minLength = 0;
  /// The generation_config.json (or config.json) read, "" if none.
  std::string source;
};

/// Fills `settings` from `folder`'s generation_config.json, else its
/// config.json (a file path or GGUF: nothing is read). forced_decoder_ids
/// (Whisper's language and task tokens) are accepted when the decoder
/// `prompt` already holds each forced token at its position. Returns "" or
/// an error naming the file and field.
std::string readGenerationDefaults(const std::string &folder,
                                   const std::vector<int32_t> &prompt,
                                   BeamSettings &settings);

#endif // SEQC_TOOLS_SEQ_RUN_GENERATIONCONFIG_H
