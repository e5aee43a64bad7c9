/*===- BufferCache.c - reuse of a model's large temporaries -------------===*
 *
 * Compiled models allocate their temporaries through
 * _mlir_memref_to_llvm_alloc/free (finalize-memref-to-llvm with generic
 * functions). Large blocks from malloc are fresh mmaps, so a decode step
 * that frees and reallocates the same buffers page-faults them in again on
 * every token (measured: ~8 % of Mamba decode time in the kernel; A/B in
 * docs/performance.md). Blocks of 64 KiB and more are therefore kept on
 * free and handed out again for a request of the same rounded size; at
 * most kMaxBlocks blocks and $SEQ_BUFFER_CACHE_MB (default 512; 0: off)
 * are kept, the rest go back to malloc. Models call these from parallel
 * regions: one lock.
 *
 *===--------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define HIDDEN __attribute__((visibility("hidden")))

enum {
  kHeader = 16,           /* keeps malloc's 16-byte alignment */
  kMinCached = 64 * 1024, /* smaller blocks come from the heap anyway */
  kPage = 4096,
  kMaxBlocks = 64
};
static pthread_once_t once = PTHREAD_ONCE_INIT;
static uint64_t maxBytes = 512ull * 1024 * 1024;

static void readLimit(void) {
  const char *env = getenv("SEQ_BUFFER_CACHE_MB");
  if (env && *env) {
    char *end;
    unsigned long long mb = strtoull(env, &end, 10);
    if (*end == '\0')
      maxBytes = mb * 1024 * 1024;
  }
}

typedef struct {
  uint64_t size; /* bytes after the header */
} Header;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *blocks[kMaxBlocks]; /* headers of kept blocks */
static int count;
static uint64_t keptBytes;

static uint64_t rounded(uint64_t size) {
  return size < kMinCached ? size : (size + kPage - 1) / kPage * kPage;
}

HIDDEN void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  uint64_t want = rounded(size);
  if (want >= kMinCached) {
    pthread_mutex_lock(&lock);
    for (int i = count - 1; i >= 0; --i) {
      Header *h = (Header *)blocks[i];
      if (h->size == want) {
        blocks[i] = blocks[--count];
        keptBytes -= want;
        pthread_mutex_unlock(&lock);
        return (char *)h + kHeader;
      }
    }
    pthread_mutex_unlock(&lock);
  }
  Header *h = (Header *)malloc(kHeader + want);
  if (!h)
    return NULL;
  h->size = want;
  return (char *)h + kHeader;
}

HIDDEN void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  Header *h = (Header *)((char *)ptr - kHeader);
  if (h->size >= kMinCached) {
    pthread_once(&once, readLimit);
    pthread_mutex_lock(&lock);
    if (count < kMaxBlocks && keptBytes + h->size <= maxBytes) {
      blocks[count++] = h;
      keptBytes += h->size;
      pthread_mutex_unlock(&lock);
      return;
    }
    pthread_mutex_unlock(&lock);
  }
  free(h);
}

/* The kept blocks go back when the model is unloaded. */
__attribute__((destructor)) static void releaseKeptBlocks(void) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < count; ++i)
    free(blocks[i]);
  count = 0;
  keptBytes = 0;
  pthread_mutex_unlock(&lock);
}
