//===- DeviceState.h - a CUDA session's state kept on the device -*- C++
//-*-===//
//
// A session of a --target=cuda model keeps its state (KV caches, conv and
// scan states) in device buffers: entry calls update it in place, so
// decoding a token copies only the token in and its logits out. The host
// copy in seq_session::states is brought up to date only when the API needs
// it (fork, snapshot), and a host-side change (reset, restore) is uploaded
// before the next call.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_DEVICESTATE_H
#define SEQC_RUNTIME_SRC_DEVICESTATE_H

#include "Error.h"

#include <cstdint>
#include <vector>

struct seq_session;

namespace seqrt {

struct CudaApi;

class DeviceState {
public:
  DeviceState() = default;
  /// A copy (a forked session) starts from the host copy, which the fork
  /// brought up to date; it allocates its own device buffers when used.
  DeviceState(const DeviceState &) {}
  DeviceState &operator=(const DeviceState &) = delete;
  ~DeviceState() { release(); }

  /// The device buffer of each state, uploading the host copy first when
  /// the device copy is not current. After the call the device copy is the
  /// current one.
  Error acquire(const seq_session &session, std::vector<void *> &deviceBuffers);
  /// Brings the host copy up to date (downloads if the device copy is
  /// newer).
  Error syncToHost(const seq_session &session);
  /// The host copy changed: upload it before the next call.
  void hostChanged() {
    deviceCurrent = false;
    hostCurrent = true;
  }

private:
  void release();

  const CudaApi *api = nullptr;
  std::vector<void *> buffers;
  bool deviceCurrent = false; ///< device buffers hold the latest state
  bool hostCurrent = true;    ///< seq_session::states holds the latest state
};

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_DEVICESTATE_H
