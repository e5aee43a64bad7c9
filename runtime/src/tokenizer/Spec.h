//===- Spec.h - reading a tokenizer.json's component objects ----*- C++ -*-===//
//
// Each component of a tokenizer.json (normalizer, pre-tokenizer, model,
// post-processor, decoder) is an object with a "type" and its settings.
// These helpers read settings and fail closed: a key the reader does not
// know is an error naming it, since a setting seqc ignored could change the
// ids.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_TOKENIZER_SPEC_H
#define SEQC_RUNTIME_SRC_TOKENIZER_SPEC_H

#include "Error.h"
#include "Json.h"

#include <initializer_list>
#include <string>
#include <vector>

namespace seqrt::tokenizer::spec {

inline Error invalid(const std::string &message) {
  return makeError(SEQ_ERROR_INVALID_MODEL, message);
}
inline Error unsupported(const std::string &message) {
  return makeError(SEQ_ERROR_UNSUPPORTED, message);
}

/// `object[key]` when it is a string, else "".
std::string stringField(const json::Value &object, const char *key);
/// `object[key]` when it is a bool, else `otherwise`.
bool boolField(const json::Value &object, const char *key, bool otherwise);
/// Whether `object[key]` is absent, null, false or "" (a setting left off).
bool isOff(const json::Value &object, const char *key);

/// An error naming the first key of `object` outside "type" and `known`
/// (`what` names the component, e.g. "normalizer 'Replace'").
Error onlyKeys(const json::Value &object,
               std::initializer_list<const char *> known,
               const std::string &what);

/// The members of `listKey` when `spec` is a Sequence, else `spec` alone.
Error stepsOf(const json::Value &spec, const char *listKey,
              std::vector<const json::Value *> &steps);

/// A {"String": s} pattern's text; an error for a {"Regex": r} pattern
/// (`what` names the component).
Error literalPattern(const json::Value &object, const std::string &what,
                     std::string &literal);

/// A one-character setting (Metaspace's replacement, Strip's content).
Error charField(const json::Value &object, const char *key,
                const std::string &what, uint32_t &c);

/// Metaspace's settings, shared by its pre-tokenizer and decoder forms.
struct Metaspace {
  std::string replacement; ///< one character, UTF-8
  uint32_t replacementChar = 0;
  enum class Scheme { Always, First, Never } scheme = Scheme::Always;
  bool split = true;
};
/// Reads a "Metaspace" object as the library does: prepend_scheme
/// (default "always"), the older add_prefix_space (false means "never";
/// contradicting a scheme is an error), split (default true).
Error readMetaspace(const json::Value &spec, const std::string &what,
                    Metaspace &out);

} // namespace seqrt::tokenizer::spec

#endif // SEQC_RUNTIME_SRC_TOKENIZER_SPEC_H
