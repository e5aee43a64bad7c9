//===- CudaDevice.h - running --target=cuda models --------------*- C++ -*-===//
//
// A model compiled with --target=cuda carries its kernels (PTX) and the
// launch API on the CUDA driver (model_support/CudaLaunch.c), which it
// exports as seq_cuda_*. The runtime finds those with dlsym, opens the
// device, uploads the weights once, and stages each seq_model_run's inputs
// and outputs through device buffers. The runtime itself never links CUDA.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_CUDADEVICE_H
#define SEQC_RUNTIME_SRC_CUDADEVICE_H

#include "Error.h"

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

struct seq_model;

namespace seqrt {

/// The seq_cuda_* functions of one model library.
struct CudaApi {
  int (*init)(int device) = nullptr;
  const char *(*error)() = nullptr;
  void *(*alloc)(size_t bytes) = nullptr;
  void (*release)(void *ptr) = nullptr;
  int (*toDevice)(void *device, const void *host, size_t bytes) = nullptr;
  int (*toHost)(void *host, const void *device, size_t bytes) = nullptr;
};

/// Whether the descriptor's target ("cuda:sm_90") is a CUDA one.
bool isCudaTarget(const std::string &target);

/// Resolves the model's CUDA API, opens `device` and uploads the bound
/// weights (model.weightData then holds device pointers).
Error attachCudaDevice(seq_model &model, int device);

/// Copies the bound weights to the device through `model.cuda` (then
/// model.weightData holds device pointers, freed with the model).
Error uploadWeights(seq_model &model);

/// SEQ_ERROR_DEVICE naming the model's recorded CUDA failure, if any.
Error cudaStatus(const seq_model &model, const std::string &during);

/// How one host buffer of an entry call travels to the device and back.
struct StagedBuffer {
  size_t bytes = 0;
  bool copyIn = false;      ///< inputs and state
  bool copyOut = false;     ///< outputs
  void *resident = nullptr; ///< already on the device (session state)
};

/// Calls `fn` with `buffers` (host pointers) staged through device buffers
/// as `staging` says: copied in, the call (synchronous), copied out;
/// resident buffers are passed as they are.
Error callOnDevice(seq_model &model,
                   void (*fn)(void *const *, const int64_t *, void *const *),
                   const std::vector<void *> &buffers,
                   const std::vector<StagedBuffer> &staging,
                   const int64_t *ints, const std::string &what);

/// Device buffers that staged earlier calls' inputs and outputs, kept by
/// size for the next call: cuMemAlloc and cuMemFree on every call (a decode
/// step stages a token and its logits) would synchronise the device each
/// time. Shared by the model's threads; holds at most kMaxBytes.
class StagingPool {
public:
  static constexpr size_t kMaxBytes = size_t(256) << 20;
  /// A buffer of exactly `bytes` (null for 0 bytes or on failure).
  void *take(const CudaApi &api, size_t bytes);
  /// Keeps `buffer` for a later take, or frees it when the pool is full.
  void give(const CudaApi &api, void *buffer, size_t bytes);
  void releaseAll(const CudaApi &api);

private:
  std::mutex lock;
  std::multimap<size_t, void *> kept;
  size_t keptBytes = 0;
};

/// Device buffers of one call, back to the pool when it goes out of scope.
class DeviceBuffers {
public:
  DeviceBuffers(const CudaApi &api, StagingPool &pool) : api(api), pool(pool) {}
  DeviceBuffers(const DeviceBuffers &) = delete;
  DeviceBuffers &operator=(const DeviceBuffers &) = delete;
  ~DeviceBuffers();
  /// A device buffer of `bytes` (null for 0 bytes or on failure).
  void *allocate(size_t bytes);

private:
  const CudaApi &api;
  StagingPool &pool;
  std::vector<std::pair<void *, size_t>> buffers;
};

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_CUDADEVICE_H
