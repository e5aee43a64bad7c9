//===- ModelDescriptor.cpp - parse a compiled model's descriptor ----------===//

#include "ModelDescriptor.h"

#include "Json.h"
#include "Limits.h"

#include <map>

namespace seqrt {

int64_t TensorSpec::dynamicDims() const {
  int64_t n = 0;
  for (int64_t d : shape)
    n += d < 0;
  return n;
}

size_t TensorSpec::elementSize() const {
  if (dtype == "f32" || dtype == "i32")
    return 4;
  if (dtype == "f64" || dtype == "i64")
    return 8;
  if (dtype == "f16" || dtype == "bf16" || dtype == "i16")
    return 2;
  if (dtype == "i8" || dtype == "i1")
    return 1;
  return 0;
}

uint64_t TensorSpec::staticBytes() const {
  uint64_t bytes = elementSize();
  for (int64_t d : shape)
    if (d >= 0 && !checkedMul(bytes, static_cast<uint64_t>(d), bytes))
      return UINT64_MAX;
  return bytes;
}

std::string TensorSpec::str() const {
  std::string s = dtype + "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") +
         (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

std::vector<int64_t> WeightSpec::storedShape() const {
  const std::vector<int64_t> &s = spec.shape;
  if (transposed)
    return {s[1], s[0]};
  if (panels)
    return {rows ? rows : s[0] * s[2], s[1]};
  if (stacked)
    return std::vector<int64_t>(s.begin() + 1, s.end());
  return s;
}

const Entry *ModelDescriptor::findEntry(const std::string &name) const {
  for (const Entry &e : entries)
    if (e.name == name)
      return &e;
  return nullptr;
}

namespace {

/// Reads descriptor fields, remembering the first problem with its path.
class Reader {
public:
  explicit Reader(std::string origin) : origin(std::move(origin)) {}

  bool fail(const std::string &where, const std::string &what) {
    if (!error)
      error = makeError(SEQ_ERROR_INVALID_MODEL, origin +
                                                     ": invalid model "
                                                     "descriptor: " +
                                                     where + ": " + what);
    return false;
  }

  bool string(const json::Value &obj, const char *key, const std::string &where,
              std::string &out) {
    const json::Value *v = obj.find(key);
    if (!v || !v->isString())
      return fail(where, std::string("expected string '") + key + "'");
    out = v->getString();
    if (out.empty() || !isCleanUtf8(out))
      return fail(where, std::string("'") + key +
                             "' must be a non-empty UTF-8 string without NUL");
    return true;
  }

  bool integer(const json::Value &obj, const char *key,
               const std::string &where, int64_t &out, bool optional = false,
               int64_t low = INT64_MIN, int64_t high = INT64_MAX) {
    const json::Value *v = obj.find(key);
    if (!v && optional)
      return true;
    if (!v || !v->isInt())
      return fail(where, std::string("expected integer '") + key + "'");
    if (v->getInt() < low || v->getInt() > high)
      return fail(where, std::string("'") + key + "' is " +
                             std::to_string(v->getInt()) + ", outside [" +
                             std::to_string(low) + ", " + std::to_string(high) +
                             "]");
    out = v->getInt();
    return true;
  }

  bool spec(const json::Value &obj, const std::string &where, TensorSpec &out) {
    if (!string(obj, "dtype", where, out.dtype))
      return false;
    if (out.elementSize() == 0)
      return fail(where, "unknown dtype '" + out.dtype + "'");
    const json::Value *shape = obj.find("shape");
    if (!shape || !shape->isArray())
      return fail(where, "expected array 'shape'");
    if (shape->getArray().size() > kMaxRank)
      return fail(where, "rank " + std::to_string(shape->getArray().size()) +
                             " exceeds the runtime's maximum of " +
                             std::to_string(kMaxRank));
    for (const json::Value &d : shape->getArray()) {
      if (!d.isInt() || d.getInt() < -1 || d.getInt() > kMaxDim)
        return fail(where, "shape entries must be integers in [-1, 2^40]");
      out.shape.push_back(d.getInt());
    }
    if (out.staticBytes() > kMaxTensorBytes)
      return fail(where, "tensor " + out.str() + " exceeds 1 TiB");
    return true;
  }

  Error error;
  std::string origin;
};

} // namespace

Error parseDescriptor(const char *text, const std::string &origin,
                      ModelDescriptor &out) {
  json::Value root;
  std::string message;
  if (!json::parse(text, root, message))
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     origin +
                         ": model descriptor is not valid JSON: " + message);
  Reader r(origin);
  std::string format;
  if (!root.isObject() || !r.string(root, "format", "descriptor", format))
    return r.error ? r.error
                   : makeError(SEQ_ERROR_INVALID_MODEL,
                               origin + ": model descriptor is not an object");
  if (format != "seqc-model")
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     origin + ": not a seqc model (format '" + format + "')");
  if (!r.integer(root, "abi", "descriptor", out.abi))
    return r.error;
  if (out.abi != SEQ_RUNTIME_API_VERSION)
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     origin + ": model ABI version " + std::to_string(out.abi) +
                         " is not supported by this runtime (version " +
                         std::to_string(SEQ_RUNTIME_API_VERSION) +
                         "); recompile it with a matching seqc");
  if (!r.integer(root, "max_positions", "descriptor", out.maxPositions, true, 0,
                 kMaxPositions) ||
      !r.integer(root, "max_tokens_per_call", "descriptor",
                 out.maxTokensPerCall, true, 0, kMaxPositions) ||
      !r.integer(root, "max_source_positions", "descriptor",
                 out.maxSourcePositions, true, 0, kMaxPositions) ||
      !r.integer(root, "source_vocab_size", "descriptor", out.sourceVocabSize,
                 true, 0, INT32_MAX) ||
      !r.integer(root, "num_threads_default", "descriptor",
                 out.numThreadsDefault, true, 0, kMaxThreads))
    return r.error;
  if (root.find("target") &&
      !r.string(root, "target", "descriptor", out.target))
    return r.error;

  const json::Value *weights = root.find("weights");
  if (!weights || !weights->isArray())
    return r.fail("descriptor", "expected array 'weights'"), r.error;
  for (const json::Value &w : weights->getArray()) {
    std::string where = "weights[" + std::to_string(out.weights.size()) + "]";
    WeightSpec spec;
    if (!w.isObject() || !r.string(w, "name", where, spec.name) ||
        !r.spec(w, where, spec.spec))
      return r.error ? r.error : (r.fail(where, "expected object"), r.error);
    if (spec.spec.dynamicDims())
      return r.fail(where, "weights must have static shapes"), r.error;
    if (const json::Value *t = w.find("transposed")) {
      if (!t->isBool() || (t->getBool() && spec.spec.shape.size() != 2))
        return r.fail(where, "'transposed' must be a boolean on a 2-D weight"),
               r.error;
      spec.transposed = t->getBool();
    }
    if (const json::Value *st = w.find("stacked")) {
      size_t at = spec.name.find("{}");
      if (!st->isBool() ||
          (st->getBool() &&
           (spec.spec.shape.size() < 2 || spec.transposed ||
            at == std::string::npos ||
            spec.name.find("{}", at + 2) != std::string::npos)))
        return r.fail(where,
                      "'stacked' must be a boolean on a weight of rank "
                      ">= 2, not transposed, whose name holds '{}' once"),
               r.error;
      spec.stacked = st->getBool();
    }
    if (const json::Value *pn = w.find("panels")) {
      if (!pn->isBool() ||
          (pn->getBool() && (spec.spec.shape.size() != 3 || spec.transposed ||
                             spec.stacked || spec.spec.shape[2] <= 0)))
        return r.fail(where, "'panels' must be a boolean on a 3-D weight, "
                             "neither transposed nor stacked"),
               r.error;
      spec.panels = pn->getBool();
    }
    if (const json::Value *rows = w.find("rows")) {
      const std::vector<int64_t> &shape = spec.spec.shape;
      if (!rows->isInt() || !spec.panels ||
          rows->getInt() <= (shape[0] - 1) * shape[2] ||
          rows->getInt() >= shape[0] * shape[2])
        return r.fail(where, "'rows' must be an integer on a weight in "
                             "panels, within its last panel"),
               r.error;
      spec.rows = rows->getInt();
    }
    for (const WeightSpec &other : out.weights)
      if (other.name == spec.name)
        return r.fail(where, "weight '" + spec.name + "' is listed twice"),
               r.error;
    out.weights.push_back(std::move(spec));
  }

  const json::Value *entries = root.find("entries");
  if (!entries || !entries->isArray() || entries->getArray().empty())
    return r.fail("descriptor", "expected a non-empty array 'entries'"),
           r.error;
  std::map<std::string, TensorSpec> states;
  for (const json::Value &e : entries->getArray()) {
    std::string where = "entries[" + std::to_string(out.entries.size()) + "]";
    Entry entry;
    if (!e.isObject() || !r.string(e, "name", where, entry.name) ||
        !r.string(e, "symbol", where, entry.symbol))
      return r.error ? r.error : (r.fail(where, "expected object"), r.error);
    if (out.findEntry(entry.name))
      return r.fail(where, "entry '" + entry.name + "' is listed twice"),
             r.error;
    const json::Value *args = e.find("args");
    if (!args || !args->isArray())
      return r.fail(where, "expected array 'args'"), r.error;
    for (const json::Value &a : args->getArray()) {
      std::string argWhere =
          where + ".args[" + std::to_string(entry.args.size()) + "]";
      std::string kind;
      if (!a.isObject() || !r.string(a, "kind", argWhere, kind))
        return r.error ? r.error
                       : (r.fail(argWhere, "expected object"), r.error);
      EntryArg arg;
      if (kind == "input")
        arg.kind = EntryArg::Kind::Input;
      else if (kind == "index")
        arg.kind = EntryArg::Kind::Index;
      else if (kind == "state")
        arg.kind = EntryArg::Kind::State;
      else if (kind == "output")
        arg.kind = EntryArg::Kind::Output;
      else
        return r.fail(argWhere, "unknown kind '" + kind + "'"), r.error;
      if (arg.kind != EntryArg::Kind::Index && !r.spec(a, argWhere, arg.spec))
        return r.error;
      if (arg.kind == EntryArg::Kind::State) {
        if (!r.string(a, "name", argWhere, arg.name))
          return r.error;
        // Static, except dims 0 (the rows) and 1 (the positions) of
        // decode_beams' per-beam and per-source states (StateSpec::perRow).
        bool perRow = entry.name == "decode_beams" && !arg.spec.shape.empty() &&
                      arg.spec.shape[0] < 0;
        int64_t allowed = !perRow ? 0
                          : arg.spec.shape.size() > 1 && arg.spec.shape[1] < 0
                              ? 2
                              : 1;
        if (arg.spec.dynamicDims() > allowed)
          return r.fail(argWhere, "state must have a static shape (only "
                                  "decode_beams' per-row states have "
                                  "dynamic dims: 0 and 1)"),
                 r.error;
        auto [it, inserted] = states.emplace(arg.name, arg.spec);
        if (!inserted && (it->second.dtype != arg.spec.dtype ||
                          it->second.shape != arg.spec.shape))
          return r.fail(argWhere, "state '" + arg.name +
                                      "' has different types in two entries"),
                 r.error;
      }
      entry.args.push_back(std::move(arg));
    }
    const json::Value *ws = e.find("weights");
    if (!ws || !ws->isArray())
      return r.fail(where, "expected array 'weights'"), r.error;
    for (const json::Value &w : ws->getArray()) {
      if (!w.isInt() || w.getInt() < 0 ||
          w.getInt() >= static_cast<int64_t>(out.weights.size()))
        return r.fail(where, "weight index out of range"), r.error;
      entry.weights.push_back(w.getInt());
    }
    out.entries.push_back(std::move(entry));
  }
  // decode_beams' per-beam state `beams.<name>` [?, ...] holds one row per
  // beam of session state `<name>` [1, ...]; its per-source state
  // `sources.<name>` [?, ...] one row per source. A dynamic dim 1 is the
  // positions (as many as the search reaches, or the longest source's).
  for (auto &[name, spec] : states) {
    if (spec.shape.empty() || spec.shape[0] >= 0)
      continue;
    std::string single;
    for (const std::string prefix : {"beams.", "sources."})
      if (name.compare(0, prefix.size(), prefix) == 0)
        single = name.substr(prefix.size());
    auto it = states.find(single);
    bool matches = it != states.end() && it->second.dtype == spec.dtype &&
                   it->second.shape.size() == spec.shape.size() &&
                   it->second.shape[0] == 1;
    for (size_t d = 1; matches && d < spec.shape.size(); ++d)
      matches =
          spec.shape[d] == it->second.shape[d] || (d == 1 && spec.shape[d] < 0);
    if (!matches)
      return r.fail("states", "per-row state '" + name + "' " + spec.str() +
                                  " has no session state '" + single +
                                  "' of one row's shape"),
             r.error;
  }
  // A session holds every state at once: their sum must be allocatable.
  uint64_t total = 0;
  for (auto &[name, spec] : states) {
    if (!checkedAdd(total, spec.staticBytes(), total) ||
        total > kMaxTensorBytes)
      return r.fail("states", "the session state exceeds 1 TiB"), r.error;
    out.states.push_back({name, spec});
  }
  return Error::ok();
}

namespace {
const char *kindName(EntryArg::Kind kind) {
  switch (kind) {
  case EntryArg::Kind::Input:
    return "input";
  case EntryArg::Kind::Index:
    return "index";
  case EntryArg::Kind::State:
    return "state";
  case EntryArg::Kind::Output:
    return "output";
  }
  return "";
}

void addSpec(json::Object &obj, const TensorSpec &spec) {
  obj.insert("dtype", spec.dtype);
  json::Value::ArrayType shape;
  for (int64_t d : spec.shape)
    shape.emplace_back(d);
  obj.insert("shape", std::move(shape));
}
} // namespace

std::string writeDescriptor(const ModelDescriptor &d) {
  json::Object root;
  root.insert("format", "seqc-model");
  root.insert("abi", d.abi);
  if (d.maxPositions > 0)
    root.insert("max_positions", d.maxPositions);
  if (d.maxTokensPerCall > 0)
    root.insert("max_tokens_per_call", d.maxTokensPerCall);
  if (d.maxSourcePositions > 0)
    root.insert("max_source_positions", d.maxSourcePositions);
  if (d.sourceVocabSize > 0)
    root.insert("source_vocab_size", d.sourceVocabSize);
  if (d.numThreadsDefault > 0)
    root.insert("num_threads_default", d.numThreadsDefault);
  if (d.target != "cpu")
    root.insert("target", d.target);
  json::Value::ArrayType entries;
  for (const Entry &e : d.entries) {
    json::Object entry;
    entry.insert("name", e.name);
    entry.insert("symbol", e.symbol);
    json::Value::ArrayType args;
    for (const EntryArg &a : e.args) {
      json::Object arg;
      arg.insert("kind", kindName(a.kind));
      if (a.kind == EntryArg::Kind::State)
        arg.insert("name", a.name);
      if (a.kind != EntryArg::Kind::Index)
        addSpec(arg, a.spec);
      args.emplace_back(std::move(arg));
    }
    entry.insert("args", std::move(args));
    json::Value::ArrayType weights;
    for (int64_t w : e.weights)
      weights.emplace_back(w);
    entry.insert("weights", std::move(weights));
    entries.emplace_back(std::move(entry));
  }
  root.insert("entries", std::move(entries));
  json::Value::ArrayType weights;
  for (const WeightSpec &w : d.weights) {
    json::Object weight;
    weight.insert("name", w.name);
    addSpec(weight, w.spec);
    if (w.transposed)
      weight.insert("transposed", true);
    if (w.stacked)
      weight.insert("stacked", true);
    if (w.panels)
      weight.insert("panels", true);
    if (w.rows)
      weight.insert("rows", w.rows);
    weights.emplace_back(std::move(weight));
  }
  root.insert("weights", std::move(weights));
  return json::serialize(json::Value(std::move(root)));
}

} // namespace seqrt
