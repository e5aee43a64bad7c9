//===- HfConfig.h - typed access to a Hugging Face config.json --*- C++ -*-===//
//
// Reads config.json once and answers typed questions about it; the first
// missing or ill-typed field is remembered as an error that names it, so
// importers can read everything and check once. Every field an importer
// reads (or declares irrelevant to the forward pass) is marked; after the
// import, checkAccounted() rejects any other field, so a switch seqc does
// not implement can never be silently ignored.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_FRONTENDS_HF_HFCONFIG_H
#define SEQC_FRONTENDS_HF_HFCONFIG_H

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"

#include <initializer_list>
#include <optional>
#include <string>

namespace seqc::hf {

class HfConfig {
public:
  /// Parses `path`; on failure returns nullopt and sets `error`.
  static std::optional<HfConfig> load(const std::string &path,
                                      std::string &error);
  /// A configuration built by another frontend (a GGUF file's metadata);
  /// errors are prefixed with `origin`.
  static HfConfig fromObject(llvm::json::Object root, std::string origin);

  /// The first entry of "architectures" (or "" when absent).
  std::string architecture() const;

  /// Required fields: record an error naming the field when missing.
  int64_t integer(llvm::StringRef key);
  double number(llvm::StringRef key);
  std::string string(llvm::StringRef key);

  /// A required size in [1, max] (dims, counts): names the field otherwise.
  int64_t size(llvm::StringRef key, int64_t max = int64_t(1) << 24);
  /// An optional size in [1, max], `fallback` when absent.
  int64_t size(llvm::StringRef key, int64_t fallback, int64_t max);
  /// An optional finite number >= 0 (epsilons), `fallback` when absent.
  double nonNegative(llvm::StringRef key, double fallback);

  /// Optional fields with a default (an ill-typed value is still an error).
  int64_t integer(llvm::StringRef key, int64_t fallback);
  double number(llvm::StringRef key, double fallback);
  bool boolean(llvm::StringRef key, bool fallback);
  std::string string(llvm::StringRef key, llvm::StringRef fallback);
  /// Present and not null.
  bool has(llvm::StringRef key) const;
  /// Present, possibly as null (`"sliding_window": null` differs from an
  /// absent key whose default is a number).
  bool present(llvm::StringRef key) const;

  /// Marks fields that do not change the forward pass (dropout rates,
  /// initialisers, token ids, metadata) as accounted for.
  void irrelevant(std::initializer_list<llvm::StringRef> keys);
  /// Accepts `key` only when absent, null or equal to `value` (a switch
  /// seqc implements in one position only); otherwise records `why`.
  void requireBoolean(llvm::StringRef key, bool value, llvm::StringRef why);
  /// Records an error naming every field that no importer step read or
  /// declared irrelevant for `architecture`.
  void checkAccounted(llvm::StringRef architecture);
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
  /// Marks `key` as accounted for; returns its value or null.
  const llvm::json::Value *use(llvm::StringRef key) const;

  std::string file;
  llvm::json::Object root;
  std::string firstError;
  mutable llvm::StringSet<> accounted;
};

} // namespace seqc::hf

#endif // SEQC_FRONTENDS_HF_HFCONFIG_H
