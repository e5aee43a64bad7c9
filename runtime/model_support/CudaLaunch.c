/*===- CudaLaunch.c - the GPU launch API of --target=cuda models --------===*
 *
 * Host code compiled with --target=cuda calls MLIR's mgpu* launch API
 * (module load at library load, kernel launches, stream and device-memory
 * management). This file implements it on the CUDA driver API, opened at
 * run time with dlopen("libcuda.so.1"): models and the runtime build and
 * load on machines without CUDA, and say so clearly when asked to run.
 *
 * Nothing touches the driver while the library loads: the kernel modules
 * the load-time constructors register are JIT-compiled on first use, after
 * the runtime has picked the device with seq_cuda_init(). The first
 * failure (no driver, no device, a PTX the driver's JIT rejects, a failed
 * launch) is recorded; later calls do nothing, and the runtime reports the
 * message through seq_cuda_error(). The runtime moves data with
 * seq_cuda_alloc/free/copy_*; those and seq_cuda_init/error are the model
 * library's only exported CUDA symbols.
 *
 *===--------------------------------------------------------------------===*/

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define HIDDEN __attribute__((visibility("hidden")))

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef unsigned long long CUdeviceptr;

enum { kJitErrorLog = 5, kJitErrorLogSize = 6, kJitOptimizationLevel = 7 };
enum { kStreamNonBlocking = 1 };
enum { kMemPoolReleaseThreshold = 4 }; /* CU_MEMPOOL_ATTR_RELEASE_THRESHOLD */

static struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*streamDestroy)(CUstream);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*getErrorString)(CUresult, const char **);
  /* Optional (CUDA 11.2+): stream-ordered allocation. */
  CUresult (*memAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*memFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*deviceGetDefaultMemPool)(void **, CUdevice);
  CUresult (*memPoolSetAttribute)(void *, int, void *);
} cu;

/* Kernels' temporaries come from the device's default memory pool, in
 * stream order, and freed blocks stay in the pool for the next call: a
 * decode step allocates dozens of buffers, which cuMemAlloc/cuMemFree
 * (a device-wide synchronisation) would make slower than the kernels. */
static int pooled;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int requestedDevice = -1; /* seq_cuda_init's, else $SEQ_CUDA_DEVICE */
static pthread_mutex_t errorLock = PTHREAD_MUTEX_INITIALIZER;
static CUcontext context;
static int ready;
static char failure[1024];

static void fail(const char *message) {
  pthread_mutex_lock(&errorLock);
  if (!failure[0])
    snprintf(failure, sizeof failure, "%s", message);
  pthread_mutex_unlock(&errorLock);
}

/* Records `call` failing with `result`; returns 0 on failure. */
static int check(CUresult result, const char *call) {
  if (result == 0)
    return 1;
  const char *text = NULL;
  if (cu.getErrorString)
    cu.getErrorString(result, &text);
  char message[512];
  snprintf(message, sizeof message, "CUDA driver: %s failed: %s (error %d)",
           call, text ? text : "unknown error", result);
  if (result == 34) /* CUDA_ERROR_STUB_LIBRARY */
    snprintf(message, sizeof message,
             "no CUDA driver: libcuda.so.1 is the toolkit's stub library "
             "(install the NVIDIA driver)");
  fail(message);
  return 0;
}

static int deviceIndex(void) {
  if (requestedDevice >= 0)
    return requestedDevice;
  const char *env = getenv("SEQ_CUDA_DEVICE");
  return env ? atoi(env) : 0;
}

static void load(void) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    char message[512];
    const char *why = dlerror();
    snprintf(message, sizeof message,
             "no CUDA driver: cannot load libcuda.so.1 (%s)",
             why ? why : "not found");
    fail(message);
    return;
  }
#define BIND(field, name)                                                      \
  do {                                                                         \
    *(void **)&cu.field = dlsym(lib, name);                                    \
    if (!cu.field) {                                                           \
      fail("CUDA driver: libcuda.so.1 has no " name " (driver too old)");      \
      return;                                                                  \
    }                                                                          \
  } while (0)
  BIND(getErrorString, "cuGetErrorString");
  BIND(init, "cuInit");
  BIND(deviceGetCount, "cuDeviceGetCount");
  BIND(deviceGet, "cuDeviceGet");
  BIND(primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  BIND(ctxSetCurrent, "cuCtxSetCurrent");
  BIND(moduleLoadDataEx, "cuModuleLoadDataEx");
  BIND(moduleUnload, "cuModuleUnload");
  BIND(moduleGetFunction, "cuModuleGetFunction");
  BIND(launchKernel, "cuLaunchKernel");
  BIND(streamCreate, "cuStreamCreate");
  BIND(streamSynchronize, "cuStreamSynchronize");
  BIND(streamDestroy, "cuStreamDestroy_v2");
  BIND(memAlloc, "cuMemAlloc_v2");
  BIND(memFree, "cuMemFree_v2");
  BIND(memcpyHtoD, "cuMemcpyHtoD_v2");
  BIND(memcpyDtoH, "cuMemcpyDtoH_v2");
#undef BIND
  *(void **)&cu.memAllocAsync = dlsym(lib, "cuMemAllocAsync");
  *(void **)&cu.memFreeAsync = dlsym(lib, "cuMemFreeAsync");
  *(void **)&cu.deviceGetDefaultMemPool =
      dlsym(lib, "cuDeviceGetDefaultMemPool");
  *(void **)&cu.memPoolSetAttribute = dlsym(lib, "cuMemPoolSetAttribute");
  if (!check(cu.init(0), "cuInit"))
    return;
  int count = 0;
  if (!check(cu.deviceGetCount(&count), "cuDeviceGetCount"))
    return;
  int index = deviceIndex();
  if (index < 0 || index >= count) {
    char message[256];
    snprintf(message, sizeof message,
             "no CUDA device %d: the driver reports %d device(s) "
             "(SEQ_CUDA_DEVICE selects one)",
             index, count);
    fail(message);
    return;
  }
  CUdevice device;
  if (!check(cu.deviceGet(&device, index), "cuDeviceGet") ||
      !check(cu.primaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain"))
    return;
  void *pool = NULL;
  if (cu.memAllocAsync && cu.memFreeAsync && cu.deviceGetDefaultMemPool &&
      cu.memPoolSetAttribute &&
      cu.deviceGetDefaultMemPool(&pool, device) == 0) {
    uint64_t keep = UINT64_MAX; /* never hand freed blocks back */
    pooled = cu.memPoolSetAttribute(pool, kMemPoolReleaseThreshold, &keep) == 0;
  }
  ready = 1;
}

/* The driver is loaded and this thread uses the model's context. */
static int usable(void) {
  pthread_once(&once, load);
  if (!ready || failure[0])
    return 0;
  return check(cu.ctxSetCurrent(context), "cuCtxSetCurrent");
}

/* --- MLIR's launch API (gpu-to-llvm), hidden inside the model --------- */

/* A kernel module registered at library load, compiled on first use. */
typedef struct {
  const char *ptx;
  int optLevel;
  CUmodule module;
  pthread_mutex_t lock;
} LazyModule;

HIDDEN void *mgpuModuleLoadJIT(void *ptx, int optLevel) {
  LazyModule *lazy = (LazyModule *)calloc(1, sizeof(LazyModule));
  if (!lazy) {
    fail("out of memory registering a kernel module");
    return NULL;
  }
  lazy->ptx = (const char *)ptx;
  lazy->optLevel = optLevel;
  pthread_mutex_init(&lazy->lock, NULL);
  return lazy;
}

static CUmodule compiled(LazyModule *lazy) {
  pthread_mutex_lock(&lazy->lock);
  if (!lazy->module) {
    char log[4096] = "";
    int options[] = {kJitErrorLog, kJitErrorLogSize, kJitOptimizationLevel};
    void *values[] = {log, (void *)(uintptr_t)sizeof log,
                      (void *)(uintptr_t)lazy->optLevel};
    CUresult result =
        cu.moduleLoadDataEx(&lazy->module, lazy->ptx, 3, options, values);
    if (result != 0) {
      char message[1024];
      snprintf(message, sizeof message,
               "CUDA driver: the JIT rejected a kernel module (error %d): "
               "%.900s",
               result, log);
      fail(message);
      lazy->module = NULL;
    }
  }
  pthread_mutex_unlock(&lazy->lock);
  return lazy->module;
}

HIDDEN void mgpuModuleUnload(void *module) {
  LazyModule *lazy = (LazyModule *)module;
  if (!lazy)
    return;
  if (lazy->module && ready)
    cu.moduleUnload(lazy->module);
  pthread_mutex_destroy(&lazy->lock);
  free(lazy);
}

HIDDEN void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function = NULL;
  if (!module || !usable())
    return NULL;
  CUmodule loaded = compiled((LazyModule *)module);
  if (loaded)
    check(cu.moduleGetFunction(&function, loaded, name), "cuModuleGetFunction");
  return function;
}

HIDDEN void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                             intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                             intptr_t blockZ, int32_t sharedBytes, void *stream,
                             void **params, void **extra, size_t paramCount) {
  (void)paramCount;
  if (!function || !usable())
    return;
  check(cu.launchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                        sharedBytes, stream, params, extra),
        "cuLaunchKernel");
}

HIDDEN void *mgpuStreamCreate(void) {
  CUstream stream = NULL;
  if (usable())
    check(cu.streamCreate(&stream, kStreamNonBlocking), "cuStreamCreate");
  return stream;
}

HIDDEN void mgpuStreamSynchronize(void *stream) {
  if (stream && usable())
    check(cu.streamSynchronize(stream), "cuStreamSynchronize");
}

HIDDEN void mgpuStreamDestroy(void *stream) {
  if (stream && ready)
    cu.streamDestroy(stream);
}

HIDDEN void *mgpuMemAlloc(uint64_t bytes, void *stream, int8_t hostShared) {
  (void)hostShared;
  CUdeviceptr ptr = 0;
  if (!bytes || !usable())
    return NULL;
  if (pooled && stream)
    check(cu.memAllocAsync(&ptr, bytes, stream), "cuMemAllocAsync");
  else
    check(cu.memAlloc(&ptr, bytes), "cuMemAlloc");
  return (void *)(uintptr_t)ptr;
}

HIDDEN void mgpuMemFree(void *ptr, void *stream) {
  if (!ptr || !ready)
    return;
  if (pooled && stream)
    check(cu.memFreeAsync((CUdeviceptr)(uintptr_t)ptr, stream),
          "cuMemFreeAsync");
  else
    cu.memFree((CUdeviceptr)(uintptr_t)ptr);
}

/* --- For the runtime (looked up with dlsym) --------------------------- */

/* Opens the driver on `device` (first call only); 1 when usable. */
EXPORT int seq_cuda_init(int device) {
  pthread_mutex_lock(&errorLock);
  if (requestedDevice < 0)
    requestedDevice = device;
  pthread_mutex_unlock(&errorLock);
  return usable();
}

/* NULL while nothing has failed (driver, device, JIT, launches), else the
 * first failure. */
EXPORT const char *seq_cuda_error(void) {
  pthread_once(&once, load);
  return failure[0] ? failure : NULL;
}

EXPORT void *seq_cuda_alloc(size_t bytes) {
  return mgpuMemAlloc(bytes, NULL, 0);
}

EXPORT void seq_cuda_free(void *ptr) { mgpuMemFree(ptr, NULL); }

EXPORT int seq_cuda_copy_to_device(void *device, const void *host,
                                   size_t bytes) {
  return usable() &&
         check(cu.memcpyHtoD((CUdeviceptr)(uintptr_t)device, host, bytes),
               "cuMemcpyHtoD");
}

EXPORT int seq_cuda_copy_to_host(void *host, const void *device, size_t bytes) {
  return usable() &&
         check(cu.memcpyDtoH(host, (CUdeviceptr)(uintptr_t)device, bytes),
               "cuMemcpyDtoH");
}
