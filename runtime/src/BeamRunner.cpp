//===- BeamRunner.cpp - where a beam search's beams run -------------------===//
//
// Two runners. SessionBeams gives each beam its own copy of the session
// (any model): the copies share an encoder-decoder's source states, and a
// copy is made only when a second beam continues from the same parent,
// rows below the position only. BatchedBeams runs every beam in one call of
// the model's `decode_beams` entry, so the weights are read once per step
// for all beams; its per-beam caches hold the beams in one buffer, and
// reordering copies a beam's rows only when its parent changed.
//
//===----------------------------------------------------------------------===//

#include "BeamRunner.h"

#include "CudaDevice.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace seqrt {
namespace {

/// Whether state `i` of `model` is a position-major cache ([1, max
/// positions, heads, dim] K/V or their 8-bit scales): rows at or past the
/// session's position are never read, so a copy may leave them out.
bool isPositionMajorCache(const seq_model &model, size_t i) {
  const StateSpec &state = model.descriptor.states[i];
  const std::vector<int64_t> &shape = state.spec.shape;
  auto endsWith = [&](const char *suffix) {
    size_t n = std::strlen(suffix);
    return state.name.size() >= n &&
           state.name.compare(state.name.size() - n, n, suffix) == 0;
  };
  return shape.size() == 4 && model.descriptor.maxPositions > 0 &&
         shape[1] == model.descriptor.maxPositions &&
         (endsWith(".k_cache") || endsWith(".v_cache") ||
          endsWith(".k_scales") || endsWith(".v_scales"));
}

/// The last logits row of `session`.
const float *lastRow(const seq_session &session) {
  return session.logits.data() +
         (session.logitPositions - 1) * session.model->vocabSize;
}

/// Makes `dst` (a session of the same model) a copy of `src`, reusing its
/// buffers.
Error copySession(seq_session &dst, const seq_session &src) {
  if (Error e = src.device.syncToHost(src))
    return e;
  const seq_model &model = *src.model;
  for (size_t i = 0; i < src.states.size(); ++i) {
    StateBuffer &to = dst.states[i];
    const StateBuffer &from = src.states[i];
    if (from.isSourceState()) {
      to = from; // shares the bytes
      continue;
    }
    size_t bytes = from.size();
    if (isPositionMajorCache(model, i))
      bytes = std::min(
          bytes,
          bytes /
              static_cast<size_t>(model.descriptor.states[i].spec.shape[1]) *
              src.position);
    std::memcpy(to.data(), from.data(), bytes);
  }
  dst.device.hostChanged();
  dst.position = src.position;
  dst.logitPositions = 0; // the beam runs its token next
  return Error::ok();
}

/// A new session with a copy of `src`'s state (its source states shared).
Error cloneSession(const seq_session &src, std::unique_ptr<seq_session> &out) {
  if (Error e = src.device.syncToHost(src))
    return e;
  out = std::make_unique<seq_session>(src);
  return Error::ok();
}

class SessionBeams : public BeamRunner {
public:
  Error init(seq_session &session, size_t beams) {
    sessions.emplace_back();
    of.assign(beams, 0);
    return cloneSession(session, sessions.back());
  }

  const float *logits(size_t beam) const override {
    return lastRow(*sessions[of[beam]]);
  }

  Error advance(const std::vector<size_t> &parents,
                const std::vector<int32_t> &tokens) override {
    // The first beam continuing a parent takes its session; the others get
    // a copy, written into the session of a parent no beam continues where
    // there is one.
    size_t beams = parents.size();
    std::vector<size_t> owner(sessions.size(), SIZE_MAX);
    std::vector<size_t> copies;
    for (size_t j = 0; j < beams; ++j) {
      size_t session = of[parents[j]];
      if (owner[session] == SIZE_MAX)
        owner[session] = j;
      else
        copies.push_back(j);
    }
    std::vector<std::unique_ptr<seq_session>> spare;
    for (size_t i = 0; i < sessions.size(); ++i)
      if (owner[i] == SIZE_MAX)
        spare.push_back(std::move(sessions[i]));
    std::vector<std::unique_ptr<seq_session>> next(beams);
    for (size_t j : copies) {
      const seq_session &parent = *sessions[of[parents[j]]];
      if (!spare.empty()) {
        next[j] = std::move(spare.back());
        spare.pop_back();
        if (Error e = copySession(*next[j], parent))
          return e;
      } else if (Error e = cloneSession(parent, next[j])) {
        return e;
      }
    }
    for (size_t i = 0; i < sessions.size(); ++i)
      if (owner[i] != SIZE_MAX)
        next[owner[i]] = std::move(sessions[i]);
    sessions = std::move(next);
    for (size_t j = 0; j < beams; ++j) {
      of[j] = j;
      if (Error e = runTokens(*sessions[j], sessions[j]->model->decode,
                              &tokens[j], 1))
        return e;
    }
    return Error::ok();
  }

private:
  std::vector<std::unique_ptr<seq_session>> sessions;
  std::vector<size_t> of; ///< each beam's session
};

class BatchedBeams : public BeamRunner {
public:
  /// `count` beams of `s`'s source after its prompt: the per-source states
  /// are the session's own (one source, as long as it is).
  Error initSession(seq_session &s, size_t count, size_t positions) {
    session = &s;
    model = s.model;
    beams = count;
    sources = 1;
    position = s.position;
    capacity = positions;
    allocate();
    for (PerSource &state : perSource) {
      state.data = s.states[state.session].data();
      if (state.name == "sources.source_length") {
        int64_t length = 0;
        std::memcpy(&length, state.data, sizeof length);
        longest = static_cast<size_t>(length);
      }
    }
    return Error::ok();
  }

  /// `count` beams of each of `packed`'s sources, running `prompt` from
  /// position 0 for every beam.
  Error initSources(seq_model &m, SourceStates packed, size_t count,
                    size_t positions, const int32_t *prompt, size_t nPrompt) {
    model = &m;
    beams = count;
    capacity = positions;
    sources = packed.sources;
    longest = packed.longest;
    owned = std::move(packed);
    allocate();
    for (PerSource &state : perSource)
      for (size_t i = 0; i < owned.names.size(); ++i)
        if (owned.names[i] == state.name)
          state.data = owned.data[i].data();
    for (PerSource &state : perSource)
      if (!state.data)
        return makeError(SEQ_ERROR_INTERNAL,
                         "no packed bytes for '" + state.name + "'");
    started = true;
    for (size_t t = 0; t < nPrompt; ++t)
      if (Error e = run(std::vector<int32_t>(rows(), prompt[t])))
        return e;
    return Error::ok();
  }

  size_t rows() const { return sources * beams; }

  const float *logits(size_t row) const override {
    if (!started)
      return lastRow(*session);
    return logitRows.data() + row * model->vocabSize;
  }

  Error advance(const std::vector<size_t> &parents,
                const std::vector<int32_t> &tokens) override {
    if (!started) {
      // Every beam is the session after the prompt (its positions so
      // far: the session's rows are position-major too).
      for (PerBeam &state : perBeam)
        for (size_t j = 0; j < beams; ++j)
          std::memcpy(state.data.data() + j * state.rowBytes,
                      session->states[state.session].data(), usedBytes(state));
      started = true;
    } else {
      reorder(parents);
    }
    return run(tokens);
  }

private:
  struct PerBeam {
    std::string name;
    size_t session = 0;   ///< the session state of one beam
    size_t rowBytes = 0;  ///< one beam's bytes
    size_t positions = 1; ///< positions a beam's row holds (dim 1)
    bool dynamic = false; ///< dim 1 is `capacity` (dynamic)
    std::vector<uint8_t> data, scratch;
  };
  struct PerSource {
    std::string name;
    size_t session = 0;       ///< the session state of one source
    size_t positionBytes = 0; ///< one source position's bytes (the whole
                              ///< row for a state without positions)
    bool positions = false;   ///< dim 1 is the positions (dynamic)
    uint8_t *data = nullptr;
  };

  /// The per-beam buffers (zero), and the per-source states' layout.
  void allocate() {
    const ModelDescriptor &d = model->descriptor;
    auto sessionState = [&](const std::string &name) {
      for (size_t i = 0; i < d.states.size(); ++i)
        if (d.states[i].name == name)
          return i;
      return size_t(0); // the parser matched every per-row state
    };
    for (const EntryArg &arg : model->decodeBeams.entry->args) {
      if (arg.kind != EntryArg::Kind::State)
        continue;
      const std::vector<int64_t> &shape = arg.spec.shape;
      if (arg.name.compare(0, 8, "sources.") == 0) {
        PerSource state;
        state.name = arg.name;
        state.session = sessionState(arg.name.substr(8));
        state.positions = shape.size() > 1 && shape[1] < 0;
        state.positionBytes = static_cast<size_t>(arg.spec.staticBytes());
        perSource.push_back(std::move(state));
        continue;
      }
      PerBeam state;
      state.name = arg.name;
      state.session = sessionState(arg.name.substr(std::strlen("beams.")));
      state.dynamic = shape.size() > 1 && shape[1] < 0;
      state.positions = state.dynamic      ? capacity
                        : shape.size() > 1 ? static_cast<size_t>(shape[1])
                                           : 1;
      state.rowBytes = static_cast<size_t>(arg.spec.staticBytes()) *
                       (state.dynamic ? capacity : 1);
      state.data.assign(state.rowBytes * rows(), 0);
      state.scratch.resize(state.rowBytes * rows());
      perBeam.push_back(std::move(state));
    }
  }

  /// One beam's bytes that hold positions below the current one.
  size_t usedBytes(const PerBeam &state) const {
    return std::min(state.rowBytes, state.rowBytes / state.positions *
                                        std::max<size_t>(position, 1));
  }

  /// Row j's state becomes row parents[j]'s, copied through the scratch
  /// buffer only for the rows whose parent is another row. Fewer rows than
  /// before drop the sources none continues: the kept sources move down.
  void reorder(const std::vector<size_t> &parents) {
    for (PerBeam &state : perBeam) {
      size_t bytes = usedBytes(state);
      for (size_t j = 0; j < parents.size(); ++j)
        if (parents[j] != j)
          std::memcpy(state.scratch.data() + j * state.rowBytes,
                      state.data.data() + parents[j] * state.rowBytes, bytes);
      for (size_t j = 0; j < parents.size(); ++j)
        if (parents[j] != j)
          std::memcpy(state.data.data() + j * state.rowBytes,
                      state.scratch.data() + j * state.rowBytes, bytes);
    }
    size_t kept = parents.size() / beams;
    for (PerSource &state : perSource) {
      size_t bytes = state.positionBytes * (state.positions ? longest : 1);
      for (size_t i = 0; i < kept; ++i) {
        size_t from = parents[i * beams] / beams; // ascending, >= i
        if (from != i)
          std::memmove(state.data + i * bytes, state.data + from * bytes,
                       bytes);
      }
    }
    sources = kept;
  }

  /// decode_beams on `tokens` (one per row) at the current position.
  Error run(const std::vector<int32_t> &tokens) {
    const LmEntry &lm = model->decodeBeams;
    size_t n = rows();
    logitRows.resize(n * model->vocabSize); // every element is written
    std::vector<int64_t> ids64(tokens.begin(), tokens.end()), ints;
    std::vector<int32_t> ids32(tokens.begin(), tokens.end());
    std::vector<void *> buffers;
    auto pushRows = [&](const TensorSpec &spec) {
      for (int64_t d : spec.shape)
        if (d < 0)
          ints.push_back(static_cast<int64_t>(n));
    };
    for (const EntryArg &arg : lm.entry->args) {
      switch (arg.kind) {
      case EntryArg::Kind::Input:
        buffers.push_back(arg.spec.dtype == "i64"
                              ? static_cast<void *>(ids64.data())
                              : static_cast<void *>(ids32.data()));
        pushRows(arg.spec);
        break;
      case EntryArg::Kind::Index:
        ints.push_back(static_cast<int64_t>(position));
        break;
      case EntryArg::Kind::State: {
        void *buffer = nullptr;
        for (PerBeam &state : perBeam)
          if (state.name == arg.name) {
            buffer = state.data.data();
            ints.push_back(static_cast<int64_t>(n));
            if (state.dynamic)
              ints.push_back(static_cast<int64_t>(capacity));
          }
        for (PerSource &state : perSource)
          if (state.name == arg.name) {
            buffer = state.data;
            ints.push_back(static_cast<int64_t>(sources));
            if (state.positions)
              ints.push_back(static_cast<int64_t>(longest));
          }
        buffers.push_back(buffer);
        break;
      }
      case EntryArg::Kind::Output:
        buffers.push_back(logitRows.data());
        pushRows(arg.spec);
        break;
      }
    }
    model->call(lm.fn, buffers.data(), ints.data());
    ++position;
    return Error::ok();
  }

  seq_model *model = nullptr;
  seq_session *session = nullptr; ///< initSession's (null for packed sources)
  SourceStates owned;             ///< initSources' packed states
  size_t beams = 0;               ///< per source
  size_t sources = 0;
  size_t longest = 0;  ///< positions of the longest source
  size_t capacity = 0; ///< positions the rows reach
  size_t position = 0; ///< of the beams' next token
  bool started = false;
  std::vector<PerBeam> perBeam;
  std::vector<PerSource> perSource;
  std::vector<float> logitRows; ///< [rows, vocab] of the last call
};

} // namespace

Error makeBeamRunner(seq_session &session, size_t beams, size_t positions,
                     std::unique_ptr<BeamRunner> &out) {
  seq_model &model = *session.model;
  if (model.decodeBeams.fn && !model.cuda.alloc) {
    auto batched = std::make_unique<BatchedBeams>();
    if (Error e = batched->initSession(session, beams, positions))
      return e;
    out = std::move(batched);
    return Error::ok();
  }
  auto copies = std::make_unique<SessionBeams>();
  if (Error e = copies->init(session, beams))
    return e;
  out = std::move(copies);
  return Error::ok();
}

Error makeSourceBatchRunner(seq_model &model, SourceStates packed, size_t beams,
                            size_t positions, const int32_t *prompt,
                            size_t nPrompt, std::unique_ptr<BeamRunner> &out) {
  auto batched = std::make_unique<BatchedBeams>();
  if (Error e = batched->initSources(model, std::move(packed), beams, positions,
                                     prompt, nPrompt))
    return e;
  out = std::move(batched);
  return Error::ok();
}

} // namespace seqrt
