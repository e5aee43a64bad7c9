//===- Spec.cpp - reading a tokenizer.json's component objects ------------===//

#include "tokenizer/Spec.h"

#include "tokenizer/Utf8.h"

namespace seqrt::tokenizer::spec {

std::string stringField(const json::Value &object, const char *key) {
  const json::Value *v = object.find(key);
  return v && v->isString() ? v->getString() : std::string();
}

bool boolField(const json::Value &object, const char *key, bool otherwise) {
  const json::Value *v = object.find(key);
  return v && v->isBool() ? v->getBool() : otherwise;
}

bool isOff(const json::Value &object, const char *key) {
  const json::Value *v = object.find(key);
  return !v || v->isNull() || (v->isBool() && !v->getBool()) ||
         (v->isString() && v->getString().empty());
}

Error onlyKeys(const json::Value &object,
               std::initializer_list<const char *> known,
               const std::string &what) {
  if (!object.isObject())
    return invalid(what + " is not an object");
  for (const json::Member &member : object.getObject()) {
    if (member.key == "type")
      continue;
    bool found = false;
    for (const char *key : known)
      found = found || member.key == key;
    if (!found)
      return unsupported(what + " has setting '" + member.key +
                         "', which seqc does not implement");
  }
  return Error::ok();
}

Error stepsOf(const json::Value &spec, const char *listKey,
              std::vector<const json::Value *> &steps) {
  if (stringField(spec, "type") != "Sequence") {
    steps.push_back(&spec);
    return Error::ok();
  }
  const json::Value *list = spec.find(listKey);
  if (!list || !list->isArray())
    return invalid(std::string("a Sequence without '") + listKey + "'");
  for (const json::Value &step : list->getArray()) {
    if (!step.isObject())
      return invalid(std::string("a Sequence's '") + listKey +
                     "' holds a non-object");
    steps.push_back(&step);
  }
  return Error::ok();
}

Error literalPattern(const json::Value &object, const std::string &what,
                     std::string &literal) {
  const json::Value *pattern = object.find("pattern");
  if (pattern && pattern->isObject() && pattern->find("String") &&
      pattern->find("String")->isString()) {
    literal = pattern->find("String")->getString();
    if (literal.empty())
      return invalid(what + " has an empty pattern");
    return Error::ok();
  }
  if (pattern && pattern->isObject() && pattern->find("Regex"))
    return unsupported(what + " with a Regex pattern is not implemented yet");
  return invalid(what + " has no pattern");
}

Error charField(const json::Value &object, const char *key,
                const std::string &what, uint32_t &c) {
  std::string s = stringField(object, key);
  size_t at = 0;
  if (!s.empty() && isValidUtf8(s))
    c = nextCodePoint(s, at);
  if (s.empty() || at != s.size())
    return invalid(what + " '" + key + "' is not one character");
  return Error::ok();
}

Error readMetaspace(const json::Value &spec, const std::string &what,
                    Metaspace &out) {
  if (Error e = onlyKeys(spec,
                         {"replacement", "prepend_scheme", "split",
                          "add_prefix_space", "str_rep"},
                         what))
    return e;
  if (Error e = charField(spec, "replacement", what, out.replacementChar))
    return e;
  out.replacement = stringField(spec, "replacement");
  std::string scheme = stringField(spec, "prepend_scheme");
  if (scheme == "first")
    out.scheme = Metaspace::Scheme::First;
  else if (scheme == "never")
    out.scheme = Metaspace::Scheme::Never;
  else if (scheme == "always" || scheme.empty())
    out.scheme = Metaspace::Scheme::Always;
  else
    return invalid(what + " has an unknown prepend_scheme '" + scheme + "'");
  const json::Value *prefix = spec.find("add_prefix_space");
  if (prefix && prefix->isBool() && !prefix->getBool()) {
    if (out.scheme != Metaspace::Scheme::Never && !scheme.empty())
      return invalid(what +
                     ": add_prefix_space false contradicts "
                     "prepend_scheme '" +
                     scheme + "'");
    out.scheme = Metaspace::Scheme::Never;
  }
  out.split = boolField(spec, "split", true);
  return Error::ok();
}

} // namespace seqrt::tokenizer::spec
