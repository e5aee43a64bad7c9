//===- WeightBuffer.h - memory for weights converted at load ----*- C++ -*-===//
//
// Weights the runtime converts or repacks when a model opens live here:
// uninitialised (the conversion writes every element, so its threads take
// the page faults in parallel instead of one zero-fill pass), 2 MiB aligned
// and advised as transparent huge pages when large (fewer faults while
// filling, fewer TLB misses while decode streams them).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_RUNTIME_SRC_WEIGHTBUFFER_H
#define SEQC_RUNTIME_SRC_WEIGHTBUFFER_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sys/mman.h>

namespace seqrt {

class WeightBuffer {
public:
  /// `bytes` of memory, or data() == nullptr when they cannot be had.
  explicit WeightBuffer(size_t bytes) {
    constexpr size_t kHugePage = size_t(2) << 20;
    size_t align = bytes >= kHugePage ? kHugePage : 64;
    if (bytes > SIZE_MAX - align)
      return;
    size_t rounded = (bytes + align - 1) / align * align;
    if (rounded == 0)
      rounded = align;
    memory.reset(std::aligned_alloc(align, rounded));
    if (memory && align == kHugePage)
      madvise(memory.get(), rounded, MADV_HUGEPAGE);
  }

  void *data() const { return memory.get(); }

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> memory;
};

} // namespace seqrt

#endif // SEQC_RUNTIME_SRC_WEIGHTBUFFER_H
