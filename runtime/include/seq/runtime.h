/*===- seq/runtime.h - the seqc runtime C API -------------------*- C -*-===*
 *
 * Loads a model compiled by `seqc` (a shared library), binds its weights from
 * safetensors files, and runs it: prefill a prompt, decode token by token,
 * fork or snapshot a session's state (KV cache, convolution and SSM state).
 *
 * Conventions:
 *  - Every call that can fail returns a seq_status; SEQ_OK is 0. On failure,
 *    seq_last_error() returns a readable message for the calling thread.
 *  - Handles are opaque. Objects returned through `out_*` pointers are owned
 *    by the caller and released with the matching destroy/close function.
 *  - Thread safety: a seq_model may be shared by any number of threads and
 *    sessions once opened. A seq_session must be used by one thread at a time;
 *    different sessions may run concurrently.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SEQ_RUNTIME_H
#define SEQ_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this header's API and of the model descriptor it reads. */
#define SEQ_RUNTIME_API_VERSION 1

#if defined(__GNUC__)
#define SEQ_API __attribute__((visibility("default")))
#else
#define SEQ_API
#endif

typedef enum seq_status {
  SEQ_OK = 0,
  SEQ_ERROR_INVALID_ARGUMENT = 1, /* null handle, bad token id, empty prompt */
  SEQ_ERROR_IO = 2,               /* a file is missing or unreadable */
  SEQ_ERROR_INVALID_MODEL = 3,    /* not a seqc model, or descriptor invalid */
  SEQ_ERROR_INVALID_WEIGHTS = 4,  /* corrupt safetensors, missing or
                                     mis-shaped weight */
  SEQ_ERROR_OUT_OF_MEMORY = 5,
  SEQ_ERROR_CAPACITY = 6,    /* more positions than the model holds */
  SEQ_ERROR_UNSUPPORTED = 7, /* a feature this build or model lacks */
  SEQ_ERROR_INTERNAL = 8,
  SEQ_ERROR_DEVICE = 9 /* the model's device is missing or failed
                          (no CUDA driver or GPU, a kernel error) */
} seq_status;

/* A static string naming `status` ("SEQ_ERROR_IO"). Thread-safe. */
SEQ_API const char *seq_status_string(seq_status status);

/* The message of the last failed call on this thread; "" if none. The pointer
 * stays valid until the next failing call on the same thread. */
SEQ_API const char *seq_last_error(void);

typedef struct seq_model seq_model;
typedef struct seq_session seq_session;
typedef struct seq_snapshot seq_snapshot;

/*===--------------------------------------------------------------------===*
 * Models
 *===--------------------------------------------------------------------===*/

typedef struct seq_model_options {
  uint32_t struct_size; /* set by seq_model_options_init */
  int32_t num_threads;  /* 0: $SEQ_NUM_THREADS, else all online cores */
  /* Models compiled with --target=cuda: the GPU to run on; -1 (the
   * default): $SEQ_CUDA_DEVICE, else 0. Ignored for CPU models. */
  int32_t cuda_device;
  /* Non-zero: check every weight once at open and fail with
   * SEQ_ERROR_INVALID_WEIGHTS naming the first NaN or infinity (tensor,
   * flat index and coordinates). Costs one pass over the weights. */
  int32_t validate_weights;
} seq_model_options;

/* Fills `options` with defaults. */
SEQ_API void seq_model_options_init(seq_model_options *options);

/* Opens the compiled model `library_path` (a .so from `seqc`) and binds its
 * weights from `weights_path`: a .safetensors file, a folder holding
 * model.safetensors or a sharded model.safetensors.index.json, or a GGUF
 * file (read as the checkpoint it was converted from; docs/gguf.md) (NULL
 * for a model without weights). `options` may be NULL. On success *out_model
 * owns the library and the mapped weights. */
SEQ_API seq_status seq_model_open(const char *library_path,
                                  const char *weights_path,
                                  const seq_model_options *options,
                                  seq_model **out_model);

/* Releases the model. All its sessions must have been destroyed. NULL is a
 * no-op. */
SEQ_API void seq_model_close(seq_model *model);

/* Size of the logits vector of one position. */
SEQ_API size_t seq_model_vocab_size(const seq_model *model);

/* The most positions (prompt + generated tokens) a session can hold. */
SEQ_API size_t seq_model_max_positions(const seq_model *model);

/*===--------------------------------------------------------------------===*
 * Generic calls (any entry point without state: encoders, single ops)
 *===--------------------------------------------------------------------===*/

typedef enum seq_dtype {
  SEQ_DTYPE_F32 = 0,
  SEQ_DTYPE_F16 = 1,
  SEQ_DTYPE_BF16 = 2,
  SEQ_DTYPE_F64 = 3,
  SEQ_DTYPE_I64 = 4,
  SEQ_DTYPE_I32 = 5,
  SEQ_DTYPE_I8 = 6,
  SEQ_DTYPE_I1 = 7
} seq_dtype;

#define SEQ_MAX_RANK 8

/* A dense row-major tensor the caller owns. */
typedef struct seq_tensor {
  void *data;
  seq_dtype dtype;
  int32_t rank;
  int64_t shape[SEQ_MAX_RANK];
} seq_tensor;

/* Number of inputs / outputs of entry point `entry` (an `index` argument
 * counts as an input: a rank-0 SEQ_DTYPE_I64 tensor). */
SEQ_API seq_status seq_model_entry_arity(const seq_model *model,
                                         const char *entry, size_t *n_inputs,
                                         size_t *n_outputs);

/* The dtype, rank and shape (-1 for a dynamic dim) of input or output
 * `index` of `entry` (inputs in argument order; an index argument is a
 * rank-0 SEQ_DTYPE_I64). `data` is set to NULL. */
SEQ_API seq_status seq_model_entry_tensor(const seq_model *model,
                                          const char *entry, int is_output,
                                          size_t index, seq_tensor *out_spec);

/* Runs `entry` on `inputs`, writing `outputs`, whose buffers and shapes the
 * caller provides. Each tensor must match the entry's dtype, rank and static
 * dims; dynamic dims take the sizes given. Entries with session state are
 * run through seq_prefill/seq_decode instead (SEQ_ERROR_UNSUPPORTED).
 * Thread-safe: concurrent calls on one model are allowed. */
SEQ_API seq_status seq_model_run(seq_model *model, const char *entry,
                                 const seq_tensor *inputs, size_t n_inputs,
                                 seq_tensor *outputs, size_t n_outputs);

/*===--------------------------------------------------------------------===*
 * Sessions
 *===--------------------------------------------------------------------===*/

typedef struct seq_session_options {
  uint32_t struct_size; /* set by seq_session_options_init */
  /* Tokens per model call in seq_prefill: longer prompts run in chunks that
   * fill the state (KV caches, scan states) one after another, so scratch
   * memory is bounded by the chunk and the logits are those of one call.
   * 0 (the default) means SEQ_DEFAULT_PREFILL_CHUNK. */
  uint32_t prefill_chunk;
  /* Non-zero: seq_prefill computes the logits of the last position only
   * (what generation needs; the vocabulary projection then runs on one row)
   * and seq_session_logits returns that one row. Models without a
   * `prefill_last` entry compute every row anyway. Default 0: every row. */
  uint32_t last_logits_only;
  uint32_t reserved; /* 0 */
} seq_session_options;

#define SEQ_DEFAULT_PREFILL_CHUNK 512

SEQ_API void seq_session_options_init(seq_session_options *options);

/* Creates a session at position 0 with zeroed state. `options` may be NULL. */
SEQ_API seq_status seq_session_create(seq_model *model,
                                      const seq_session_options *options,
                                      seq_session **out_session);

/* NULL is a no-op. */
SEQ_API void seq_session_destroy(seq_session *session);

/* Runs `n_tokens` tokens from the session's current position (a prompt, or
 * its continuation). *out_logits (if not NULL) points to the logits of the
 * last position, `vocab_size` floats owned by the session and valid until
 * its next call. */
SEQ_API seq_status seq_prefill(seq_session *session, const int32_t *tokens,
                               size_t n_tokens, const float **out_logits);

/* Encoder-decoder models (an `encode` entry, e.g. Marian): encodes the
 * source `tokens` into the session (the decoder's cross-attention keys and
 * values) and starts a new target at position 0; then seq_prefill the
 * decoder start token and seq_decode as for any model. At most
 * seq_model_max_source_positions tokens. SEQ_ERROR_UNSUPPORTED for a model
 * without an encoder. */
SEQ_API seq_status seq_encode(seq_session *session, const int32_t *tokens,
                              size_t n_tokens);

/* Encoder-decoder models whose encoder reads features (Whisper): encodes
 * `features`, log-mel [n_mels, n_frames] row-major, as
 * WhisperFeatureExtractor computes them (30 s of audio: 3000 frames), and
 * starts a new target as seq_encode does. The shape must be the model's
 * (seq_model_source_features); a non-finite value is
 * SEQ_ERROR_INVALID_ARGUMENT. */
SEQ_API seq_status seq_encode_features(seq_session *session,
                                       const float *features, size_t n_mels,
                                       size_t n_frames);

/* The features shape seq_encode_features takes; SEQ_ERROR_UNSUPPORTED (and
 * 0 x 0) for a model that encodes token ids or has no encoder. */
SEQ_API seq_status seq_model_source_features(const seq_model *model,
                                             size_t *n_mels, size_t *n_frames);

/* Whisper's log-mel features of 16 kHz mono PCM `samples` (in [-1, 1]) as
 * transformers' WhisperFeatureExtractor computes them: the audio padded with
 * zeros or cut to n_frames · 160 samples (3000 frames: 30 s), a centred
 * STFT (periodic Hann window of 400, hop 160, reflect padding), power
 * spectra, `n_mels` Slaney mel filters over 0-8 kHz, log10, floored 8 below
 * the maximum, (x + 4) / 4. Writes `out` [n_mels, n_frames], row-major: what
 * seq_encode_features takes. */
SEQ_API seq_status seq_whisper_log_mel(const float *samples, size_t n_samples,
                                       size_t n_mels, size_t n_frames,
                                       float *out);

/* Reads a WAV file (RIFF/WAVE; 16-bit integer or 32-bit float PCM; any
 * channel count, averaged to mono) into *out_samples (16-bit ones scaled to
 * [-1, 1), float ones as stored; allocated by the runtime: free with
 * seq_audio_free), *out_count samples at *out_rate Hz. Not resampled:
 * Whisper wants 16000 Hz. */
SEQ_API seq_status seq_audio_read_wav(const char *path, float **out_samples,
                                      size_t *out_count, uint32_t *out_rate);
SEQ_API void seq_audio_free(float *samples);

/* The most source tokens seq_encode takes; 0 for a model without an
 * encoder. */
SEQ_API size_t seq_model_max_source_positions(const seq_model *model);

/* Runs one token; same contract as seq_prefill with n_tokens = 1. */
SEQ_API seq_status seq_decode(seq_session *session, int32_t token,
                              const float **out_logits);

/* Logits of every position of the last prefill/decode call: *n_positions
 * rows of *vocab_size floats, row-major, owned by the session. */
SEQ_API seq_status seq_session_logits(const seq_session *session,
                                      const float **out_logits,
                                      size_t *n_positions, size_t *vocab_size);

/* Number of tokens the session has consumed. */
SEQ_API size_t seq_session_position(const seq_session *session);

/* Back to position 0 with zeroed state. */
SEQ_API seq_status seq_session_reset(seq_session *session);

/* A new, independent session with a copy of `session`'s state and position:
 * branch a conversation without re-running its prompt. */
SEQ_API seq_status seq_session_fork(const seq_session *session,
                                    seq_session **out_session);

/* Saves the session's state and position; restore it into any session of the
 * same model, any number of times. */
SEQ_API seq_status seq_session_snapshot(const seq_session *session,
                                        seq_snapshot **out_snapshot);
SEQ_API seq_status seq_session_restore(seq_session *session,
                                       const seq_snapshot *snapshot);
SEQ_API void seq_snapshot_destroy(seq_snapshot *snapshot);

/*===----------------------------------------------------------------------===*
 * Sampling: the next token from a logits row, with the logits processors of
 * transformers' generate() applied in its order: repetition penalty, then
 * temperature, top-k, top-p and min-p, then a draw from the softmax (or the
 * arg max when temperature is 0). Deterministic for a seed.
 *===----------------------------------------------------------------------===*/

typedef struct seq_sampler_options {
  uint32_t struct_size;     /* set by seq_sampler_options_init */
  float temperature;        /* 0 (default): greedy, the first arg max */
  int32_t top_k;            /* keep the k most likely; 0 (default): all */
  float top_p;              /* keep the smallest set of mass >= p; 1: all */
  float min_p;              /* drop p < min_p · max p; 0 (default): off */
  float repetition_penalty; /* > 1 penalises tokens of the history: logit
                               / penalty if positive, else · penalty;
                               1 (default): off */
  uint64_t seed;            /* of the sampler's generator (default 0) */
} seq_sampler_options;

typedef struct seq_sampler seq_sampler;

SEQ_API void seq_sampler_options_init(seq_sampler_options *options);
/* Checks the options (temperature >= 0, top_k >= 0, 0 < top_p <= 1,
 * 0 <= min_p <= 1, repetition_penalty > 0, all finite). */
SEQ_API seq_status seq_sampler_create(const seq_sampler_options *options,
                                      seq_sampler **out_sampler);
/* The next token from `logits` [vocab]; `history` (the prompt and the tokens
 * generated so far, may be NULL when empty) is what the repetition penalty
 * looks at. Ids in the history outside the vocabulary are an error. */
SEQ_API seq_status seq_sampler_sample(seq_sampler *sampler, const float *logits,
                                      size_t vocab, const int32_t *history,
                                      size_t history_length,
                                      int32_t *out_token);
SEQ_API void seq_sampler_destroy(seq_sampler *sampler);

/*===----------------------------------------------------------------------===*
 * Beam search, as transformers' generate(num_beams=N, do_sample=False)
 * computes it: per step the log-softmax of each beam's logits, the logits
 * processors below in transformers' order, the 2·N best continuations of
 * all beams, finished hypotheses scored sum(log p) / length^length_penalty
 * (length: the generated tokens), and its stopping rules. Beams are copies
 * of the session sharing one encoded source (an encoder-decoder's cross
 * keys and values are never copied per beam); a beam's self-attention
 * cache is copied only when two beams continue from one parent.
 *===----------------------------------------------------------------------===*/

typedef struct seq_beam_options {
  uint32_t struct_size;    /* set by seq_beam_options_init */
  uint32_t beams;          /* beam width (default 4); 1 is transformers'
                              greedy search (num_beams=1): the processed
                              logits' argmax until EOS or the limit, scored
                              as a one-beam hypothesis */
  uint32_t max_new_tokens; /* tokens generated at most (default 64) */
  uint32_t min_new_tokens; /* EOS is banned before this many (default 0) */
  uint32_t num_return;     /* hypotheses returned, best first, <= beams
                              (default 1) */
  float length_penalty;    /* exponent of the length dividing a finished
                              hypothesis' log-probability (default 1) */
  /* 0 (default): stop when no running beam can beat the worst finished
   * hypothesis at its current length (transformers' early_stopping=False);
   * 1: stop once `beams` hypotheses are finished (True); -1: only when
   * no running beam can beat them at any length ("never"). */
  int32_t early_stopping;
  int32_t eos_token_id;           /* -1: none (generation stops at the limit) */
  int32_t forced_bos_token_id;    /* forced as the first generated token when
                                     the prompt is one token long; -1: none */
  int32_t forced_eos_token_id;    /* forced as the last token the length limit
                                     allows; -1: none */
  uint32_t no_repeat_ngram_size;  /* bans a token that would repeat an
                                     n-gram of the sequence; 0: off */
  const int32_t *suppress_tokens; /* never generated (e.g. the pad token) */
  size_t n_suppress_tokens;
  /* Not generated first: suppressed at the first new position (the one
   * after the forced BOS when the prompt is one token and forced_bos_token_id
   * is set), as transformers' begin_suppress_tokens (Whisper's blank and
   * EOS). */
  const int32_t *begin_suppress_tokens;
  size_t n_begin_suppress_tokens;
} seq_beam_options;

typedef struct seq_beam_result seq_beam_result;

SEQ_API void seq_beam_options_init(seq_beam_options *options);

/* Runs the decoder `prompt` (an encoder-decoder's decoder start token after
 * seq_encode, or a decoder-only model's prompt) from the session's position
 * and searches its continuations. The session itself ends after the prompt;
 * beams run on copies. Fails with SEQ_ERROR_CAPACITY when the prompt and
 * max_new_tokens exceed the model's positions. */
SEQ_API seq_status seq_beam_search(seq_session *session, const int32_t *prompt,
                                   size_t n_prompt,
                                   const seq_beam_options *options,
                                   seq_beam_result **out_result);
/* Encoder-decoder models with token sources (Marian, BART, mBART, T5):
 * searches a batch of `n_sources` sources at once. `sources` is padded,
 * row-major [n_sources, source_stride]: source i is its first
 * source_lengths[i] tokens (1 <= length <= stride; the padding is never
 * read). Each source is encoded on its own, then all sources' beams decode
 * together (one decoder call per step for the whole batch), each source
 * searched as seq_beam_search would (transformers' batched generate with an
 * attention mask computes the same), every source from `prompt` (the
 * decoder start token). Writes out_results[i] (n_sources pointers, each
 * freed with seq_beam_result_destroy; all NULL on failure). CPU models;
 * SEQ_ERROR_UNSUPPORTED otherwise. */
SEQ_API seq_status seq_beam_search_batch(seq_model *model,
                                         const int32_t *sources,
                                         const size_t *source_lengths,
                                         size_t n_sources, size_t source_stride,
                                         const int32_t *prompt, size_t n_prompt,
                                         const seq_beam_options *options,
                                         seq_beam_result **out_results);
/* Hypotheses in the result (num_return). */
SEQ_API size_t seq_beam_result_count(const seq_beam_result *result);
/* Hypothesis `index`, best first: its generated tokens (the EOS included
 * when it ended on one; owned by the result) and score. */
SEQ_API seq_status seq_beam_result_get(const seq_beam_result *result,
                                       size_t index, const int32_t **tokens,
                                       size_t *n_tokens, float *score);
SEQ_API void seq_beam_result_destroy(seq_beam_result *result);

/*===----------------------------------------------------------------------===*
 * Tokenizers: a Hugging Face tokenizer.json, text <-> token ids exactly as
 * the tokenizers library computes them. Implemented: BPE (byte-level as
 * GPT-2, Llama-3 and Qwen2; SentencePiece-style with byte fallback as
 * Llama-2 and Mistral), WordPiece (BERT) and Unigram (T5, with
 * SentencePiece's precompiled character map), with their normalizers,
 * pre-tokenizers, post-processors and decoders, added and special tokens,
 * truncation (docs/tokenizers.md); anything else is refused by
 * seq_tokenizer_open with SEQ_ERROR_UNSUPPORTED and a message naming the
 * field. A tokenizer may be shared by threads.
 *===----------------------------------------------------------------------===*/

typedef struct seq_tokenizer seq_tokenizer;
typedef struct seq_detokenizer seq_detokenizer;

/* Loads `path`: a tokenizer.json file, a model folder holding one, or a
 * GGUF file (its tokenizer.ggml.* vocabulary, as llama.cpp tokenizes). */
SEQ_API seq_status seq_tokenizer_open(const char *path,
                                      seq_tokenizer **out_tokenizer);
SEQ_API void seq_tokenizer_close(seq_tokenizer *tokenizer);

/* One past the largest token id. */
SEQ_API size_t seq_tokenizer_vocab_size(const seq_tokenizer *tokenizer);

/* 1 when `id` is one of the file's special added tokens (BOS, EOS, chat
 * markers), else 0. */
SEQ_API int seq_tokenizer_is_special(const seq_tokenizer *tokenizer,
                                     int32_t id);

/* The ids of `text` (`length` bytes of UTF-8; invalid UTF-8 is
 * SEQ_ERROR_INVALID_ARGUMENT), with the post-processor's special tokens
 * (a BOS, say) when `add_special_tokens`. *out_count is set to the number of
 * ids; at most `capacity` are written, so a call with capacity 0 sizes the
 * buffer (SEQ_ERROR_CAPACITY when they do not fit). */
SEQ_API seq_status seq_tokenizer_encode(const seq_tokenizer *tokenizer,
                                        const char *text, size_t length,
                                        int add_special_tokens, int32_t *ids,
                                        size_t capacity, size_t *out_count);

/* The UTF-8 text of `ids` (special tokens left out with
 * `skip_special_tokens`; invalid byte sequences become U+FFFD), NUL
 * terminated. *out_length is set to its length without the NUL; with
 * capacity <= *out_length nothing usable is written and the status is
 * SEQ_ERROR_CAPACITY. */
SEQ_API seq_status seq_tokenizer_decode(const seq_tokenizer *tokenizer,
                                        const int32_t *ids, size_t count,
                                        int skip_special_tokens, char *text,
                                        size_t capacity, size_t *out_length);

/* Streaming decode for generation: each pushed id yields the text it
 * completes, never part of a UTF-8 character; the pieces of a stream,
 * with the final flush, equal seq_tokenizer_decode of all its ids. The
 * tokenizer must outlive it. */
SEQ_API seq_status seq_detokenizer_create(const seq_tokenizer *tokenizer,
                                          int skip_special_tokens,
                                          seq_detokenizer **out_detokenizer);
/* Sets *out_text to the text completed by `id` (NUL terminated, possibly
 * empty; owned by the detokenizer, valid until its next call) and
 * *out_length to its length. */
SEQ_API seq_status seq_detokenizer_push(seq_detokenizer *detokenizer,
                                        int32_t id, const char **out_text,
                                        size_t *out_length);
/* Likewise with what is still held back (an incomplete character, as
 * U+FFFD); the next push starts a new stream. */
SEQ_API seq_status seq_detokenizer_flush(seq_detokenizer *detokenizer,
                                         const char **out_text,
                                         size_t *out_length);
SEQ_API void seq_detokenizer_destroy(seq_detokenizer *detokenizer);

/*===----------------------------------------------------------------------===*
 * Chat templates: a conversation as the text a chat model was trained on,
 * rendered as transformers' apply_chat_template(tokenize=False) renders it
 * (the folder's Jinja template with its special tokens). Encode the text
 * without the tokenizer's special tokens: the template writes them.
 *===----------------------------------------------------------------------===*/

typedef struct seq_chat_template seq_chat_template;

/* Loads the chat template of `path`: a model folder (chat_template.jinja,
 * else tokenizer_config.json's "chat_template"), a tokenizer_config.json,
 * a .jinja file, or a GGUF file (tokenizer.chat_template). A folder
 * without one is SEQ_ERROR_UNSUPPORTED. */
SEQ_API seq_status seq_chat_template_open(const char *path,
                                          seq_chat_template **out_template);
SEQ_API void seq_chat_template_close(seq_chat_template *chat_template);

/* Renders `messages_json`, a JSON array of message objects ({"role":
 * "user", "content": "..."}, ...), with the assistant's turn opened when
 * `add_generation_prompt`. Text out as seq_tokenizer_decode. A template
 * that raises (roles out of order, say) is SEQ_ERROR_INVALID_ARGUMENT with
 * its message. */
SEQ_API seq_status seq_chat_template_apply(
    const seq_chat_template *chat_template, const char *messages_json,
    int add_generation_prompt, char *text, size_t capacity, size_t *out_length);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SEQ_RUNTIME_H */
