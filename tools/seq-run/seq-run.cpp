//===- seq-run.cpp - run a compiled model from the command line -----------===//
//
//   seq-run model.so --weights PATH --prompt-ids 1,2,3 [--max-new N]
//           [--greedy | --temperature T --seed S] [--dump-logits out.npy]
//           [--threads N] [--stats] [--check-weights]
//   seq-run test.so --weights PATH --prompt-ids ... --compare-to ref.so
//           [--compare-weights PATH] [--max-kl X]
//
// Prefill the prompt, then decode up to N tokens; or compare the logits of
// two builds of one model (e.g. bf16 weights against f32) over the prompt.
// Uses only the public C API (seq/runtime.h), as an application would.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include "GenerationConfig.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>

namespace {

const char *kUsage =
    "usage: seq-run MODEL.so --weights PATH (--prompt TEXT | --prompt-ids "
    "ID,...)\n"
    "               [options]\n"
    "\n"
    "Runs a model compiled by seqc: prefills the prompt, then generates.\n"
    "\n"
    "  --weights PATH        .safetensors file, a folder with\n"
    "                        model.safetensors[.index.json], or a GGUF file\n"
    "                        (whose tokenizer and chat template are then the\n"
    "                        defaults)\n"
    "  --prompt TEXT         the prompt as text, encoded by the tokenizer\n"
    "                        (with its special tokens, e.g. a BOS); the\n"
    "                        generated text is streamed to stdout, and\n"
    "                        generation stops at a special token (EOS)\n"
    "  --text TEXT           the same as --prompt (reads better with\n"
    "                        --entry: 'seq-run m.so --entry embed --text ..')\n"
    "  --prompt-file FILE    the prompt as text, read from FILE (as is)\n"
    "  --chat                the prompt is a user message: render it with the\n"
    "                        folder's chat template (tokenizer_config.json or\n"
    "                        chat_template.jinja; a GGUF file's own), as\n"
    "                        transformers'\n"
    "                        apply_chat_template with the generation prompt)\n"
    "                        and encode that without adding special tokens\n"
    "  --system TEXT         with --chat: a system message first\n"
    "  --tokenizer PATH      tokenizer.json, a folder with one, or a GGUF\n"
    "                        file (default: the --weights folder's or file's)\n"
    "  --prompt-ids LIST     comma-separated token ids\n"
    "  --audio FILE.wav      a speech model's source (Whisper): 16 kHz\n"
    "                        audio (16-bit or float PCM, channels averaged),\n"
    "                        turned into the model's log-mel features\n"
    "  --features FILE.npy   a speech model's source (Whisper): log-mel\n"
    "                        features, float32 [mels, frames], as\n"
    "                        WhisperFeatureExtractor computes them\n"
    "  --source-ids LIST     an encoder-decoder model's source ids (e.g. a\n"
    "                        Marian translation model): encoded first; the\n"
    "                        prompt is then the decoder's start (its\n"
    "                        decoder_start_token_id, e.g. the pad id).\n"
    "                        Repeated, with --beams: a batch of sources\n"
    "                        searched together (--beams 1: greedy)\n"
    "  --max-new N           tokens to generate (default 16)\n"
    "  --beams N             beam search with N beams (transformers'\n"
    "                        num_beams): prints the best hypotheses and\n"
    "                        their scores; EOS, forced BOS/EOS, banned and\n"
    "                        suppressed tokens, no_repeat_ngram_size,\n"
    "                        length_penalty, early_stopping and min_length\n"
    "                        default to the --weights folder's\n"
    "                        generation_config.json (or config.json)\n"
    "  --num-return N        with --beams: hypotheses printed (default 1)\n"
    "  --length-penalty X    with --beams: score = log p / length^X\n"
    "  --early-stopping M    with --beams: true, false or never\n"
    "  --eos ID              with --beams: the EOS id (-1: none)\n"
    "  --forced-bos ID       with --beams: first generated token (-1: none)\n"
    "  --forced-eos ID       with --beams: last token at the limit (-1: none)\n"
    "  --min-new N           with --beams: EOS banned before N tokens\n"
    "  --no-repeat-ngram N   with --beams: no n-gram of size N twice\n"
    "  --suppress LIST       with --beams: ids never generated ('': none)\n"
    "  --begin-suppress LIST with --beams: ids not generated first ('':\n"
    "                        none)\n"
    "  --stop TEXT           with a text prompt: end before TEXT (repeat the\n"
    "                        option for several; text that may begin one is\n"
    "                        held back until it cannot)\n"
    "  --greedy              pick the most likely token (default)\n"
    "  --temperature T       sample from softmax(logits / T) instead\n"
    "  --top-k K             sample among the K most likely tokens\n"
    "  --top-p P             sample among the most likely tokens of mass P\n"
    "  --min-p P             drop tokens under P times the most likely's\n"
    "  --repeat-penalty R    divide the logits of tokens seen so far by R\n"
    "                        (transformers' repetition_penalty; 1: off)\n"
    "  --seed S              sampling seed (default 0)\n"
    "  --dump-logits FILE    write every logits row (prompt positions, then\n"
    "                        one per generated token) as a float32 .npy\n"
    "  --threads N           worker threads (default: $SEQ_NUM_THREADS or "
    "all)\n"
    "  --check-weights       fail on the first NaN or infinity in the weights\n"
    "  --prefill-chunk N     prompt tokens per model call (default 512)\n"
    "  --entry NAME          run entry NAME once on the prompt's ids instead\n"
    "                        of generating (e.g. 'embed' of an encoder); "
    "prints\n"
    "                        each output's shape and first values and writes\n"
    "                        output #K to --dump-outputs PREFIX-K.npy\n"
    "  --dump-outputs PREFIX with --entry: the .npy files' prefix\n"
    "  --stats               print prefill and decode tokens/s (and the\n"
    "                        source's encode with --source-ids)\n"
    "  --compare-to REF.so   instead of generating, run the prompt through\n"
    "                        MODEL.so and REF.so (e.g. a low-precision build\n"
    "                        against the f32 one) and report, over every\n"
    "                        prompt position, the mean and max KL divergence\n"
    "                        KL(ref || model) of the next-token\n"
    "                        distributions, top-1 agreement, and the max and\n"
    "                        RMS logit error\n"
    "  --compare-weights P   REF.so's weights (default: --weights)\n"
    "  --max-kl X            with --compare-to: exit 1 when the mean KL\n"
    "                        exceeds X\n"
    "  --logits-out FILE     instead of generating, write the logits of every\n"
    "                        prompt position (teacher-forced) as a float32\n"
    "                        .npy [tokens, vocab]\n"
    "  --perplexity FILE     perplexity of the text in FILE as\n"
    "                        llama-perplexity measures it: chunks of --ctx\n"
    "                        tokens (each starting with the BOS, if the\n"
    "                        tokenizer adds one), scored on their second half\n"
    "  --ctx N               --perplexity's chunk size (default 512; the\n"
    "                        model's --max-positions must hold it)\n"
    "  --help                this text\n";

int fail(const char *what) {
  std::fprintf(stderr, "seq-run: error: %s\n", what);
  return 1;
}

int failStatus(const char *call, seq_status status) {
  std::fprintf(stderr, "seq-run: error: %s: %s: %s\n", call,
               seq_status_string(status), seq_last_error());
  return 1;
}

bool parseIds(const char *text, std::vector<int32_t> &ids) {
  std::string s(text);
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item = s.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    char *end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < INT32_MIN || v > INT32_MAX)
      return false;
    ids.push_back(static_cast<int32_t>(v));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return !ids.empty();
}

/// Writes rows × cols float32 values as a NumPy .npy (version 1.0) file.
bool writeNpy(const char *path, const std::vector<float> &data, size_t rows,
              size_t cols) {
  FILE *f = std::fopen(path, "wb");
  if (!f)
    return false;
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) +
                       "), }";
  // Magic (6) + version (2) + length (2) + header, padded to 64 with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  uint16_t len = static_cast<uint16_t>(header.size());
  bool ok =
      std::fwrite("\x93NUMPY\x01\x00", 1, 8, f) == 8 &&
      std::fwrite(&len, 2, 1, f) == 1 &&
      std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
      std::fwrite(data.data(), sizeof(float), data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

/// Every prompt position's logits of `modelPath` (rows × vocab), or an
/// exit status (non-zero) after printing why.
int promptLogits(const char *modelPath, const char *weights, long threads,
                 long prefillChunk, const std::vector<int32_t> &prompt,
                 std::vector<float> &out, size_t &vocab) {
  seq_model_options options;
  seq_model_options_init(&options);
  options.num_threads = static_cast<int32_t>(threads);
  seq_model *model = nullptr;
  if (seq_status s = seq_model_open(modelPath, weights, &options, &model))
    return failStatus(modelPath, s);
  seq_session_options sessionOptions;
  seq_session_options_init(&sessionOptions);
  sessionOptions.prefill_chunk = static_cast<uint32_t>(prefillChunk);
  seq_session *session = nullptr;
  seq_status s = seq_session_create(model, &sessionOptions, &session);
  if (!s)
    s = seq_prefill(session, prompt.data(), prompt.size(), nullptr);
  int rc = 0;
  if (s) {
    rc = failStatus(modelPath, s);
  } else {
    const float *all;
    size_t rows;
    seq_session_logits(session, &all, &rows, &vocab);
    out.assign(all, all + rows * vocab);
  }
  seq_session_destroy(session);
  seq_model_close(model);
  return rc;
}

/// log softmax of `n` logits, in double.
std::vector<double> logSoftmax(const float *logits, size_t n) {
  double top = logits[0];
  for (size_t i = 1; i < n; ++i)
    top = std::max(top, double(logits[i]));
  double sum = 0;
  for (size_t i = 0; i < n; ++i)
    sum += std::exp(double(logits[i]) - top);
  double norm = top + std::log(sum);
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i)
    out[i] = double(logits[i]) - norm;
  return out;
}

/// --compare-to: the prompt through both builds, position by position.
int compareModels(const char *modelPath, const char *weights,
                  const char *refPath, const char *refWeights, long threads,
                  long prefillChunk, const std::vector<int32_t> &prompt,
                  double maxKl) {
  std::vector<float> test, ref;
  size_t vocab = 0, refVocab = 0;
  if (int rc = promptLogits(modelPath, weights, threads, prefillChunk, prompt,
                            test, vocab))
    return rc;
  if (int rc = promptLogits(refPath, refWeights, threads, prefillChunk, prompt,
                            ref, refVocab))
    return rc;
  if (vocab != refVocab || test.size() != ref.size())
    return fail("--compare-to: the two models' logits differ in shape");
  size_t rows = vocab ? test.size() / vocab : 0;
  double klSum = 0, klMax = 0, errMax = 0, errSquares = 0;
  size_t agree = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float *t = &test[r * vocab], *f = &ref[r * vocab];
    std::vector<double> lt = logSoftmax(t, vocab), lf = logSoftmax(f, vocab);
    double kl = 0;
    size_t bestT = 0, bestF = 0;
    for (size_t i = 0; i < vocab; ++i) {
      kl += std::exp(lf[i]) * (lf[i] - lt[i]);
      double err = double(t[i]) - f[i];
      errMax = std::max(errMax, std::fabs(err));
      errSquares += err * err;
      if (t[i] > t[bestT])
        bestT = i;
      if (f[i] > f[bestF])
        bestF = i;
    }
    kl = std::max(kl, 0.0); // rounding can leave -1e-17
    klSum += kl;
    klMax = std::max(klMax, kl);
    agree += bestT == bestF;
  }
  double klMean = rows ? klSum / rows : 0;
  std::printf("compared %zu positions of %zu logits against %s\n", rows, vocab,
              refPath);
  std::printf("KL divergence: mean %.3e, max %.3e\n", klMean, klMax);
  std::printf("top-1 agreement: %zu / %zu (%.2f %%)\n", agree, rows,
              rows ? 100.0 * agree / rows : 100.0);
  std::printf("logit error: max %.3e, RMS %.3e\n", errMax,
              rows ? std::sqrt(errSquares / (rows * vocab)) : 0.0);
  if (maxKl >= 0 && !(klMean <= maxKl)) {
    std::fprintf(stderr,
                 "seq-run: error: mean KL divergence %.3e exceeds --max-kl "
                 "%.3e\n",
                 klMean, maxKl);
    return 1;
  }
  return 0;
}

/// --entry: one call of a stateless entry whose only input is the ids.
int runEntry(seq_model *model, const char *entry,
             const std::vector<int32_t> &prompt, const char *dumpPrefix) {
  size_t nIn = 0, nOut = 0;
  if (seq_status s = seq_model_entry_arity(model, entry, &nIn, &nOut))
    return failStatus("--entry", s);
  if (nIn != 1)
    return fail("--entry needs an entry whose only input is the token ids");
  seq_tensor in;
  seq_model_entry_tensor(model, entry, 0, 0, &in);
  std::vector<int64_t> ids(prompt.begin(), prompt.end());
  in.data = ids.data();
  if (in.dtype != SEQ_DTYPE_I64 || in.rank != 2)
    return fail("--entry: the input must be i64 [batch, seq]");
  in.shape[0] = 1;
  in.shape[1] = static_cast<int64_t>(prompt.size());
  // Outputs: dynamic dim 0 is the batch, dim 1 the token count.
  std::vector<seq_tensor> outs(nOut);
  std::vector<std::vector<float>> data(nOut);
  for (size_t k = 0; k < nOut; ++k) {
    seq_model_entry_tensor(model, entry, 1, k, &outs[k]);
    if (outs[k].dtype != SEQ_DTYPE_F32)
      return fail("--entry: only f32 outputs are supported");
    size_t count = 1;
    for (int32_t d = 0; d < outs[k].rank; ++d) {
      if (outs[k].shape[d] < 0)
        outs[k].shape[d] = d == 0 ? 1 : static_cast<int64_t>(prompt.size());
      count *= static_cast<size_t>(outs[k].shape[d]);
    }
    data[k].assign(count, 0.0f);
    outs[k].data = data[k].data();
  }
  if (seq_status s = seq_model_run(model, entry, &in, 1, outs.data(), nOut))
    return failStatus(entry, s);
  for (size_t k = 0; k < nOut; ++k) {
    std::printf("output %zu: f32[", k);
    for (int32_t d = 0; d < outs[k].rank; ++d)
      std::printf("%s%lld", d ? "," : "",
                  static_cast<long long>(outs[k].shape[d]));
    std::printf("]:");
    for (size_t i = 0; i < data[k].size() && i < 4; ++i)
      std::printf(" %.6g", data[k][i]);
    std::printf("%s\n", data[k].size() > 4 ? " ..." : "");
    if (dumpPrefix) {
      size_t cols = outs[k].rank
                        ? static_cast<size_t>(outs[k].shape[outs[k].rank - 1])
                        : 1;
      std::string path =
          std::string(dumpPrefix) + "-" + std::to_string(k) + ".npy";
      if (!writeNpy(path.c_str(), data[k], data[k].size() / cols, cols))
        return fail("cannot write the --dump-outputs file");
    }
  }
  return 0;
}

/// The tokenizer of a text prompt: encodes it, and prints generated text
/// as it comes (special tokens left out).
class Tokenizer {
public:
  ~Tokenizer() {
    seq_detokenizer_destroy(stream_);
    seq_tokenizer_close(tokenizer);
  }
  explicit operator bool() const { return tokenizer != nullptr; }
  /// Opens `path` (a file or folder); a folder without tokenizer.json is
  /// an error only when named by --tokenizer.
  int open(const char *path, bool named) {
    if (seq_status s = seq_tokenizer_open(path, &tokenizer))
      return failStatus(named ? "reading --tokenizer"
                              : "reading the "
                                "tokenizer of --weights",
                        s);
    if (seq_status s = seq_detokenizer_create(tokenizer, 1, &stream_))
      return failStatus("creating the detokenizer", s);
    return 0;
  }
  int encode(const std::string &text, bool addSpecial,
             std::vector<int32_t> &ids) {
    size_t count = 0;
    seq_tokenizer_encode(tokenizer, text.data(), text.size(), addSpecial,
                         nullptr, 0, &count);
    ids.resize(count);
    if (seq_status s =
            seq_tokenizer_encode(tokenizer, text.data(), text.size(),
                                 addSpecial, ids.data(), ids.size(), &count))
      return failStatus("encoding --prompt", s);
    return 0;
  }
  size_t vocabSize() const { return seq_tokenizer_vocab_size(tokenizer); }
  /// The text of `ids`, special tokens left out.
  std::string decode(const std::vector<int32_t> &ids) const {
    size_t length = 0;
    seq_tokenizer_decode(tokenizer, ids.data(), ids.size(), 1, nullptr, 0,
                         &length);
    std::string text(length + 1, '\0');
    if (seq_tokenizer_decode(tokenizer, ids.data(), ids.size(), 1, text.data(),
                             text.size(), &length) != SEQ_OK)
      return "";
    text.resize(length);
    return text;
  }
  bool isSpecial(int32_t id) const {
    return seq_tokenizer_is_special(tokenizer, id) != 0;
  }
  /// Prints the text `id` completes, up to a stop string; nonzero on
  /// failure.
  int stream(int32_t id) {
    const char *text = nullptr;
    size_t length = 0;
    if (seq_status s = seq_detokenizer_push(stream_, id, &text, &length))
      return failStatus("decoding", s);
    print(std::string(text, length), false);
    return 0;
  }
  void finish() {
    const char *text = nullptr;
    size_t length = 0;
    if (seq_detokenizer_flush(stream_, &text, &length) == SEQ_OK)
      print(std::string(text, length), true);
    std::fputc('\n', stdout);
  }
  /// Generation ends before the first of these strings.
  void addStop(const char *text) {
    if (*text)
      stops.emplace_back(text);
  }
  bool stopped() const { return stopped_; }

private:
  /// Prints `text` after what was held back, except what may still begin a
  /// stop string (unless `final`) and anything from a stop string on.
  void print(const std::string &text, bool final) {
    if (stopped_)
      return;
    held += text;
    size_t cut = std::string::npos;
    for (const std::string &stop : stops)
      cut = std::min(cut, held.find(stop));
    size_t keep = 0;
    if (cut != std::string::npos) {
      stopped_ = true;
    } else if (!final) {
      for (const std::string &stop : stops)
        for (size_t n = std::min(stop.size() - 1, held.size()); n > keep; --n)
          if (held.compare(held.size() - n, n, stop, 0, n) == 0) {
            keep = n;
            break;
          }
    }
    size_t shown = cut != std::string::npos ? cut : held.size() - keep;
    std::fwrite(held.data(), 1, shown, stdout);
    std::fflush(stdout);
    held.erase(0, shown);
  }

  seq_tokenizer *tokenizer = nullptr;
  seq_detokenizer *stream_ = nullptr;
  std::vector<std::string> stops;
  std::string held; ///< text that may begin a stop string
  bool stopped_ = false;
};

/// --chat: `text` as a user message (after `system`, if given) rendered
/// with the chat template of `path` (a folder, a tokenizer.json whose
/// folder holds the template, or a GGUF file, which holds its own).
int chatText(std::string path, const char *system, std::string &text) {
  struct stat info;
  bool gguf =
      path.size() >= 5 && path.compare(path.size() - 5, 5, ".gguf") == 0;
  if (!gguf && stat(path.c_str(), &info) == 0 && !S_ISDIR(info.st_mode)) {
    size_t slash = path.rfind('/');
    path = slash == std::string::npos ? "." : path.substr(0, slash);
  }
  seq_chat_template *chat = nullptr;
  if (seq_status s = seq_chat_template_open(path.c_str(), &chat))
    return failStatus("--chat", s);
  nlohmann::json messages = nlohmann::json::array();
  if (system)
    messages.push_back({{"role", "system"}, {"content", system}});
  messages.push_back({{"role", "user"}, {"content", text}});
  std::string json = messages.dump();
  size_t length = 0;
  seq_chat_template_apply(chat, json.c_str(), 1, nullptr, 0, &length);
  std::string rendered(length + 1, '\0');
  seq_status s = seq_chat_template_apply(chat, json.c_str(), 1, rendered.data(),
                                         rendered.size(), &length);
  seq_chat_template_close(chat);
  if (s)
    return failStatus("--chat", s);
  rendered.resize(length);
  text = rendered;
  return 0;
}

/// --perplexity: llama-perplexity's measure. The text's tokens in chunks
/// of `ctx` (the first of each set to the BOS, when the tokenizer adds
/// one), each run from an empty session; the negative log-likelihood of
/// the second half of each chunk's tokens given what precedes them.
/// Prints the running perplexity after each chunk, then the estimate with
/// its standard error.
int perplexity(const char *modelPath, const char *weights, long threads,
               const std::vector<int32_t> &tokens, int32_t bos, long ctx) {
  size_t n = static_cast<size_t>(ctx);
  size_t chunks = tokens.size() / n;
  if (chunks == 0) {
    std::fprintf(stderr,
                 "seq-run: error: --perplexity: the text has %zu tokens, "
                 "fewer than one chunk of --ctx %zu\n",
                 tokens.size(), n);
    return 1;
  }
  seq_model_options options;
  seq_model_options_init(&options);
  options.num_threads = static_cast<int32_t>(threads);
  seq_model *model = nullptr;
  if (seq_status s = seq_model_open(modelPath, weights, &options, &model))
    return failStatus("opening the model", s);
  seq_session *session = nullptr;
  if (seq_status s = seq_session_create(model, nullptr, &session)) {
    seq_model_close(model);
    return failStatus("creating a session", s);
  }
  std::printf("perplexity: %zu chunks of %zu tokens (%zu tokens in all)\n",
              chunks, n, tokens.size());
  double nll = 0, nll2 = 0;
  size_t count = 0, first = n / 2;
  int rc = 0;
  for (size_t c = 0; c < chunks && rc == 0; ++c) {
    std::vector<int32_t> chunk(tokens.begin() + c * n,
                               tokens.begin() + (c + 1) * n);
    if (bos >= 0)
      chunk[0] = bos;
    seq_session_reset(session);
    if (seq_status s = seq_prefill(session, chunk.data(), n, nullptr)) {
      rc = failStatus("--perplexity", s);
      break;
    }
    const float *all;
    size_t rows, vocab;
    seq_session_logits(session, &all, &rows, &vocab);
    for (size_t j = first; j + 1 < n; ++j) {
      std::vector<double> logp = logSoftmax(all + j * vocab, vocab);
      double v = -logp[static_cast<size_t>(chunk[j + 1])];
      nll += v;
      nll2 += v * v;
      ++count;
    }
    std::printf("[%zu]%.4f,", c + 1, std::exp(nll / count));
    std::fflush(stdout);
  }
  seq_session_destroy(session);
  seq_model_close(model);
  if (rc)
    return rc;
  double mean = nll / count, ppl = std::exp(mean);
  double variance = nll2 / count - mean * mean;
  double error =
      count > 1 && variance > 0 ? std::sqrt(variance / (count - 1)) * ppl : 0;
  std::printf("\nFinal estimate: PPL = %.4f +/- %.5f\n", ppl, error);
  return 0;
}

/// Command-line beam-search flags; unset ones keep the folder's defaults.
struct BeamFlags {
  long beams = 0, numReturn = 1;
  const char *lengthPenalty = nullptr, *earlyStopping = nullptr, *eos = nullptr,
             *forcedBos = nullptr, *forcedEos = nullptr, *minNew = nullptr,
             *noRepeat = nullptr, *suppress = nullptr, *beginSuppress = nullptr;
  bool given() const {
    return beams || lengthPenalty || earlyStopping || eos || forcedBos ||
           forcedEos || minNew || noRepeat || suppress || beginSuppress ||
           numReturn != 1;
  }
};

/// `text` as a whole number in [low, high].
bool parseLong(const char *text, long low, long high, long &out) {
  char *end = nullptr;
  out = std::strtol(text, &end, 10);
  return *text && *end == '\0' && out >= low && out <= high;
}

/// The folder's defaults overridden by `flags`; nonzero on a bad value.
int beamSettings(const BeamFlags &flags, const char *weights, long maxNew,
                 const std::vector<int32_t> &prompt, BeamSettings &settings) {
  size_t promptLength = prompt.size();
  if (std::string e = readGenerationDefaults(weights, prompt, settings);
      !e.empty())
    return fail(("--beams: " + e).c_str());
  seq_beam_options &o = settings.options;
  o.beams = static_cast<uint32_t>(flags.beams);
  o.num_return = static_cast<uint32_t>(flags.numReturn);
  o.max_new_tokens = static_cast<uint32_t>(maxNew);
  long v = 0;
  auto id = [&](const char *text, const char *name, int32_t &out) {
    if (!text)
      return true;
    if (!parseLong(text, -1, INT32_MAX, v)) {
      std::fprintf(stderr, "seq-run: error: %s expects a token id or -1\n",
                   name);
      return false;
    }
    out = static_cast<int32_t>(v);
    return true;
  };
  if (!id(flags.eos, "--eos", o.eos_token_id) ||
      !id(flags.forcedBos, "--forced-bos", o.forced_bos_token_id) ||
      !id(flags.forcedEos, "--forced-eos", o.forced_eos_token_id))
    return 1;
  if (flags.lengthPenalty) {
    char *end = nullptr;
    o.length_penalty = std::strtof(flags.lengthPenalty, &end);
    if (*end != '\0' || !std::isfinite(o.length_penalty))
      return fail("--length-penalty expects a number");
  }
  if (flags.earlyStopping) {
    std::string m = flags.earlyStopping;
    if (m != "true" && m != "false" && m != "never")
      return fail("--early-stopping expects true, false or never");
    o.early_stopping = m == "true" ? 1 : m == "false" ? 0 : -1;
  }
  if (flags.minNew) {
    if (!parseLong(flags.minNew, 0, UINT32_MAX, v))
      return fail("--min-new expects a whole number >= 0");
    o.min_new_tokens = static_cast<uint32_t>(v);
  }
  // min_length counts the decoder prompt too.
  if (settings.minLength > promptLength)
    o.min_new_tokens = std::max<uint32_t>(
        o.min_new_tokens,
        settings.minLength - static_cast<uint32_t>(promptLength));
  if (flags.noRepeat) {
    if (!parseLong(flags.noRepeat, 0, UINT32_MAX, v))
      return fail("--no-repeat-ngram expects a whole number >= 0");
    o.no_repeat_ngram_size = static_cast<uint32_t>(v);
  }
  if (flags.suppress) {
    settings.suppressed.clear(); // "" suppresses nothing
    if (*flags.suppress && !parseIds(flags.suppress, settings.suppressed))
      return fail("--suppress expects comma-separated integers");
  }
  o.suppress_tokens = settings.suppressed.data();
  o.n_suppress_tokens = settings.suppressed.size();
  if (flags.beginSuppress) {
    settings.beginSuppressed.clear(); // "" suppresses nothing
    if (*flags.beginSuppress &&
        !parseIds(flags.beginSuppress, settings.beginSuppressed))
      return fail("--begin-suppress expects comma-separated integers");
  }
  o.begin_suppress_tokens = settings.beginSuppressed.data();
  o.n_begin_suppress_tokens = settings.beginSuppressed.size();
  return 0;
}

/// An encoder-decoder's source: token ids (--source-ids) or features
/// (--features, Whisper's log-mel [mels, frames]).
struct Source {
  std::vector<int32_t> ids;
  std::vector<float> features;
  size_t mels = 0, frames = 0;
  std::vector<float> audio; ///< --audio: 16 kHz mono samples
  bool empty() const {
    return ids.empty() && features.empty() && audio.empty();
  }
  /// --audio: the log-mel features of the model's shape; nonzero on error.
  int prepare(seq_model *model) {
    if (audio.empty())
      return 0;
    if (seq_status s = seq_model_source_features(model, &mels, &frames))
      return failStatus("--audio", s);
    features.resize(mels * frames);
    if (seq_status s = seq_whisper_log_mel(audio.data(), audio.size(), mels,
                                           frames, features.data()))
      return failStatus("--audio: log-mel features", s);
    return 0;
  }
  /// Source positions, for the encode rate: ids, or feature frames.
  size_t size() const { return ids.empty() ? frames : ids.size(); }
  seq_status encode(seq_session *session) const {
    return ids.empty()
               ? seq_encode_features(session, features.data(), mels, frames)
               : seq_encode(session, ids.data(), ids.size());
  }
};

/// Reads a little-endian float32 .npy of shape [mels, frames] or [1, mels,
/// frames] (C order) into `source`; "" or what is wrong.
std::string readFeatures(const char *path, Source &source) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "cannot read the file";
  std::string data((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0)
    return "not a .npy file";
  size_t headerBytes = data[6] == 1 ? 2 : 4;
  size_t length = 0;
  for (size_t i = 0; i < headerBytes; ++i)
    length |= static_cast<size_t>(static_cast<uint8_t>(data[8 + i])) << (8 * i);
  size_t start = 8 + headerBytes;
  if (start + length > data.size())
    return "truncated header";
  std::string header = data.substr(start, length);
  if (header.find("'descr': '<f4'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos)
    return "expected little-endian float32 in C order";
  size_t open = header.find("'shape': ("), close = header.find(')', open);
  if (open == std::string::npos || close == std::string::npos)
    return "no shape";
  std::vector<size_t> shape;
  std::stringstream dims(header.substr(open + 10, close - open - 10));
  for (std::string item; std::getline(dims, item, ',');)
    if (item.find_first_not_of(' ') != std::string::npos)
      shape.push_back(std::strtoull(item.c_str(), nullptr, 10));
  if (shape.size() == 3 && shape[0] == 1)
    shape.erase(shape.begin());
  if (shape.size() != 2 || shape[0] == 0 || shape[1] == 0 ||
      shape[0] > (1u << 20) || shape[1] > (1u << 24))
    return "expected shape [mels, frames] or [1, mels, frames]";
  size_t count = shape[0] * shape[1];
  if (data.size() - start - length != count * sizeof(float))
    return "the data does not match the shape";
  source.features.resize(count);
  std::memcpy(source.features.data(), data.data() + start + length,
              count * sizeof(float));
  source.mels = shape[0];
  source.frames = shape[1];
  return "";
}

/// Prints each hypothesis of `result` ("<label>beam i (score s): ids", as
/// text with a tokenizer); returns their lengths.
std::vector<size_t> printHypotheses(const seq_beam_result *result,
                                    const char *label,
                                    const Tokenizer &tokenizer) {
  std::vector<size_t> lengths;
  for (size_t i = 0; i < seq_beam_result_count(result); ++i) {
    const int32_t *tokens = nullptr;
    size_t n = 0;
    float score = 0;
    seq_beam_result_get(result, i, &tokens, &n, &score);
    std::vector<int32_t> ids(tokens, tokens + n);
    lengths.push_back(n);
    std::printf("%sbeam %zu (score %.6f):", label, i,
                static_cast<double>(score));
    if (tokenizer) {
      std::printf(" %s\n", tokenizer.decode(ids).c_str());
    } else {
      for (int32_t id : ids)
        std::printf(" %d", id);
      std::printf("\n");
    }
  }
  return lengths;
}

/// Beam search from the session (encoded when there is a source): prints
/// each returned hypothesis with its score, as text with a tokenizer.
int runBeams(seq_session *session, const Source &source,
             const std::vector<int32_t> &prompt, const BeamSettings &settings,
             const Tokenizer &tokenizer, bool stats) {
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  if (!source.empty())
    if (seq_status s = source.encode(session))
      return failStatus("encoding the source", s);
  auto t1 = clock::now();
  seq_beam_result *result = nullptr;
  if (seq_status s = seq_beam_search(session, prompt.data(), prompt.size(),
                                     &settings.options, &result))
    return failStatus("beam search", s);
  double seconds = std::chrono::duration<double>(clock::now() - t1).count();
  std::vector<size_t> lengths = printHypotheses(result, "", tokenizer);
  size_t generated = *std::max_element(lengths.begin(), lengths.end());
  seq_beam_result_destroy(result);
  if (stats) {
    double encode = std::chrono::duration<double>(t1 - t0).count();
    if (!source.empty())
      std::printf("encode: %zu tokens in %.3f ms (%.1f tokens/s)\n",
                  source.size(), encode * 1e3, source.size() / encode);
    std::printf("beam search: %u beams, %zu tokens in %.3f ms (%.1f target "
                "tokens/s)\n",
                settings.options.beams, generated, seconds * 1e3,
                generated / seconds);
  }
  return 0;
}

/// A batch of token sources searched together (seq_beam_search_batch):
/// prints each source's hypotheses.
int runBatch(seq_model *model, const std::vector<std::vector<int32_t>> &batch,
             const std::vector<int32_t> &prompt, const BeamSettings &settings,
             const Tokenizer &tokenizer, bool stats) {
  size_t stride = 0;
  for (const std::vector<int32_t> &ids : batch)
    stride = std::max(stride, ids.size());
  std::vector<int32_t> padded(batch.size() * stride, 0);
  std::vector<size_t> lengths;
  for (size_t i = 0; i < batch.size(); ++i) {
    std::copy(batch[i].begin(), batch[i].end(), padded.begin() + i * stride);
    lengths.push_back(batch[i].size());
  }
  std::vector<seq_beam_result *> results(batch.size(), nullptr);
  auto t0 = std::chrono::steady_clock::now();
  if (seq_status s = seq_beam_search_batch(
          model, padded.data(), lengths.data(), batch.size(), stride,
          prompt.data(), prompt.size(), &settings.options, results.data()))
    return failStatus("batched search", s);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  size_t generated = 0;
  for (size_t b = 0; b < results.size(); ++b) {
    std::string label = "source " + std::to_string(b) + " ";
    generated += printHypotheses(results[b], label.c_str(), tokenizer)[0];
    seq_beam_result_destroy(results[b]);
  }
  if (stats)
    std::printf("batch: %zu sources, %u beams, %zu target tokens (the best "
                "hypotheses') in %.3f ms (%.1f target tokens/s, encoding "
                "included)\n",
                batch.size(), settings.options.beams, generated, seconds * 1e3,
                generated / seconds);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  const char *modelPath = nullptr, *weights = nullptr, *dump = nullptr;
  const char *entryName = nullptr, *dumpOutputs = nullptr;
  const char *compareTo = nullptr, *compareWeights = nullptr;
  const char *promptText = nullptr, *tokenizerPath = nullptr;
  std::vector<const char *> stops;
  bool chat = false;
  const char *systemText = nullptr;
  std::string promptFileText;
  double maxKl = -1;
  std::vector<int32_t> prompt;
  Source source;
  std::vector<std::vector<int32_t>> batch; ///< every --source-ids
  long maxNew = 16, threads = 0, prefillChunk = 0;
  BeamFlags beamFlags;
  seq_sampler_options sampling;
  seq_sampler_options_init(&sampling);
  bool stats = false;
  bool checkWeights = false;
  const char *logitsOut = nullptr, *perplexityFile = nullptr;
  long ctx = 512;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *name) -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "seq-run: error: %s needs a value\n", name);
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--weights") {
      weights = value("--weights");
    } else if (a == "--prompt" || a == "--text") {
      promptText = value(a.c_str());
    } else if (a == "--prompt-file") {
      const char *path = value("--prompt-file");
      std::ifstream in(path, std::ios::binary);
      if (!in)
        return fail("cannot read --prompt-file");
      promptFileText.assign(std::istreambuf_iterator<char>(in),
                            std::istreambuf_iterator<char>());
      promptText = promptFileText.c_str();
    } else if (a == "--tokenizer") {
      tokenizerPath = value("--tokenizer");
    } else if (a == "--prompt-ids") {
      if (!parseIds(value("--prompt-ids"), prompt))
        return fail("--prompt-ids expects comma-separated integers");
    } else if (a == "--source-ids") {
      source.ids.clear();
      if (!parseIds(value("--source-ids"), source.ids) || source.ids.empty())
        return fail("--source-ids expects comma-separated integers");
      batch.push_back(source.ids);
    } else if (a == "--audio") {
      const char *path = value("--audio");
      float *samples = nullptr;
      size_t count = 0;
      uint32_t rate = 0;
      if (seq_status s = seq_audio_read_wav(path, &samples, &count, &rate))
        return failStatus("--audio", s);
      source.audio.assign(samples, samples + count);
      seq_audio_free(samples);
      if (rate != 16000) {
        std::fprintf(stderr,
                     "seq-run: error: --audio %s: %u Hz; Whisper takes 16000 "
                     "Hz (resample first, e.g. ffmpeg -i IN -ar 16000 -ac 1 "
                     "OUT.wav)\n",
                     path, rate);
        return 1;
      }
      if (source.audio.empty())
        return fail("--audio: the file holds no samples");
    } else if (a == "--features") {
      const char *path = value("--features");
      if (std::string e = readFeatures(path, source); !e.empty())
        return fail(("--features " + std::string(path) + ": " + e).c_str());
    } else if (a == "--chat") {
      chat = true;
    } else if (a == "--system") {
      systemText = value("--system");
    } else if (a == "--stop") {
      stops.push_back(value("--stop"));
    } else if (a == "--max-new") {
      maxNew = std::strtol(value("--max-new"), nullptr, 10);
      if (maxNew < 0)
        return fail("--max-new must be >= 0");
    } else if (a == "--beams") {
      if (!parseLong(value("--beams"), 1, 256, beamFlags.beams))
        return fail("--beams expects a number in [1, 256]");
    } else if (a == "--num-return") {
      if (!parseLong(value("--num-return"), 1, 256, beamFlags.numReturn))
        return fail("--num-return expects a number in [1, 256]");
    } else if (a == "--length-penalty") {
      beamFlags.lengthPenalty = value("--length-penalty");
    } else if (a == "--early-stopping") {
      beamFlags.earlyStopping = value("--early-stopping");
    } else if (a == "--eos") {
      beamFlags.eos = value("--eos");
    } else if (a == "--forced-bos") {
      beamFlags.forcedBos = value("--forced-bos");
    } else if (a == "--forced-eos") {
      beamFlags.forcedEos = value("--forced-eos");
    } else if (a == "--min-new") {
      beamFlags.minNew = value("--min-new");
    } else if (a == "--no-repeat-ngram") {
      beamFlags.noRepeat = value("--no-repeat-ngram");
    } else if (a == "--suppress") {
      beamFlags.suppress = value("--suppress");
    } else if (a == "--begin-suppress") {
      beamFlags.beginSuppress = value("--begin-suppress");
    } else if (a == "--greedy") {
      sampling.temperature = 0;
    } else if (a == "--temperature") {
      sampling.temperature = std::strtof(value("--temperature"), nullptr);
    } else if (a == "--top-k") {
      sampling.top_k =
          static_cast<int32_t>(std::strtol(value("--top-k"), nullptr, 10));
    } else if (a == "--top-p") {
      sampling.top_p = std::strtof(value("--top-p"), nullptr);
    } else if (a == "--min-p") {
      sampling.min_p = std::strtof(value("--min-p"), nullptr);
    } else if (a == "--repeat-penalty") {
      sampling.repetition_penalty =
          std::strtof(value("--repeat-penalty"), nullptr);
    } else if (a == "--seed") {
      sampling.seed = std::strtoull(value("--seed"), nullptr, 10);
    } else if (a == "--dump-logits") {
      dump = value("--dump-logits");
    } else if (a == "--prefill-chunk") {
      prefillChunk = std::strtol(value("--prefill-chunk"), nullptr, 10);
      if (prefillChunk < 1 || prefillChunk > UINT32_MAX)
        return fail("--prefill-chunk must be >= 1");
    } else if (a == "--threads") {
      threads = std::strtol(value("--threads"), nullptr, 10);
      if (threads < 1)
        return fail("--threads must be >= 1");
    } else if (a == "--entry") {
      entryName = value("--entry");
    } else if (a == "--dump-outputs") {
      dumpOutputs = value("--dump-outputs");
    } else if (a == "--stats") {
      stats = true;
    } else if (a == "--compare-to") {
      compareTo = value("--compare-to");
    } else if (a == "--compare-weights") {
      compareWeights = value("--compare-weights");
    } else if (a == "--max-kl") {
      char *end = nullptr;
      const char *v = value("--max-kl");
      maxKl = std::strtod(v, &end);
      if (*end != '\0' || !(maxKl >= 0))
        return fail("--max-kl expects a number >= 0");
    } else if (a == "--check-weights") {
      checkWeights = true;
    } else if (a == "--logits-out") {
      logitsOut = value("--logits-out");
    } else if (a == "--perplexity") {
      perplexityFile = value("--perplexity");
    } else if (a == "--ctx") {
      char *end = nullptr;
      const char *v = value("--ctx");
      ctx = std::strtol(v, &end, 10);
      if (*end != '\0' || ctx < 2 || ctx > INT32_MAX)
        return fail("--ctx expects a whole number >= 2");
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "seq-run: error: unknown option '%s'\n%s", a.c_str(),
                   kUsage);
      return 1;
    } else if (!modelPath) {
      modelPath = argv[i];
    } else {
      return fail("more than one model given");
    }
  }
  if (promptText && !prompt.empty())
    return fail("give --prompt or --prompt-ids, not both");
  // A text prompt (or --tokenizer) brings a tokenizer: the generated text
  // is printed, streamed.
  Tokenizer tokenizer;
  if (perplexityFile) {
    if (promptText || !prompt.empty() || compareTo || logitsOut || chat)
      return fail("--perplexity takes its text from the file: no prompt, "
                  "--chat, --compare-to or --logits-out with it");
    if (!modelPath || !weights)
      return fail("--perplexity needs MODEL.so and --weights");
    if (int rc = tokenizer.open(tokenizerPath ? tokenizerPath : weights,
                                tokenizerPath != nullptr))
      return rc;
    std::ifstream in(perplexityFile, std::ios::binary);
    if (!in)
      return fail("--perplexity: cannot read the text file");
    std::stringstream text;
    text << in.rdbuf();
    std::vector<int32_t> tokens, bos;
    if (tokenizer.encode(text.str(), true, tokens) ||
        tokenizer.encode("", true, bos))
      return 1;
    return perplexity(modelPath, weights, threads, tokens,
                      bos.size() == 1 ? bos[0] : -1, ctx);
  }
  if (promptText || tokenizerPath) {
    if (!weights && !tokenizerPath)
      return fail("--prompt needs --tokenizer or a --weights folder");
    if (int rc = tokenizer.open(tokenizerPath ? tokenizerPath : weights,
                                tokenizerPath != nullptr))
      return rc;
    std::string text = promptText ? promptText : "";
    if (chat) {
      if (!promptText)
        return fail("--chat needs --prompt or --prompt-file");
      std::string folder = tokenizerPath ? tokenizerPath : weights;
      if (int rc = chatText(folder, systemText, text))
        return rc;
    }
    // A chat template writes the special tokens itself.
    if (promptText && tokenizer.encode(text, !chat, prompt))
      return 1;
    if (promptText && prompt.empty())
      return fail("--prompt encodes to no tokens");
    for (const char *stop : stops)
      tokenizer.addStop(stop);
  }
  if ((chat || systemText) && !promptText)
    return fail("--chat and --system need a text prompt");
  if (systemText && !chat)
    return fail("--system needs --chat");
  if (!stops.empty() && !tokenizer)
    return fail("--stop needs a text prompt (or --tokenizer)");
  if (!modelPath || !weights || prompt.empty()) {
    std::fputs(kUsage, stderr);
    return fail("MODEL.so, --weights and --prompt or --prompt-ids are "
                "required");
  }

  if (!source.ids.empty() + !source.features.empty() + !source.audio.empty() >
      1)
    return fail("give one of --source-ids, --features and --audio");
  if (!source.empty() && (compareTo || logitsOut || entryName))
    return fail("--source-ids and --features generate: no --compare-to, "
                "--logits-out or "
                "--entry with it");
  if (batch.size() > 1 && !beamFlags.beams)
    return fail("several --source-ids are searched as a batch: give --beams "
                "(1: greedy)");
  BeamSettings beam;
  if (beamFlags.given()) {
    if (!beamFlags.beams)
      return fail("--num-return, --length-penalty, --early-stopping, --eos, "
                  "--forced-bos, --forced-eos, --min-new, --no-repeat-ngram, "
                  "--suppress and --begin-suppress need --beams");
    if (compareTo || logitsOut || entryName || dump || !stops.empty() ||
        sampling.temperature != 0)
      return fail("--beams searches: no sampling, --stop, --dump-logits, "
                  "--compare-to, --logits-out or --entry with it");
    if (maxNew < 1)
      return fail("--beams needs --max-new >= 1");
    if (int rc = beamSettings(beamFlags, weights, maxNew, prompt, beam))
      return rc;
  }
  if ((compareWeights || maxKl >= 0) && !compareTo)
    return fail("--compare-weights and --max-kl need --compare-to");
  if (compareTo)
    return compareModels(modelPath, weights, compareTo,
                         compareWeights ? compareWeights : weights, threads,
                         prefillChunk, prompt, maxKl);
  if (logitsOut) {
    // Teacher-forced: every prompt position's logits, nothing generated.
    std::vector<float> logits;
    size_t vocab = 0;
    if (int rc = promptLogits(modelPath, weights, threads, prefillChunk, prompt,
                              logits, vocab))
      return rc;
    if (!writeNpy(logitsOut, logits, logits.size() / vocab, vocab))
      return fail("--logits-out: cannot write the file");
    std::printf("wrote the logits of %zu positions x %zu to %s\n",
                logits.size() / vocab, vocab, logitsOut);
    return 0;
  }

  seq_model_options options;
  seq_model_options_init(&options);
  options.num_threads = static_cast<int32_t>(threads);
  options.validate_weights = checkWeights ? 1 : 0;
  seq_model *model = nullptr;
  if (seq_status s = seq_model_open(modelPath, weights, &options, &model))
    return failStatus("opening the model", s);
  if (int rc = source.prepare(model)) {
    seq_model_close(model);
    return rc;
  }
  if (entryName) {
    int rc = runEntry(model, entryName, prompt, dumpOutputs);
    seq_model_close(model);
    return rc;
  }
  seq_session *session = nullptr;
  seq_session_options sessionOptions;
  seq_session_options_init(&sessionOptions);
  sessionOptions.prefill_chunk = static_cast<uint32_t>(prefillChunk);
  // Generation needs the last position's logits; --dump-logits every row.
  sessionOptions.last_logits_only = dump ? 0 : 1;
  if (seq_status s = seq_session_create(model, &sessionOptions, &session)) {
    seq_model_close(model);
    return failStatus("creating a session", s);
  }
  size_t vocab = seq_model_vocab_size(model);
  if (tokenizer && tokenizer.vocabSize() > vocab) {
    seq_session_destroy(session);
    seq_model_close(model);
    std::fprintf(stderr,
                 "seq-run: error: the tokenizer has %zu tokens but the model "
                 "only %zu logits: they do not belong together\n",
                 tokenizer.vocabSize(), vocab);
    return 1;
  }
  if (batch.size() > 1) {
    int rc = runBatch(model, batch, prompt, beam, tokenizer, stats);
    seq_session_destroy(session);
    seq_model_close(model);
    return rc;
  }
  if (beamFlags.beams) {
    int rc = runBeams(session, source, prompt, beam, tokenizer, stats);
    seq_session_destroy(session);
    seq_model_close(model);
    return rc;
  }
  std::vector<float> dumped;
  seq_sampler *sampler = nullptr;
  if (seq_status s = seq_sampler_create(&sampling, &sampler)) {
    seq_session_destroy(session);
    seq_model_close(model);
    return failStatus("the sampling options", s);
  }
  // What the repetition penalty looks at: the prompt, then each new token.
  std::vector<int32_t> history = prompt;
  int rc = 0;
  using clock = std::chrono::steady_clock;

  auto t0 = clock::now();
  const float *logits = nullptr;
  // An encoder-decoder's source first, then the decoder's prompt.
  const char *stage = "encoding the source";
  seq_status s = source.empty() ? SEQ_OK : source.encode(session);
  auto tEncoded = clock::now();
  if (!s) {
    stage = "prefill";
    s = seq_prefill(session, prompt.data(), prompt.size(), &logits);
  }
  auto t1 = clock::now();
  std::vector<int32_t> generated;
  double decodeSeconds = 0;
  if (s) {
    rc = failStatus(stage, s);
  } else {
    if (dump) {
      const float *all;
      size_t rows, cols;
      seq_session_logits(session, &all, &rows, &cols);
      dumped.insert(dumped.end(), all, all + rows * cols);
    }
    for (long step = 0; step < maxNew; ++step) {
      int32_t next = 0;
      if ((s = seq_sampler_sample(sampler, logits, vocab, history.data(),
                                  history.size(), &next))) {
        rc = failStatus("sampling", s);
        break;
      }
      generated.push_back(next);
      history.push_back(next);
      if (tokenizer) {
        if ((rc = tokenizer.stream(next)))
          break;
        if (tokenizer.isSpecial(next) || tokenizer.stopped()) // the end
          break;
      }
      if (step + 1 == maxNew)
        break;
      size_t maxPositions = seq_model_max_positions(model);
      if (maxPositions && seq_session_position(session) >= maxPositions) {
        std::fprintf(stderr,
                     "seq-run: stopping: the model holds at most %zu "
                     "positions\n",
                     maxPositions);
        break;
      }
      auto d0 = clock::now();
      s = seq_decode(session, next, &logits);
      decodeSeconds += std::chrono::duration<double>(clock::now() - d0).count();
      if (s) {
        rc = failStatus("decode", s);
        break;
      }
      if (dump)
        dumped.insert(dumped.end(), logits, logits + vocab);
    }
  }
  if (rc == 0 && tokenizer) {
    tokenizer.finish();
  } else if (rc == 0) {
    std::printf("generated:");
    for (int32_t id : generated)
      std::printf(" %d", id);
    std::printf("\n");
  }
  if (rc == 0) {
    if (stats) {
      double encode = std::chrono::duration<double>(tEncoded - t0).count();
      double prefill = std::chrono::duration<double>(t1 - tEncoded).count();
      if (!source.empty())
        std::printf("encode: %zu tokens in %.3f ms (%.1f tokens/s)\n",
                    source.size(), encode * 1e3, source.size() / encode);
      size_t decoded = generated.empty() ? 0 : generated.size() - 1;
      std::printf("prefill: %zu tokens in %.3f ms (%.1f tokens/s)\n",
                  prompt.size(), prefill * 1e3, prompt.size() / prefill);
      if (decoded)
        std::printf("decode: %zu tokens in %.3f ms (%.1f tokens/s)\n", decoded,
                    decodeSeconds * 1e3, decoded / decodeSeconds);
    }
    if (dump && !writeNpy(dump, dumped, dumped.size() / vocab, vocab))
      rc = fail("cannot write the --dump-logits file");
  }
  seq_sampler_destroy(sampler);
  seq_session_destroy(session);
  seq_model_close(model);
  return rc;
}
