//===- ApiGuard.h - the C API's argument errors and exception fence -*- C++
//-*-===//
//
// Every extern "C" entry of libseqrt returns a seq_status and records the
// message for seq_last_error (seqrt::report); no exception crosses the C
// boundary.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_APIGUARD_H
#define SEQC_RUNTIME_SRC_APIGUARD_H

#include "Error.h"

#include <cstring>
#include <new>
#include <string>

namespace seqrt {

/// SEQ_ERROR_INVALID_ARGUMENT with `what`, reported.
inline seq_status invalidArgument(const std::string &what) {
  return report(makeError(SEQ_ERROR_INVALID_ARGUMENT, what));
}

/// Runs `body` (returning an Error), turning allocation failure and any
/// other exception into a status.
template <typename Fn> seq_status guarded(Fn body) {
  try {
    return report(body());
  } catch (const std::bad_alloc &) {
    return report(makeError(SEQ_ERROR_OUT_OF_MEMORY, "out of memory"));
  } catch (...) {
    return report(makeError(SEQ_ERROR_INTERNAL, "unexpected internal error"));
  }
}

/// Copies `text` with a NUL into `out` (`capacity` bytes) when it fits;
/// `*length` is the text's length either way (a call with capacity 0 sizes
/// the buffer).
inline Error copyText(const std::string &text, char *out, size_t capacity,
                      size_t *length) {
  *length = text.size();
  if (capacity <= text.size())
    return makeError(SEQ_ERROR_CAPACITY,
                     "the text needs " + std::to_string(text.size() + 1) +
                         " bytes; the buffer has " + std::to_string(capacity));
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return Error::ok();
}

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_APIGUARD_H
