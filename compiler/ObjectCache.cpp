//===- ObjectCache.cpp - compiled partitions reused across compiles -------===//

#include "compiler/ObjectCache.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

namespace seqc {

/// Bumped when what a cached object depends on changes beyond its key's
/// inputs (the optimisation pipeline of ParallelCodegen.cpp, say).
static constexpr const char *kCacheFormat = "seqc-object-cache-1";

std::string ObjectCache::defaultDirectory() {
  if (const char *dir = std::getenv("SEQC_CACHE_DIR"))
    return dir;
  llvm::SmallString<256> path;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    path = xdg;
  else if (const char *home = std::getenv("HOME"); home && *home)
    llvm::sys::path::append(path, home, ".cache");
  else
    return "";
  llvm::sys::path::append(path, "seqc");
  return std::string(path);
}

ObjectCache::ObjectCache(std::string directory, std::string compileFlags)
    : dir(std::move(directory)), flags(std::move(compileFlags)) {}

std::string ObjectCache::key(llvm::StringRef bitcode) const {
  llvm::SHA256 hash;
  for (llvm::StringRef part :
       {llvm::StringRef(kCacheFormat), llvm::StringRef(LLVM_VERSION_STRING),
        llvm::StringRef(flags)}) {
    hash.update(part);
    hash.update(llvm::StringRef("\0", 1));
  }
  hash.update(bitcode);
  return llvm::toHex(hash.final(), /*LowerCase=*/true);
}

bool ObjectCache::fetch(const std::string &key, const std::string &path) {
  llvm::SmallString<256> entry(dir);
  llvm::sys::path::append(entry, key + ".o");
  // Read once: an entry that does not start like an object file (damaged
  // outside seqc) is a miss, not a link error on every later compile.
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(entry, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  bool hit = file && (*file)->getBuffer().starts_with("\x7f"
                                                      "ELF");
  if (hit) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
    if (!ec)
      os << (*file)->getBuffer();
    os.close();
    hit = !ec && !os.has_error();
  }
  ++(hit ? hitCount : missCount);
  return hit;
}

void ObjectCache::store(const std::string &key, const std::string &path) {
  if (llvm::sys::fs::create_directories(dir))
    return;
  llvm::SmallString<256> temp, entry(dir);
  llvm::sys::path::append(entry, key + ".o");
  llvm::SmallString<256> model(dir);
  llvm::sys::path::append(model, key + "-%%%%%%%%.tmp");
  int fd;
  if (llvm::sys::fs::createUniqueFile(model, fd, temp))
    return;
  llvm::sys::fs::closeFile(fd);
  // Copied, then renamed: readers see a whole object or none.
  if (llvm::sys::fs::copy_file(path, temp) ||
      llvm::sys::fs::rename(temp, entry))
    llvm::sys::fs::remove(temp);
}

} // namespace seqc
