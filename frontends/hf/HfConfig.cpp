//===- HfConfig.cpp - typed access to a Hugging Face config.json ----------===//

#include "frontends/hf/HfConfig.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

namespace seqc::hf {

namespace {
/// config.json files are a few kilobytes; these bounds keep a hostile file
/// from exhausting memory or (llvm::json parses recursively) the stack.
constexpr uint64_t kMaxConfigBytes = 16 << 20;
constexpr int kMaxConfigDepth = 64;

/// The deepest nesting of arrays and objects outside strings.
int nestingDepth(llvm::StringRef text) {
  int depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

/// A short rendering of a field's value for messages.
std::string brief(const llvm::json::Value &v) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << v;
  if (text.size() > 60)
    text = text.substr(0, 57) + "...";
  return text;
}
} // namespace

std::optional<HfConfig> HfConfig::load(const std::string &path,
                                       std::string &error) {
  // Size and kind before reading: a FIFO or device named config.json would
  // block or never end, and a huge file is not a configuration.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    error = path + ": " + ec.message();
    return std::nullopt;
  }
  if (status.type() != llvm::sys::fs::file_type::regular_file) {
    error = path + ": not a regular file";
    return std::nullopt;
  }
  if (status.getSize() > kMaxConfigBytes) {
    error = path + ": larger than 16 MiB; not a model configuration";
    return std::nullopt;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = path + ": " + buffer.getError().message();
    return std::nullopt;
  }
  if ((*buffer)->getBufferSize() > kMaxConfigBytes) {
    error = path + ": larger than 16 MiB; not a model configuration";
    return std::nullopt;
  }
  if (nestingDepth((*buffer)->getBuffer()) > kMaxConfigDepth) {
    error = path + ": JSON nested deeper than " +
            std::to_string(kMaxConfigDepth) + " levels";
    return std::nullopt;
  }
  // Python's json writes float("inf") as the non-JSON token Infinity (e.g.
  // Mamba2's time_step_limit); read it as a number that overflows to inf.
  std::string text;
  llvm::StringRef raw = (*buffer)->getBuffer();
  bool inString = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char ch = raw[i];
    if (inString) {
      text += ch;
      if (ch == '\\' && i + 1 < raw.size())
        text += raw[++i];
      else if (ch == '"')
        inString = false;
    } else if (ch == '"') {
      inString = true;
      text += ch;
    } else if (raw.substr(i).starts_with("Infinity")) {
      text += "1e999";
      i += 7;
    } else if (raw.substr(i).starts_with("NaN")) {
      text += "null";
      i += 2;
    } else {
      text += ch;
    }
  }
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value) {
    error = path + ": invalid JSON: " + llvm::toString(value.takeError());
    return std::nullopt;
  }
  llvm::json::Object *object = value->getAsObject();
  if (!object) {
    error = path + ": expected a JSON object";
    return std::nullopt;
  }
  HfConfig config;
  config.file = path;
  config.root = std::move(*object);
  return config;
}

HfConfig HfConfig::fromObject(llvm::json::Object root, std::string origin) {
  HfConfig config;
  config.file = std::move(origin);
  config.root = std::move(root);
  return config;
}

const llvm::json::Value *HfConfig::use(llvm::StringRef key) const {
  accounted.insert(key);
  return root.get(key);
}

bool HfConfig::present(llvm::StringRef key) const { return use(key); }

void HfConfig::irrelevant(std::initializer_list<llvm::StringRef> keys) {
  for (llvm::StringRef key : keys)
    accounted.insert(key);
}

void HfConfig::requireBoolean(llvm::StringRef key, bool value,
                              llvm::StringRef why) {
  if (!has(key))
    return;
  std::optional<bool> v = use(key)->getAsBoolean();
  if (!v)
    fail(key, "expected true or false");
  else if (*v != value)
    fail(key, std::string(*v ? "true" : "false") +
                  " is not supported: " + why.str());
}

void HfConfig::checkAccounted(llvm::StringRef architecture) {
  std::vector<std::string> unknown;
  for (const auto &member : root)
    if (!accounted.contains(member.first))
      unknown.push_back("'" + member.first.str() + "' (" +
                        brief(member.second) + ")");
  if (unknown.empty() || !firstError.empty())
    return;
  std::sort(unknown.begin(), unknown.end());
  std::string list;
  for (size_t i = 0; i < unknown.size() && i < 8; ++i)
    list += (i ? ", " : "") + unknown[i];
  if (unknown.size() > 8)
    list += " and " + std::to_string(unknown.size() - 8) + " more";
  firstError = file + ": field" + (unknown.size() > 1 ? "s " : " ") + list +
               (unknown.size() > 1 ? " are" : " is") + " not supported for " +
               architecture.str() +
               " (seqc would ignore what they change; see docs/frontends.md)";
}

int64_t HfConfig::size(llvm::StringRef key, int64_t max) {
  if (!has(key)) {
    fail(key, "missing");
    return 0;
  }
  return size(key, 0, max);
}

int64_t HfConfig::size(llvm::StringRef key, int64_t fallback, int64_t max) {
  if (!has(key))
    return fallback;
  int64_t v = integer(key, fallback);
  if (firstError.empty() && (v < 1 || v > max))
    fail(key,
         std::to_string(v) + " is outside [1, " + std::to_string(max) + "]");
  return v;
}

double HfConfig::nonNegative(llvm::StringRef key, double fallback) {
  double v = number(key, fallback);
  if (!std::isfinite(v) || v < 0)
    fail(key, "expected a finite number >= 0, got " + std::to_string(v));
  return v;
}

std::string HfConfig::architecture() const {
  const llvm::json::Array *archs = root.getArray("architectures");
  if (!archs || archs->empty())
    return "";
  std::optional<llvm::StringRef> first = (*archs)[0].getAsString();
  return first ? first->str() : "";
}

void HfConfig::fail(llvm::StringRef key, const llvm::Twine &what) {
  if (firstError.empty())
    firstError = file + ": field '" + key.str() + "': " + what.str();
}

bool HfConfig::has(llvm::StringRef key) const {
  const llvm::json::Value *v = use(key);
  return v && v->kind() != llvm::json::Value::Null;
}

bool HfConfig::isString(llvm::StringRef key, llvm::StringRef value) const {
  const llvm::json::Value *v = use(key);
  std::optional<llvm::StringRef> s = v ? v->getAsString() : std::nullopt;
  return s && *s == value;
}

int64_t HfConfig::integer(llvm::StringRef key) {
  if (!has(key)) {
    fail(key, "missing");
    return 0;
  }
  return integer(key, 0);
}

int64_t HfConfig::integer(llvm::StringRef key, int64_t fallback) {
  if (!has(key))
    return fallback;
  if (std::optional<int64_t> v = root.get(key)->getAsInteger())
    return *v;
  fail(key, "expected an integer");
  return fallback;
}

double HfConfig::number(llvm::StringRef key) {
  if (!has(key)) {
    fail(key, "missing");
    return 0;
  }
  return number(key, 0);
}

double HfConfig::number(llvm::StringRef key, double fallback) {
  if (!has(key))
    return fallback;
  if (std::optional<double> v = root.get(key)->getAsNumber())
    return *v;
  fail(key, "expected a number");
  return fallback;
}

bool HfConfig::boolean(llvm::StringRef key, bool fallback) {
  if (!has(key))
    return fallback;
  if (std::optional<bool> v = root.get(key)->getAsBoolean())
    return *v;
  fail(key, "expected true or false");
  return fallback;
}

std::string HfConfig::string(llvm::StringRef key) {
  if (!has(key)) {
    fail(key, "missing");
    return "";
  }
  return string(key, "");
}

std::string HfConfig::string(llvm::StringRef key, llvm::StringRef fallback) {
  if (!has(key))
    return fallback.str();
  if (std::optional<llvm::StringRef> v = root.get(key)->getAsString())
    return v->str();
  fail(key, "expected a string");
  return fallback.str();
}

const llvm::json::Object *HfConfig::object(llvm::StringRef key) const {
  const llvm::json::Value *v = use(key);
  return v ? v->getAsObject() : nullptr;
}

std::optional<std::vector<double>> HfConfig::numbers(llvm::StringRef key) {
  const llvm::json::Value *value = use(key);
  const llvm::json::Array *array = value ? value->getAsArray() : nullptr;
  if (!array)
    return std::nullopt;
  std::vector<double> out;
  for (const llvm::json::Value &v : *array) {
    std::optional<double> d = v.getAsNumber();
    // transformers >= 5 writes non-finite floats as {"__float__": "Infinity"}.
    if (const llvm::json::Object *special = v.getAsObject())
      if (std::optional<llvm::StringRef> text = special->getString("__float__"))
        d = *text == "Infinity"    ? HUGE_VAL
            : *text == "-Infinity" ? -HUGE_VAL
                                   : std::nan("");
    if (!d) {
      fail(key, "expected an array of numbers");
      return std::nullopt;
    }
    out.push_back(*d);
  }
  return out;
}

std::optional<std::vector<std::string>> HfConfig::strings(llvm::StringRef key) {
  const llvm::json::Value *value = use(key);
  const llvm::json::Array *array = value ? value->getAsArray() : nullptr;
  if (!array)
    return std::nullopt;
  std::vector<std::string> out;
  for (const llvm::json::Value &v : *array) {
    std::optional<llvm::StringRef> s = v.getAsString();
    if (!s) {
      fail(key, "expected an array of strings");
      return std::nullopt;
    }
    out.push_back(s->str());
  }
  return out;
}

} // namespace seqc::hf
