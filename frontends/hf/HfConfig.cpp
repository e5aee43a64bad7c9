//===- HfConfig.cpp - typed access to a Hugging Face config.json ----------===//

#include "frontends/hf/HfConfig.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

namespace seqc::hf {

std::optional<HfConfig> HfConfig::load(const std::string &path,
                                       std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = path + ": " + buffer.getError().message();
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
  const llvm::json::Value *v = root.get(key);
  return v && v->kind() != llvm::json::Value::Null;
}

bool HfConfig::isString(llvm::StringRef key, llvm::StringRef value) const {
  const llvm::json::Value *v = root.get(key);
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
  return root.getObject(key);
}

std::optional<std::vector<double>> HfConfig::numbers(llvm::StringRef key) {
  const llvm::json::Array *array = root.getArray(key);
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

std::optional<std::vector<std::string>>
HfConfig::strings(llvm::StringRef key) {
  const llvm::json::Array *array = root.getArray(key);
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
