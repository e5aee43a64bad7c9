//===- ObjectCache.h - compiled partitions reused across compiles -*- C++ -*-=//
//
// Each partition of a shared library (ParallelCodegen.h) is optimised and
// compiled from its LLVM bitcode alone, so the object is a function of that
// bitcode and of how it is compiled (LLVM version, target triple, CPU and
// features, -O level). The cache keeps objects under the SHA-256 of those,
// in one folder: recompiling a model whose weights changed reuses every
// object, one whose depth changed reuses the layers' partitions. Entries
// are written to a unique temporary name and renamed into place, so
// concurrent compiles never see half an object.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_COMPILER_OBJECTCACHE_H
#define SEQC_COMPILER_OBJECTCACHE_H

#include "llvm/ADT/StringRef.h"

#include <atomic>
#include <string>

namespace seqc {

class ObjectCache {
public:
  /// $SEQC_CACHE_DIR when set (empty: no cache), else $XDG_CACHE_HOME/seqc,
  /// else $HOME/.cache/seqc; empty when none of them can be used.
  static std::string defaultDirectory();

  /// A cache in `directory` for objects compiled as `compileFlags` says
  /// (target, CPU, features, -O level).
  ObjectCache(std::string directory, std::string compileFlags);

  /// The key of the object compiled from `bitcode`.
  std::string key(llvm::StringRef bitcode) const;
  /// Copies the object of `key` to `path`; false when there is none.
  bool fetch(const std::string &key, const std::string &path);
  /// Keeps the object at `path` as `key`'s (best effort: a cache that
  /// cannot be written only costs time).
  void store(const std::string &key, const std::string &path);

  const std::string &directory() const { return dir; }
  unsigned hits() const { return hitCount; }
  unsigned misses() const { return missCount; }

private:
  std::string dir;
  std::string flags;
  std::atomic<unsigned> hitCount{0}, missCount{0};
};

} // namespace seqc

#endif // SEQC_COMPILER_OBJECTCACHE_H
