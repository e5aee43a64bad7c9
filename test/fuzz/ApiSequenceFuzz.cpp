//===- ApiSequenceFuzz.cpp - libFuzzer entry for sequences of C API calls -===//
//
// Each input is a program over seq/runtime.h: every byte pair picks a call
// (create / prefill / decode / fork / snapshot / restore / reset / destroy /
// logits / a stateless run) and its arguments (token counts up to past the
// model's capacity, token ids in and out of the vocabulary, chunk sizes,
// tensor shapes that do and do not match). Calls may fail, with a status
// and a message; they must never crash, leak or read out of bounds, and a
// session's position never passes the model's maximum.
//
// The models are the test builds' hybrid-tiny.so (attention + Mamba, 64
// positions) and linear.so, found in $SEQC_FUZZ_MODELS (default: the build's
// test/models).
//
//===----------------------------------------------------------------------===//

#include "seq/runtime.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Models {
  seq_model *hybrid = nullptr, *linear = nullptr;
};

const Models &models() {
  static const Models m = [] {
    const char *env = std::getenv("SEQC_FUZZ_MODELS");
    std::string dir = env && *env ? env : SEQC_TEST_MODELS_DIR;
    Models out;
    seq_model_options options;
    seq_model_options_init(&options);
    options.num_threads = 1;
    if (seq_model_open((dir + "/hybrid-tiny.so").c_str(),
                       (dir + "/hybrid-tiny.safetensors").c_str(), &options,
                       &out.hybrid) != SEQ_OK ||
        seq_model_open((dir + "/linear.so").c_str(),
                       (dir + "/linear.safetensors").c_str(), &options,
                       &out.linear) != SEQ_OK)
      std::abort(); // the fuzzer needs its models
    return out;
  }();
  return m;
}

/// Reads the input a byte at a time (zero when exhausted).
struct Bytes {
  const uint8_t *data;
  size_t size, at = 0;
  bool more() const { return at < size; }
  uint8_t next() { return at < size ? data[at++] : 0; }
};

void expectMessage(seq_status s) {
  if (s != SEQ_OK && seq_last_error()[0] == '\0')
    std::abort(); // every failure says why
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const Models &m = models();
  size_t vocab = seq_model_vocab_size(m.hybrid);
  size_t limit = seq_model_max_positions(m.hybrid);
  Bytes in{data, size};
  std::vector<seq_session *> sessions;
  std::vector<seq_snapshot *> snapshots;
  std::vector<int32_t> tokens;
  auto pick = [&](auto &list) -> decltype(list[0]) {
    static typename std::remove_reference_t<decltype(list)>::value_type none{};
    return list.empty() ? none : list[in.next() % list.size()];
  };
  for (int steps = 0; in.more() && steps < 64; ++steps) {
    uint8_t op = in.next() % 11;
    switch (op) {
    case 0: { // create, with options
      seq_session_options o;
      seq_session_options_init(&o);
      o.prefill_chunk = in.next() % 9;
      o.last_logits_only = in.next() & 1;
      seq_session *s = nullptr;
      seq_status st =
          seq_session_create(m.hybrid, in.next() & 1 ? &o : nullptr, &s);
      expectMessage(st);
      if (st == SEQ_OK)
        sessions.push_back(s);
      break;
    }
    case 1:   // prefill n tokens (n may pass the capacity)
    case 2: { // decode one token
      seq_session *s = pick(sessions);
      if (!s)
        break;
      size_t n = op == 2 ? 1 : in.next() % 80;
      tokens.resize(n);
      for (int32_t &t : tokens)
        t = static_cast<int32_t>(in.next()) - (in.next() % 16 == 0 ? 300 : 0);
      const float *logits = nullptr;
      seq_status st = op == 2 ? seq_decode(s, n ? tokens[0] : 0, &logits)
                              : seq_prefill(s, tokens.data(), n, &logits);
      expectMessage(st);
      if (st == SEQ_OK) {
        volatile float sink = logits[0] + logits[vocab - 1];
        (void)sink;
      }
      if (limit && seq_session_position(s) > limit)
        std::abort();
      break;
    }
    case 3: { // fork
      seq_session *s = pick(sessions), *f = nullptr;
      if (s && seq_session_fork(s, &f) == SEQ_OK)
        sessions.push_back(f);
      break;
    }
    case 4: { // snapshot
      seq_session *s = pick(sessions);
      seq_snapshot *snap = nullptr;
      if (s && seq_session_snapshot(s, &snap) == SEQ_OK)
        snapshots.push_back(snap);
      break;
    }
    case 5: { // restore
      seq_session *s = pick(sessions);
      seq_snapshot *snap = pick(snapshots);
      if (s && snap)
        expectMessage(seq_session_restore(s, snap));
      break;
    }
    case 6:
      if (seq_session *s = pick(sessions))
        expectMessage(seq_session_reset(s));
      break;
    case 7: { // destroy one
      if (sessions.empty())
        break;
      size_t i = in.next() % sessions.size();
      seq_session_destroy(sessions[i]);
      sessions.erase(sessions.begin() + i);
      break;
    }
    case 8: { // read all logits
      seq_session *s = pick(sessions);
      const float *all;
      size_t rows, cols;
      if (s && seq_session_logits(s, &all, &rows, &cols) == SEQ_OK) {
        volatile float sink = all[rows * cols - 1];
        (void)sink;
      }
      break;
    }
    case 9: { // a stateless run with shapes that may not match
      int64_t n = in.next() % 6;
      std::vector<int64_t> ids(static_cast<size_t>(n) + 1, in.next() % 8);
      std::vector<float> out((static_cast<size_t>(n) + 1) * 8);
      seq_tensor input{ids.data(), SEQ_DTYPE_I64, 2, {1, n}};
      seq_tensor output{out.data(), SEQ_DTYPE_F32, 3, {1, n, 8}};
      if (in.next() % 4 == 0)
        output.shape[2] = in.next(); // a wrong vocab
      if (in.next() % 8 == 0)
        input.rank = static_cast<int8_t>(in.next()); // a wrong rank
      expectMessage(seq_model_run(m.linear, in.next() % 4 ? "prefill" : "nope",
                                  &input, 1, &output, 1));
      break;
    }
    case 10: // misuse: NULL arguments
      expectMessage(seq_prefill(pick(sessions), nullptr, 3, nullptr));
      expectMessage(seq_session_create(nullptr, nullptr, nullptr));
      break;
    }
  }
  for (seq_session *s : sessions)
    seq_session_destroy(s);
  for (seq_snapshot *s : snapshots)
    seq_snapshot_destroy(s);
  return 0;
}
