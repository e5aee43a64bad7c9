//===- HfConfig.h - typed access to a Hugging Face config.json --*- C++ -*-===//
//
// Reads config.json once and answers typed questions about it; the first
// missing or ill-typed field is remembered as an error that names it, so
// importers can read everything and check once.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_FRONTENDS_HF_HFCONFIG_H
#define SEQC_FRONTENDS_HF_HFCONFIG_H

#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace seqc::hf {

class HfConfig {
public:
  /// Parses `path`; on failure returns nullopt and sets `error`.
  static std::optional<HfConfig> load(const std::string &path,
                                      std::string &error);

  /// The first entry of "architectures" (or "" when absent).
  std::string architecture() const;

  /// Required fields: record an error naming the field when missing.
  int64_t integer(llvm::StringRef key);
  double number(llvm::StringRef key);
  std::string string(llvm::StringRef key);

  /// Optional fields with a default (an ill-typed value is still an error).
  int64_t integer(llvm::StringRef key, int64_t fallback);
  double number(llvm::StringRef key, double fallback);
  bool boolean(llvm::StringRef key, bool fallback);
  std::string string(llvm::StringRef key, llvm::StringRef fallback);
  bool has(llvm::StringRef key) const;
  /// Whether `key` holds the string `value` (e.g. "auto" for a size).
  bool isString(llvm::StringRef key, llvm::StringRef value) const;
  /// A nested object (e.g. "rope_scaling"), or null.
  const llvm::json::Object *object(llvm::StringRef key) const;
  /// An array of strings, if present.
  std::optional<std::vector<std::string>> strings(llvm::StringRef key);
  /// An array of numbers (Python's `Infinity` allowed), if present.
  std::optional<std::vector<double>> numbers(llvm::StringRef key);

  /// Records a problem with `key` (first one wins).
  void fail(llvm::StringRef key, const llvm::Twine &what);
  /// The first problem, prefixed with the file, or "".
  const std::string &error() const { return firstError; }
  const std::string &path() const { return file; }

private:
  std::string file;
  llvm::json::Object root;
  std::string firstError;
};

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_HFCONFIG_H
