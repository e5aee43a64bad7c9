//===- DeviceState.cpp - a CUDA session's state kept on the device --------===//

#include "DeviceState.h"

#include "CudaDevice.h"
#include "Session.h"

namespace seqrt {

Error DeviceState::acquire(const seq_session &session,
                           std::vector<void *> &deviceBuffers) {
  seq_model &model = *session.model;
  api = &model.cuda;
  const auto &host = session.states;
  if (buffers.empty()) {
    for (size_t i = 0; i < host.size(); ++i) {
      void *p = host[i].empty() ? nullptr : api->alloc(host[i].size());
      buffers.push_back(p);
      if (!host[i].empty() && !p) {
        if (Error e = cudaStatus(model, "allocating session state"))
          return e;
        return makeError(SEQ_ERROR_OUT_OF_MEMORY,
                         "cannot allocate " + std::to_string(host[i].size()) +
                             " bytes of device memory for state '" +
                             model.descriptor.states[i].name + "'");
      }
    }
    deviceCurrent = false;
  }
  if (!deviceCurrent) {
    for (size_t i = 0; i < host.size(); ++i)
      if (!host[i].empty() &&
          !api->toDevice(buffers[i], host[i].data(), host[i].size()))
        return cudaStatus(model, "uploading session state '" +
                                     model.descriptor.states[i].name + "'");
    deviceCurrent = true;
  }
  deviceBuffers = buffers;
  // The call about to run updates the device copy only.
  hostCurrent = false;
  return Error::ok();
}

Error DeviceState::syncToHost(const seq_session &session) {
  if (hostCurrent)
    return Error::ok();
  seq_model &model = *session.model;
  auto &host = session.states;
  // A shared source state is current on the host already (only encode
  // writes it, and encoding detaches it first); other sessions may be
  // reading it.
  for (size_t i = 0; i < host.size(); ++i)
    if (!host[i].empty() && !host[i].isShared() &&
        !api->toHost(host[i].data(), buffers[i], host[i].size()))
      return cudaStatus(model, "downloading session state '" +
                                   model.descriptor.states[i].name + "'");
  hostCurrent = true;
  return Error::ok();
}

void DeviceState::release() {
  if (api)
    for (void *p : buffers)
      if (p)
        api->release(p);
  buffers.clear();
  deviceCurrent = false;
}

} // namespace seqrt
