/*===- MemrefCopy.c - support routines linked into every model ----------===*
 *
 * MLIR's memref-to-LLVM lowering calls `memrefCopy` for copies between
 * memrefs whose layouts it cannot prove contiguous. Upstream provides it in
 * libmlir_c_runner_utils; seqc links this small, dependency-free version into
 * each compiled model instead, so a model .so needs only libc and libm.
 *
 *===--------------------------------------------------------------------===*/

#include <stdint.h>
#include <string.h>

/* The layouts MLIR passes: an unranked memref points at a ranked descriptor
 * {allocated, aligned, offset, sizes[rank], strides[rank]}. */
typedef struct {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;

typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t shape[]; /* sizes[rank] then strides[rank] */
} RankedMemRef;

__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  RankedMemRef *s = (RankedMemRef *)src->descriptor;
  RankedMemRef *d = (RankedMemRef *)dst->descriptor;
  const int64_t *sizes = s->shape;
  const int64_t *srcStrides = s->shape + rank;
  const int64_t *dstStrides = d->shape + rank;
  char *srcBase = s->aligned + s->offset * elemSize;
  char *dstBase = d->aligned + d->offset * elemSize;

  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= sizes[i];
  if (total == 0)
    return;
  if (rank == 0) {
    memcpy(dstBase, srcBase, (size_t)elemSize);
    return;
  }
  /* Walk the index space odometer-style; contiguous innermost runs are
   * copied with one memcpy. */
  int64_t inner = sizes[rank - 1];
  int contiguous = srcStrides[rank - 1] == 1 && dstStrides[rank - 1] == 1;
  int64_t index[64] = {0};
  if (rank > 64)
    return; /* MLIR never produces such ranks. */
  for (;;) {
    int64_t srcOff = 0, dstOff = 0;
    for (int64_t i = 0; i < rank - 1; ++i) {
      srcOff += index[i] * srcStrides[i];
      dstOff += index[i] * dstStrides[i];
    }
    if (contiguous) {
      memcpy(dstBase + dstOff * elemSize, srcBase + srcOff * elemSize,
             (size_t)(inner * elemSize));
    } else {
      for (int64_t j = 0; j < inner; ++j)
        memcpy(dstBase + (dstOff + j * dstStrides[rank - 1]) * elemSize,
               srcBase + (srcOff + j * srcStrides[rank - 1]) * elemSize,
               (size_t)elemSize);
    }
    int64_t dim = rank - 2;
    while (dim >= 0 && ++index[dim] == sizes[dim])
      index[dim--] = 0;
    if (dim < 0)
      return;
  }
}
