//===- Error.h - runtime status with a message ------------------*- C++ -*-===//
//
// Internal functions return an Error (a seq_status plus message); the C API
// stores the message for seq_last_error() and returns the status.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_ERROR_H
#define SEQC_RUNTIME_SRC_ERROR_H

#include "seq/runtime.h"

#include <string>

namespace seqrt {

struct Error {
  seq_status status = SEQ_OK;
  std::string message;

  static Error ok() { return {}; }
  explicit operator bool() const { return status != SEQ_OK; }
};

inline Error makeError(seq_status status, std::string message) {
  return {status, std::move(message)};
}

/// Records `error` as this thread's last error; returns its status.
seq_status report(const Error &error);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_ERROR_H
