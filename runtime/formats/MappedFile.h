//===- MappedFile.h - a whole file mapped read-only -------------*- C++ -*-===//
//
// The weight readers (safetensors, GGUF) map their files read-only and hand
// out pointers into the mapping, so opening a model copies no weights.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_FORMATS_MAPPEDFILE_H
#define SEQC_RUNTIME_FORMATS_MAPPEDFILE_H

#include <cerrno>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace seqrt {

/// A whole file mapped read-only; unmapped on destruction unless released.
class MappedFile {
public:
  MappedFile() = default;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile() {
    if (address)
      ::munmap(address, length);
  }

  /// Maps `path`. On failure sets `error` ("path: cannot open: reason").
  bool map(const std::string &path, std::string &error) {
    // O_NONBLOCK so a FIFO in place of a weight file cannot hang the open.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      error = path + ": cannot open: " + std::generic_category().message(errno);
      return false;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      error = path + ": cannot stat: " + std::generic_category().message(errno);
      ::close(fd);
      return false;
    }
    if (!S_ISREG(st.st_mode)) {
      error = path + ": cannot open: not a regular file";
      ::close(fd);
      return false;
    }
    if (static_cast<uint64_t>(st.st_size) >
        std::numeric_limits<size_t>::max()) {
      error = path + ": cannot map: file too large";
      ::close(fd);
      return false;
    }
    length = static_cast<size_t>(st.st_size);
    // mmap rejects length 0; an empty file is reported by the caller.
    if (length != 0) {
      void *p = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        error =
            path + ": cannot map: " + std::generic_category().message(errno);
        length = 0;
        ::close(fd);
        return false;
      }
      address = p;
    }
    ::close(fd);
    return true;
  }

  const uint8_t *data() const { return static_cast<const uint8_t *>(address); }
  size_t size() const { return length; }

  /// Gives up ownership of the mapping.
  void release() {
    address = nullptr;
    length = 0;
  }

private:
  void *address = nullptr;
  size_t length = 0;
};

} // namespace seqrt

#endif // SEQC_RUNTIME_FORMATS_MAPPEDFILE_H
