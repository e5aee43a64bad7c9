//===- OutputFile.h - output files that are complete or absent --*- C++ -*-===//
//
// Every file seqc writes goes through here: written under a temporary name
// and renamed into place only when everything succeeded, so a failed run
// never leaves partial output, and never replaces a device (`-o /dev/null`
// as root) or a symlink's target.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_COMPILER_OUTPUTFILE_H
#define SEQC_COMPILER_OUTPUTFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace seqc {

/// A file written under a temporary name and renamed into place only when
/// everything succeeded. Only regular files (or new paths) are replaced by
/// rename; a symlink is replaced itself, never its target. Character
/// devices, FIFOs and sockets are written straight through at commit, from
/// a temporary file in the system's temporary folder, and left in place.
/// Errors are reported on stderr as "seqc: error: ...".
class AtomicOutput {
public:
  explicit AtomicOutput(std::string path) : path(std::move(path)) {}
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput &) = delete;
  AtomicOutput &operator=(const AtomicOutput &) = delete;

  /// Creates the temporary file next to the destination (or in the system's
  /// temporary folder for a device).
  bool create();
  /// Where to write until commit().
  const std::string &temp() const { return tempPath; }
  /// Moves (or, for a device, copies) the temporary file into place.
  bool commit();

private:
  bool copyToDevice();

  std::string path, tempPath;
  bool committed = false;
  bool writeThrough = false; ///< a device, FIFO or socket: never replaced
};

/// Writes what `write` prints to `path` through an AtomicOutput ("-":
/// stdout).
bool writeOutputFile(const std::string &path,
                     llvm::function_ref<void(llvm::raw_ostream &)> write);

} // namespace seqc

#endif // SEQC_COMPILER_OUTPUTFILE_H
