/* peak.c - this machine's physical limits, for "fraction of peak" figures.
 *
 *   fma   : FP32 FMA throughput, 12 independent chains per thread of the
 *           widest FMA vectors the CPU has (16 lanes with AVX-512F, else 8
 *           with AVX2 + FMA)
 *   triad : STREAM-style a[i] = b[i] + s * c[i] over 3 x 64 MiB
 *   read  : a vectorised sum over 256 MiB
 *
 * Built and run by bench/attention.py (clang -O3 -march=native -fopenmp);
 * prints one JSON line per measurement with the thread count.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#ifdef __AVX512F__
typedef __m512 vec;
enum { kLanes = 16 };
#define VSET1 _mm512_set1_ps
#define VFMA _mm512_fmadd_ps
static float vsum(vec v) { return _mm512_reduce_add_ps(v); }
#else
typedef __m256 vec;
enum { kLanes = 8 };
#define VSET1 _mm256_set1_ps
#define VFMA _mm256_fmadd_ps
static float vsum(vec v) {
  float lanes[8];
  _mm256_storeu_ps(lanes, v);
  float s = 0;
  for (int i = 0; i < 8; ++i)
    s += lanes[i];
  return s;
}
#endif

static double fma_gflops(int threads) {
  const long iters = 200000000 / 12;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    double t0 = now();
#pragma omp parallel num_threads(threads)
    {
      vec acc[12];
      vec x = VSET1(1.0000001f), y = VSET1(0.9999999f);
      for (int k = 0; k < 12; ++k)
        acc[k] = VSET1((float)k);
      for (long i = 0; i < iters; ++i)
        for (int k = 0; k < 12; ++k)
          acc[k] = VFMA(acc[k], x, y);
      float sink = 0;
      for (int k = 0; k < 12; ++k)
        sink += vsum(acc[k]);
      if (sink == 12345.0f)
        printf("%f\n", sink);
    }
    double dt = now() - t0;
    double flops = 2.0 * kLanes * 12 * iters * threads;
    if (flops / dt / 1e9 > best)
      best = flops / dt / 1e9;
  }
  return best;
}

static double triad_gbs(int threads) {
  const long n = 16L << 20; /* floats: 64 MiB per array */
  float *a = aligned_alloc(64, n * 4), *b = aligned_alloc(64, n * 4),
        *c = aligned_alloc(64, n * 4);
#pragma omp parallel for num_threads(threads)
  for (long i = 0; i < n; ++i) {
    a[i] = 0;
    b[i] = 1;
    c[i] = 2;
  }
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now();
#pragma omp parallel for num_threads(threads)
    for (long i = 0; i < n; ++i)
      a[i] = b[i] + 3.0f * c[i];
    double dt = now() - t0;
    double gbs = 3.0 * n * 4 / dt / 1e9;
    if (gbs > best)
      best = gbs;
  }
  free(a), free(b), free(c);
  return best;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  printf("{\"bench\": \"peak\", \"threads\": %d, \"fma_gflops\": %.1f, "
         "\"triad_gbs\": %.1f}\n",
         threads, fma_gflops(threads), triad_gbs(threads));
  return 0;
}
