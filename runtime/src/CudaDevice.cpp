//===- CudaDevice.cpp - running --target=cuda models ----------------------===//

#include "CudaDevice.h"

#include "Model.h"

#include <dlfcn.h>

namespace seqrt {

bool isCudaTarget(const std::string &target) {
  return target.rfind("cuda", 0) == 0;
}

Error cudaStatus(const seq_model &model, const std::string &during) {
  const char *failure = model.cuda.error ? model.cuda.error() : nullptr;
  if (!failure)
    return Error::ok();
  return makeError(SEQ_ERROR_DEVICE, model.libraryPath + " (" +
                                         model.descriptor.target + ") " +
                                         during + ": " + failure);
}

Error attachCudaDevice(seq_model &model, int device) {
  CudaApi &api = model.cuda;
  auto bind = [&](auto &field, const char *name) {
    field = reinterpret_cast<std::remove_reference_t<decltype(field)>>(
        dlsym(model.library, name));
    return field != nullptr;
  };
  if (!bind(api.init, "seq_cuda_init") || !bind(api.error, "seq_cuda_error") ||
      !bind(api.alloc, "seq_cuda_alloc") ||
      !bind(api.release, "seq_cuda_free") ||
      !bind(api.toDevice, "seq_cuda_copy_to_device") ||
      !bind(api.toHost, "seq_cuda_copy_to_host"))
    return makeError(SEQ_ERROR_INVALID_MODEL,
                     model.libraryPath + " targets " + model.descriptor.target +
                         " but lacks the seq_cuda_* launch support (rebuild "
                         "it with this seqc)");
  api.init(device); // -1: $SEQ_CUDA_DEVICE, else 0
  if (Error e = cudaStatus(model, "cannot run"))
    return e;
  return uploadWeights(model);
}

Error uploadWeights(seq_model &model) {
  CudaApi &api = model.cuda;
  // Weights go to the device once; the entry points see device pointers.
  for (size_t i = 0; i < model.descriptor.weights.size(); ++i) {
    const TensorSpec &spec = model.descriptor.weights[i].spec;
    size_t bytes = spec.elementSize();
    for (int64_t d : spec.shape)
      bytes *= static_cast<size_t>(d);
    void *onDevice = bytes ? api.alloc(bytes) : nullptr;
    if (bytes &&
        (!onDevice || !api.toDevice(onDevice, model.weightData[i], bytes))) {
      if (Error e =
              cudaStatus(model, "uploading weight '" +
                                    model.descriptor.weights[i].name + "'"))
        return e;
      return makeError(SEQ_ERROR_OUT_OF_MEMORY,
                       "cannot allocate " + std::to_string(bytes) +
                           " bytes of device memory for weight '" +
                           model.descriptor.weights[i].name + "'");
    }
    model.deviceWeights.push_back(onDevice);
    model.weightData[i] = onDevice;
  }
  return Error::ok();
}

Error callOnDevice(seq_model &model,
                   void (*fn)(void *const *, const int64_t *, void *const *),
                   const std::vector<void *> &buffers,
                   const std::vector<StagedBuffer> &staging,
                   const int64_t *ints, const std::string &what) {
  DeviceBuffers device(model.cuda, model.staging);
  std::vector<void *> onDevice(buffers.size(), nullptr);
  for (size_t i = 0; i < buffers.size(); ++i) {
    size_t bytes = staging[i].bytes;
    if (staging[i].resident) {
      onDevice[i] = staging[i].resident;
      continue;
    }
    onDevice[i] = device.allocate(bytes);
    if (bytes && !onDevice[i]) {
      if (Error e = cudaStatus(model, "allocating buffers for " + what))
        return e;
      return makeError(SEQ_ERROR_OUT_OF_MEMORY,
                       "cannot allocate " + std::to_string(bytes) +
                           " bytes of device memory for " + what);
    }
    if (staging[i].copyIn && bytes &&
        !model.cuda.toDevice(onDevice[i], buffers[i], bytes))
      return cudaStatus(model, "copying inputs of " + what);
  }
  model.call(fn, onDevice.data(), ints);
  if (Error e = cudaStatus(model, "running " + what))
    return e;
  for (size_t i = 0; i < buffers.size(); ++i)
    if (staging[i].copyOut && staging[i].bytes &&
        !model.cuda.toHost(buffers[i], onDevice[i], staging[i].bytes))
      return cudaStatus(model, "copying outputs of " + what);
  return Error::ok();
}

void *StagingPool::take(const CudaApi &api, size_t bytes) {
  if (!bytes)
    return nullptr;
  {
    std::lock_guard<std::mutex> guard(lock);
    auto it = kept.find(bytes);
    if (it != kept.end()) {
      void *p = it->second;
      kept.erase(it);
      keptBytes -= bytes;
      return p;
    }
  }
  return api.alloc(bytes);
}

void StagingPool::give(const CudaApi &api, void *buffer, size_t bytes) {
  {
    std::lock_guard<std::mutex> guard(lock);
    if (keptBytes + bytes <= kMaxBytes) {
      kept.emplace(bytes, buffer);
      keptBytes += bytes;
      return;
    }
  }
  api.release(buffer);
}

void StagingPool::releaseAll(const CudaApi &api) {
  std::lock_guard<std::mutex> guard(lock);
  for (auto &[bytes, p] : kept)
    api.release(p);
  kept.clear();
  keptBytes = 0;
}

DeviceBuffers::~DeviceBuffers() {
  for (auto [p, bytes] : buffers)
    pool.give(api, p, bytes);
}

void *DeviceBuffers::allocate(size_t bytes) {
  void *p = pool.take(api, bytes);
  if (p)
    buffers.push_back({p, bytes});
  return p;
}

} // namespace seqrt
