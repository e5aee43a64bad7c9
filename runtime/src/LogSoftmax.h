//===- LogSoftmax.h - the log-softmax of a logits row -------------*- C++
//-*-===//
//
// What a beam search scores every step, over every row's whole vocabulary
// (58k entries for OPUS-MT): fast enough that the search does not leave
// the cores idle between model calls.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_LOGSOFTMAX_H
#define SEQC_RUNTIME_SRC_LOGSOFTMAX_H

#include <cstddef>

namespace seqrt {

/// out[v] = row[v] - max - log(Σ exp(row[v] - max)), as torch's float32
/// log_softmax computes it (its exp and sum within float rounding: the sum
/// accumulates in double).
void logSoftmax(const float *row, size_t n, float *out);

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_LOGSOFTMAX_H
