//===- SeqcModule.cpp - the seqc Python package's extension ---------------===//
//
// nanobind classes over libseqrt's C API (<seq/runtime.h>): models, sessions
// with logits as read-only NumPy views of the session's buffer (no copy),
// tokenizers, streaming detokenizers, chat templates and samplers. Errors raise
// seqc.Error with the runtime's message; the GIL is released while a model
// computes. The Python layer (seqc/__init__.py) builds generation and embedding
// on these.
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <string>
#include <vector>

namespace nb = nanobind;

namespace {

/// seqc.Error: a runtime call failed; the message is the runtime's.
struct RuntimeError : std::exception {
  std::string message;
  explicit RuntimeError(std::string m) : message(std::move(m)) {}
  const char *what() const noexcept override { return message.c_str(); }
};

void check(seq_status status, const char *what) {
  if (status != SEQ_OK)
    throw RuntimeError(std::string(what) + ": " + seq_status_string(status) +
                       ": " + seq_last_error());
}

using Ids =
    nb::ndarray<const int32_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using Logits = nb::ndarray<nb::numpy, const float, nb::ndim<1>>;
using LogitRows = nb::ndarray<nb::numpy, const float, nb::ndim<2>>;

class Model {
public:
  Model(const std::string &library, const std::string &weights, int threads,
        bool validateWeights) {
    seq_model_options options;
    seq_model_options_init(&options);
    options.num_threads = threads;
    options.validate_weights = validateWeights ? 1 : 0;
    nb::gil_scoped_release release; // loading maps and may repack weights
    check(seq_model_open(library.c_str(), weights.c_str(), &options, &model),
          "opening the model");
  }
  ~Model() { seq_model_close(model); }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  size_t vocabSize() const { return seq_model_vocab_size(model); }
  size_t maxPositions() const { return seq_model_max_positions(model); }

  /// One call of a stateless entry on int64 token ids [batch, seq]: each
  /// output as a new array (dynamic dims: batch, then the token count).
  std::vector<nb::object>
  run(const std::string &entry,
      nb::ndarray<const int64_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>
          ids) {
    size_t nIn = 0, nOut = 0;
    check(seq_model_entry_arity(model, entry.c_str(), &nIn, &nOut), "run");
    if (nIn != 1)
      throw RuntimeError("run: entry '" + entry +
                         "' does not take token ids alone");
    seq_tensor in;
    check(seq_model_entry_tensor(model, entry.c_str(), 0, 0, &in), "run");
    if (in.dtype != SEQ_DTYPE_I64 || in.rank != 2)
      throw RuntimeError("run: entry '" + entry +
                         "' takes no int64 [batch, seq] ids");
    in.data = const_cast<int64_t *>(ids.data());
    in.shape[0] = static_cast<int64_t>(ids.shape(0));
    in.shape[1] = static_cast<int64_t>(ids.shape(1));
    std::vector<seq_tensor> outs(nOut);
    std::vector<std::unique_ptr<float[]>> buffers(nOut);
    std::vector<std::vector<size_t>> shapes(nOut);
    for (size_t k = 0; k < nOut; ++k) {
      check(seq_model_entry_tensor(model, entry.c_str(), 1, k, &outs[k]),
            "run");
      if (outs[k].dtype != SEQ_DTYPE_F32)
        throw RuntimeError("run: entry '" + entry +
                           "' has an output that is not f32");
      size_t count = 1;
      for (int32_t d = 0; d < outs[k].rank; ++d) {
        if (outs[k].shape[d] < 0)
          outs[k].shape[d] = in.shape[d == 0 ? 0 : 1];
        shapes[k].push_back(static_cast<size_t>(outs[k].shape[d]));
        count *= shapes[k].back();
      }
      buffers[k].reset(new float[count]());
      outs[k].data = buffers[k].get();
    }
    {
      nb::gil_scoped_release release;
      check(seq_model_run(model, entry.c_str(), &in, 1, outs.data(), nOut),
            entry.c_str());
    }
    std::vector<nb::object> results;
    for (size_t k = 0; k < nOut; ++k) {
      float *data = buffers[k].release();
      nb::capsule owner(
          data, [](void *p) noexcept { delete[] static_cast<float *>(p); });
      results.push_back(nb::cast(nb::ndarray<nb::numpy, float>(
          data, shapes[k].size(), shapes[k].data(), owner)));
    }
    return results;
  }

  seq_model *model = nullptr;
};

class Session {
public:
  Session(std::shared_ptr<Model> model, uint32_t prefillChunk,
          bool lastLogitsOnly)
      : model(std::move(model)) {
    seq_session_options options;
    seq_session_options_init(&options);
    options.prefill_chunk = prefillChunk;
    options.last_logits_only = lastLogitsOnly ? 1 : 0;
    check(seq_session_create(this->model->model, &options, &session),
          "creating a session");
  }
  ~Session() { seq_session_destroy(session); }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  /// `logits` as a read-only view owned by this session's Python object.
  static Logits view(nb::handle self, const float *logits, size_t vocab) {
    size_t shape[1] = {vocab};
    return Logits(logits, 1, shape, self);
  }

  const float *prefill(Ids ids) {
    const float *logits = nullptr;
    nb::gil_scoped_release release;
    check(seq_prefill(session, ids.data(), ids.shape(0), &logits), "prefill");
    return logits;
  }
  const float *decode(int32_t token) {
    const float *logits = nullptr;
    nb::gil_scoped_release release;
    check(seq_decode(session, token, &logits), "decode");
    return logits;
  }

  std::shared_ptr<Model> model;
  seq_session *session = nullptr;
};

class Tokenizer {
public:
  explicit Tokenizer(const std::string &path) {
    check(seq_tokenizer_open(path.c_str(), &tokenizer),
          "reading the tokenizer");
  }
  ~Tokenizer() { seq_tokenizer_close(tokenizer); }
  Tokenizer(const Tokenizer &) = delete;
  Tokenizer &operator=(const Tokenizer &) = delete;

  std::vector<int32_t> encode(const std::string &text, bool addSpecial) {
    std::vector<int32_t> ids(text.size() + 16);
    size_t count = 0;
    nb::gil_scoped_release release;
    seq_status s =
        seq_tokenizer_encode(tokenizer, text.data(), text.size(), addSpecial,
                             ids.data(), ids.size(), &count);
    if (s == SEQ_ERROR_CAPACITY) {
      ids.resize(count);
      s = seq_tokenizer_encode(tokenizer, text.data(), text.size(), addSpecial,
                               ids.data(), ids.size(), &count);
    }
    check(s, "encode");
    ids.resize(count);
    return ids;
  }

  std::string decode(const std::vector<int32_t> &ids, bool skipSpecial) {
    size_t length = 0;
    std::string text(ids.size() * 8 + 16, '\0');
    seq_status s =
        seq_tokenizer_decode(tokenizer, ids.data(), ids.size(), skipSpecial,
                             text.data(), text.size(), &length);
    if (s == SEQ_ERROR_CAPACITY) {
      text.assign(length + 1, '\0');
      s = seq_tokenizer_decode(tokenizer, ids.data(), ids.size(), skipSpecial,
                               text.data(), text.size(), &length);
    }
    check(s, "decode");
    text.resize(length);
    return text;
  }

  seq_tokenizer *tokenizer = nullptr;
};

class Detokenizer {
public:
  Detokenizer(std::shared_ptr<Tokenizer> tokenizer, bool skipSpecial)
      : tokenizer(std::move(tokenizer)) {
    check(seq_detokenizer_create(this->tokenizer->tokenizer, skipSpecial,
                                 &stream),
          "creating a detokenizer");
  }
  ~Detokenizer() { seq_detokenizer_destroy(stream); }
  Detokenizer(const Detokenizer &) = delete;
  Detokenizer &operator=(const Detokenizer &) = delete;

  std::string push(int32_t id) {
    const char *text = nullptr;
    size_t length = 0;
    check(seq_detokenizer_push(stream, id, &text, &length), "detokenize");
    return std::string(text, length);
  }
  std::string flush() {
    const char *text = nullptr;
    size_t length = 0;
    check(seq_detokenizer_flush(stream, &text, &length), "detokenize");
    return std::string(text, length);
  }

  std::shared_ptr<Tokenizer> tokenizer;
  seq_detokenizer *stream = nullptr;
};

class ChatTemplate {
public:
  explicit ChatTemplate(const std::string &path) {
    check(seq_chat_template_open(path.c_str(), &chat),
          "reading the chat template");
  }
  ~ChatTemplate() { seq_chat_template_close(chat); }
  ChatTemplate(const ChatTemplate &) = delete;
  ChatTemplate &operator=(const ChatTemplate &) = delete;

  std::string apply(const std::string &messagesJson, bool addGenerationPrompt) {
    size_t length = 0;
    std::string text(messagesJson.size() * 2 + 256, '\0');
    seq_status s =
        seq_chat_template_apply(chat, messagesJson.c_str(), addGenerationPrompt,
                                text.data(), text.size(), &length);
    if (s == SEQ_ERROR_CAPACITY) {
      text.assign(length + 1, '\0');
      s = seq_chat_template_apply(chat, messagesJson.c_str(),
                                  addGenerationPrompt, text.data(), text.size(),
                                  &length);
    }
    check(s, "applying the chat template");
    text.resize(length);
    return text;
  }

  seq_chat_template *chat = nullptr;
};

class Sampler {
public:
  Sampler(float temperature, int32_t topK, float topP, float minP,
          float repetitionPenalty, uint64_t seed) {
    seq_sampler_options options;
    seq_sampler_options_init(&options);
    options.temperature = temperature;
    options.top_k = topK;
    options.top_p = topP;
    options.min_p = minP;
    options.repetition_penalty = repetitionPenalty;
    options.seed = seed;
    check(seq_sampler_create(&options, &sampler), "the sampling options");
  }
  ~Sampler() { seq_sampler_destroy(sampler); }
  Sampler(const Sampler &) = delete;
  Sampler &operator=(const Sampler &) = delete;

  int32_t
  sample(nb::ndarray<const float, nb::ndim<1>, nb::c_contig, nb::device::cpu>
             logits,
         Ids history) {
    int32_t next = 0;
    check(seq_sampler_sample(sampler, logits.data(), logits.shape(0),
                             history.data(), history.shape(0), &next),
          "sampling");
    return next;
  }

  seq_sampler *sampler = nullptr;
};

} // namespace

NB_MODULE(_seqc, m) {
  m.doc() = "libseqrt's C API for Python (the seqc package builds on it)";
  nb::exception<RuntimeError>(m, "Error", PyExc_RuntimeError);

  nb::class_<Model>(m, "Model")
      .def(nb::init<const std::string &, const std::string &, int, bool>(),
           nb::arg("library"), nb::arg("weights"), nb::arg("threads") = 0,
           nb::arg("validate_weights") = false)
      .def_prop_ro("vocab_size", &Model::vocabSize)
      .def_prop_ro("max_positions", &Model::maxPositions)
      .def("run", &Model::run, nb::arg("entry"), nb::arg("ids"));

  nb::class_<Session>(m, "Session")
      .def(nb::init<std::shared_ptr<Model>, uint32_t, bool>(), nb::arg("model"),
           nb::arg("prefill_chunk") = 0, nb::arg("last_logits_only") = false)
      .def(
          "prefill",
          [](nb::handle self, Ids ids) {
            Session &s = nb::cast<Session &>(self);
            return Session::view(self, s.prefill(ids), s.model->vocabSize());
          },
          nb::arg("ids"))
      .def(
          "decode",
          [](nb::handle self, int32_t token) {
            Session &s = nb::cast<Session &>(self);
            return Session::view(self, s.decode(token), s.model->vocabSize());
          },
          nb::arg("token"))
      .def_prop_ro("logits",
                   [](nb::handle self) {
                     Session &s = nb::cast<Session &>(self);
                     const float *rows = nullptr;
                     size_t n = 0, vocab = 0;
                     check(seq_session_logits(s.session, &rows, &n, &vocab),
                           "logits");
                     size_t shape[2] = {n, vocab};
                     return LogitRows(rows, 2, shape, self);
                   })
      .def_prop_ro("position",
                   [](Session &s) { return seq_session_position(s.session); })
      .def("reset",
           [](Session &s) { check(seq_session_reset(s.session), "reset"); });

  nb::class_<Tokenizer>(m, "Tokenizer")
      .def(nb::init<const std::string &>(), nb::arg("path"))
      .def("encode", &Tokenizer::encode, nb::arg("text"),
           nb::arg("add_special_tokens") = true)
      .def("decode", &Tokenizer::decode, nb::arg("ids"),
           nb::arg("skip_special_tokens") = false)
      .def_prop_ro(
          "vocab_size",
          [](Tokenizer &t) { return seq_tokenizer_vocab_size(t.tokenizer); })
      .def(
          "is_special",
          [](Tokenizer &t, int32_t id) {
            return seq_tokenizer_is_special(t.tokenizer, id) != 0;
          },
          nb::arg("id"));

  nb::class_<Detokenizer>(m, "Detokenizer")
      .def(nb::init<std::shared_ptr<Tokenizer>, bool>(), nb::arg("tokenizer"),
           nb::arg("skip_special_tokens") = true)
      .def("push", &Detokenizer::push, nb::arg("id"))
      .def("flush", &Detokenizer::flush);

  nb::class_<ChatTemplate>(m, "ChatTemplate")
      .def(nb::init<const std::string &>(), nb::arg("path"))
      .def("apply", &ChatTemplate::apply, nb::arg("messages_json"),
           nb::arg("add_generation_prompt") = true);

  nb::class_<Sampler>(m, "Sampler")
      .def(nb::init<float, int32_t, float, float, float, uint64_t>(),
           nb::arg("temperature") = 0.0f, nb::arg("top_k") = 0,
           nb::arg("top_p") = 1.0f, nb::arg("min_p") = 0.0f,
           nb::arg("repetition_penalty") = 1.0f, nb::arg("seed") = 0)
      .def("sample", &Sampler::sample, nb::arg("logits"), nb::arg("history"));
}
