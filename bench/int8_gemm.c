// Prefill x·Wᵀ with W in Q8_0 blocks (32 along K, one scale each), one
// thread, three ways of doing the products — the measurement behind the
// choice of the CPU's 8-bit prefill kernel (docs/performance.md):
//
//   f32   W's block dequantized to f32 once, FMAs of f32 activations
//         (what seqc did before: 6 rows x 64 columns of accumulators)
//   vnni  activations quantized to 8 bits per block of 32 (ggml's Q8_0
//         rounding), vpdpbusd on (x + 128) and W, the 128·ΣW correction
//         and both scales applied once per block
//   amx   the same quantized activations, tdpbssd on 16x32 by 32x16 tiles,
//         the int32 tile scaled per block into f32 accumulators
//   amx-bf16xT  W's values exact in bf16, the f32 activations split into T
//         bf16 terms, tdpbf16ps, each block's f32 tile scaled (T = 2 keeps
//         f32's accuracy: what seqc's AMX kernel does)
//
// Knobs for taking the time apart (the results are then wrong): NO_REPACK=1
// skips the per-panel repacking of W, TILED_A=1 reads the bf16 activations
// from 16x32 tiles stored contiguously, NO_SCALE=1 skips the per-block
// scaling of the bf16 ways.
//
// Build and run (needs AVX-512 VNNI and AMX-INT8; Linux grants the tile
// state through arch_prctl):
//   gcc -O3 -march=native bench/int8_gemm.c -o /tmp/int8_gemm -lm
//   /tmp/int8_gemm [M N K]
// Prints one JSON line per way: GFLOP/s counting 2·M·N·K, and the largest
// difference from an f64 product of the same quantized operands.
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { Block = 32, Panel = 64 };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void *buffer(size_t bytes) {
  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  memset(p, 0, bytes);
  return p;
}

// ggml's quantize_row_q8_0 rounding: d = amax / 127, q = round(x / d).
static void quantizeRow(const float *x, int k, int8_t *q, float *d) {
  for (int b = 0; b < k / Block; ++b) {
    float amax = 0;
    for (int i = 0; i < Block; ++i)
      amax = fmaxf(amax, fabsf(x[b * Block + i]));
    float s = amax / 127.0f, inv = s ? 1.0f / s : 0.0f;
    d[b] = s;
    for (int i = 0; i < Block; ++i)
      q[b * Block + i] = (int8_t)roundf(x[b * Block + i] * inv);
  }
}

// f32: W dequantized per panel of 64 columns into [K, 64], then 6x64
// register blocks over M.
static void gemmF32(int m, int n, int k, const float *a, const int8_t *w,
                    const float *ws, float *c) {
  float *panel = buffer(sizeof(float) * k * Panel);
  for (int p = 0; p < n / Panel; ++p) {
    for (int kk = 0; kk < k; ++kk)
      for (int j = 0; j < Panel; ++j) {
        int col = p * Panel + j;
        panel[kk * Panel + j] =
            w[(size_t)col * k + kk] * ws[col * (k / Block) + kk / Block];
      }
    for (int i = 0; i < m; i += 6) {
      int rows = m - i < 6 ? m - i : 6;
      __m512 acc[6][4];
      for (int r = 0; r < 6; ++r)
        for (int v = 0; v < 4; ++v)
          acc[r][v] = _mm512_setzero_ps();
      for (int kk = 0; kk < k; ++kk) {
        __m512 b0 = _mm512_load_ps(panel + kk * Panel),
               b1 = _mm512_load_ps(panel + kk * Panel + 16),
               b2 = _mm512_load_ps(panel + kk * Panel + 32),
               b3 = _mm512_load_ps(panel + kk * Panel + 48);
        for (int r = 0; r < 6; ++r) {
          __m512 x =
              _mm512_set1_ps(a[(size_t)(i + (r < rows ? r : 0)) * k + kk]);
          acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
          acc[r][2] = _mm512_fmadd_ps(x, b2, acc[r][2]);
          acc[r][3] = _mm512_fmadd_ps(x, b3, acc[r][3]);
        }
      }
      for (int r = 0; r < rows; ++r)
        for (int v = 0; v < 4; ++v)
          _mm512_storeu_ps(c + (size_t)(i + r) * n + p * Panel + v * 16,
                           acc[r][v]);
    }
  }
  free(panel);
}

// W's panel of 64 columns in VNNI order: [K/4][64 columns][4 k].
static void vnniPanel(int n, int k, const int8_t *w, int p, int8_t *out) {
  for (int kk = 0; kk < k; ++kk)
    for (int j = 0; j < Panel; ++j)
      out[(kk / 4) * Panel * 4 + j * 4 + kk % 4] =
          w[(size_t)(p * Panel + j) * k + kk];
  (void)n;
}

// vnni: 4 rows x 64 columns per register block, per block of 32: 8
// vpdpbusd per accumulator, then (isum - 128·ΣW) · sw · sa into f32.
static void gemmVnni(int m, int n, int k, const int8_t *aq, const float *as,
                     const int8_t *w, const float *ws, float *c) {
  int blocks = k / Block;
  int8_t *panel = buffer((size_t)k * Panel);
  int32_t *wsum = buffer(sizeof(int32_t) * blocks * Panel);
  uint8_t *au = buffer((size_t)m * k);
  for (size_t i = 0; i < (size_t)m * k; ++i)
    au[i] = (uint8_t)(aq[i] + 128);
  for (int p = 0; p < n / Panel; ++p) {
    vnniPanel(n, k, w, p, panel);
    for (int b = 0; b < blocks; ++b)
      for (int j = 0; j < Panel; ++j) {
        int s = 0;
        for (int i = 0; i < Block; ++i)
          s += w[(size_t)(p * Panel + j) * k + b * Block + i];
        wsum[b * Panel + j] = 128 * s;
      }
    for (int i = 0; i < m; i += 4) {
      __m512 acc[4][4];
      for (int r = 0; r < 4; ++r)
        for (int v = 0; v < 4; ++v)
          acc[r][v] = _mm512_setzero_ps();
      for (int b = 0; b < blocks; ++b) {
        __m512i isum[4][4];
        for (int r = 0; r < 4; ++r)
          for (int v = 0; v < 4; ++v)
            isum[r][v] = _mm512_setzero_si512();
        for (int q = 0; q < Block / 4; ++q) {
          const int8_t *row = panel + (size_t)(b * Block / 4 + q) * Panel * 4;
          __m512i b0 = _mm512_load_si512(row), b1 = _mm512_load_si512(row + 64),
                  b2 = _mm512_load_si512(row + 128),
                  b3 = _mm512_load_si512(row + 192);
          for (int r = 0; r < 4; ++r) {
            __m512i x = _mm512_set1_epi32(*(
                const int32_t *)(au + (size_t)(i + r) * k + b * Block + q * 4));
            isum[r][0] = _mm512_dpbusd_epi32(isum[r][0], x, b0);
            isum[r][1] = _mm512_dpbusd_epi32(isum[r][1], x, b1);
            isum[r][2] = _mm512_dpbusd_epi32(isum[r][2], x, b2);
            isum[r][3] = _mm512_dpbusd_epi32(isum[r][3], x, b3);
          }
        }
        for (int v = 0; v < 4; ++v) {
          __m512i corr = _mm512_load_si512(wsum + b * Panel + v * 16);
          float swv[16];
          for (int j = 0; j < 16; ++j)
            swv[j] = ws[(p * Panel + v * 16 + j) * blocks + b];
          __m512 sw = _mm512_loadu_ps(swv);
          for (int r = 0; r < 4; ++r) {
            __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(isum[r][v], corr));
            __m512 s = _mm512_mul_ps(
                sw, _mm512_set1_ps(as[(size_t)(i + r) * blocks + b]));
            acc[r][v] = _mm512_fmadd_ps(f, s, acc[r][v]);
          }
        }
      }
      for (int r = 0; r < 4; ++r)
        for (int v = 0; v < 4; ++v)
          _mm512_storeu_ps(c + (size_t)(i + r) * n + p * Panel + v * 16,
                           acc[r][v]);
    }
  }
  free(panel);
  free(wsum);
  free(au);
}

// amx: per panel of 64 columns, 32 rows x 32 columns of C per step (2 A
// tiles of 16x32 bytes, 2 B tiles of 8x64 bytes, 4 C tiles of 16x16 i32),
// each block's tiles stored and scaled into f32 accumulators in L1.
struct TileConfig {
  uint8_t palette, start;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

static void gemmAmx(int m, int n, int k, const int8_t *aq, const float *as,
                    const int8_t *w, const float *ws, float *c) {
  int blocks = k / Block;
  struct TileConfig cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  for (int t = 0; t < 2; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 32;
  } // A
  for (int t = 2; t < 4; ++t) {
    cfg.rows[t] = 8;
    cfg.colsb[t] = 64;
  } // B
  for (int t = 4; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  } // C
  _tile_loadconfig(&cfg);
  int8_t *panel = buffer((size_t)k * Panel);
  float *swp = buffer(sizeof(float) * blocks * Panel);
  int32_t ct[4][16 * 16] __attribute__((aligned(64)));
  float acc[32 * Panel] __attribute__((aligned(64)));
  for (int p = 0; p < n / Panel; ++p) {
    if (!getenv("NO_REPACK"))
      vnniPanel(n, k, w, p, panel);
    for (int b = 0; b < blocks; ++b)
      for (int j = 0; j < Panel; ++j)
        swp[b * Panel + j] = ws[(p * Panel + j) * blocks + b];
    for (int i = 0; i < m; i += 32) {
      for (int half = 0; half < 2; ++half) {
        memset(acc, 0, sizeof acc);
        for (int b = 0; b < blocks; ++b) {
          _tile_zero(4);
          _tile_zero(5);
          _tile_zero(6);
          _tile_zero(7);
          _tile_loadd(0, aq + (size_t)i * k + b * Block, k);
          _tile_loadd(1, aq + (size_t)(i + 16) * k + b * Block, k);
          const int8_t *rows =
              panel + (size_t)(b * Block / 4) * Panel * 4 + half * 32 * 4;
          _tile_loadd(2, rows, Panel * 4);
          _tile_loadd(3, rows + 64, Panel * 4);
          _tile_dpbssd(4, 0, 2);
          _tile_dpbssd(5, 0, 3);
          _tile_dpbssd(6, 1, 2);
          _tile_dpbssd(7, 1, 3);
          _tile_stored(4, ct[0], 64);
          _tile_stored(5, ct[1], 64);
          _tile_stored(6, ct[2], 64);
          _tile_stored(7, ct[3], 64);
          __m512 sw0 = _mm512_load_ps(swp + b * Panel + half * 32),
                 sw1 = _mm512_load_ps(swp + b * Panel + half * 32 + 16);
          for (int r = 0; r < 32; ++r) {
            __m512 sa = _mm512_set1_ps(as[(size_t)(i + r) * blocks + b]);
            const int32_t *t0 = ct[(r / 16) * 2] + (r % 16) * 16,
                          *t1 = ct[(r / 16) * 2 + 1] + (r % 16) * 16;
            __m512 *a0 = (__m512 *)(acc + r * 32), *a1 = a0 + 1;
            *a0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(t0)),
                                  _mm512_mul_ps(sw0, sa), *a0);
            *a1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(t1)),
                                  _mm512_mul_ps(sw1, sa), *a1);
          }
        }
        for (int r = 0; r < 32; ++r)
          memcpy(c + (size_t)(i + r) * n + p * Panel + half * 32, acc + r * 32,
                 32 * sizeof(float));
      }
    }
  }
  _tile_release();
  free(panel);
  free(swp);
}

// bf16xT: W's int8 values are exact in bf16, the activations split into
// T bf16 terms (hi, then what hi leaves, ...): tdpbf16ps on 16x32 by 32x16
// tiles accumulates f32 products of exact bf16 pairs; each block's f32
// tile is scaled by the block's column scales into the accumulators.
static void splitBf16(const float *a, size_t count, int terms,
                      uint16_t *out[3]) {
  for (size_t i = 0; i < count; ++i) {
    float rest = a[i];
    for (int t = 0; t < terms; ++t) {
      uint32_t bits;
      memcpy(&bits, &rest, 4);
      uint32_t rounded = bits + 0x7fff + ((bits >> 16) & 1);
      out[t][i] = (uint16_t)(rounded >> 16);
      uint32_t back = (uint32_t)out[t][i] << 16;
      float hi;
      memcpy(&hi, &back, 4);
      rest -= hi;
    }
  }
}

static void gemmAmxBf16(int m, int n, int k, int terms, uint16_t *const *ab,
                        const int8_t *w, const float *ws, float *c) {
  int blocks = k / Block;
  int tiledA = getenv("TILED_A") != 0, noScale = getenv("NO_SCALE") != 0;
  struct TileConfig cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
  // [K/2][64 columns][2 k] bf16
  uint16_t *panel = buffer(sizeof(uint16_t) * k * Panel);
  float *swp = buffer(sizeof(float) * blocks * Panel);
  float ct[4][16 * 16] __attribute__((aligned(64)));
  float acc[32 * Panel] __attribute__((aligned(64)));
  for (int p = 0; p < n / Panel; ++p) {
    if (!getenv("NO_REPACK"))
      for (int kk = 0; kk < k; ++kk)
        for (int j = 0; j < Panel; ++j) {
          float v = w[(size_t)(p * Panel + j) * k + kk];
          uint32_t bits;
          memcpy(&bits, &v, 4);
          panel[(kk / 2) * Panel * 2 + j * 2 + kk % 2] = (uint16_t)(bits >> 16);
        }
    for (int b = 0; b < blocks; ++b)
      for (int j = 0; j < Panel; ++j)
        swp[b * Panel + j] = ws[(p * Panel + j) * blocks + b];
    for (int i = 0; i < m; i += 32) {
      for (int half = 0; half < 2; ++half) {
        memset(acc, 0, sizeof acc);
        for (int b = 0; b < blocks; ++b) {
          _tile_zero(4);
          _tile_zero(5);
          _tile_zero(6);
          _tile_zero(7);
          const uint16_t *rows =
              panel + (size_t)(b * Block / 2) * Panel * 2 + half * 32 * 2;
          _tile_loadd(2, rows, Panel * 4);
          _tile_loadd(3, rows + 32, Panel * 4);
          for (int t = 0; t < terms; ++t) {
            if (tiledA) {
              // [M/16][K/32][16][32]: each tile 1 KB contiguous
              _tile_loadd(0, ab[t] + ((size_t)(i / 16) * blocks + b) * 512, 64);
              _tile_loadd(1, ab[t] + ((size_t)(i / 16 + 1) * blocks + b) * 512,
                          64);
            } else {
              _tile_loadd(0, ab[t] + (size_t)i * k + b * Block, k * 2);
              _tile_loadd(1, ab[t] + (size_t)(i + 16) * k + b * Block, k * 2);
            }
            _tile_dpbf16ps(4, 0, 2);
            _tile_dpbf16ps(5, 0, 3);
            _tile_dpbf16ps(6, 1, 2);
            _tile_dpbf16ps(7, 1, 3);
          }
          _tile_stored(4, ct[0], 64);
          _tile_stored(5, ct[1], 64);
          _tile_stored(6, ct[2], 64);
          _tile_stored(7, ct[3], 64);
          __m512 sw0 = _mm512_load_ps(swp + b * Panel + half * 32),
                 sw1 = _mm512_load_ps(swp + b * Panel + half * 32 + 16);
          if (!noScale)
            for (int r = 0; r < 32; ++r) {
              const float *t0 = ct[(r / 16) * 2] + (r % 16) * 16,
                          *t1 = ct[(r / 16) * 2 + 1] + (r % 16) * 16;
              __m512 *a0 = (__m512 *)(acc + r * 32), *a1 = a0 + 1;
              *a0 = _mm512_fmadd_ps(_mm512_load_ps(t0), sw0, *a0);
              *a1 = _mm512_fmadd_ps(_mm512_load_ps(t1), sw1, *a1);
            }
        }
        for (int r = 0; r < 32; ++r)
          memcpy(c + (size_t)(i + r) * n + p * Panel + half * 32, acc + r * 32,
                 32 * sizeof(float));
      }
    }
  }
  _tile_release();
  free(panel);
  free(swp);
}

int main(int argc, char **argv) {
  int m = argc > 3 ? atoi(argv[1]) : 256, n = argc > 3 ? atoi(argv[2]) : 5632,
      k = argc > 3 ? atoi(argv[3]) : 2048;
  if (m % 32 || n % Panel || k % Block) {
    fprintf(stderr, "M must be a multiple of 32, N of 64, K of 32\n");
    return 1;
  }
  if (syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */,
              18 /* XTILEDATA */)) {
    fprintf(stderr, "the kernel does not grant the AMX tile state\n");
    return 1;
  }
  int blocks = k / Block;
  float *a = buffer(sizeof(float) * m * k),
        *as = buffer(sizeof(float) * m * blocks);
  float *ws = buffer(sizeof(float) * n * blocks);
  int8_t *aq = buffer((size_t)m * k), *w = buffer((size_t)n * k);
  srand(1);
  for (size_t i = 0; i < (size_t)m * k; ++i)
    a[i] = (float)rand() / RAND_MAX * 2 - 1;
  for (size_t i = 0; i < (size_t)n * k; ++i)
    w[i] = (int8_t)(rand() % 255 - 127);
  for (size_t i = 0; i < (size_t)n * blocks; ++i)
    ws[i] = 1e-3f * (1 + rand() % 100);
  for (int i = 0; i < m; ++i)
    quantizeRow(a + (size_t)i * k, k, aq + (size_t)i * k,
                as + (size_t)i * blocks);
  // f64 reference of the quantized product (what vnni and amx compute).
  double *ref = buffer(sizeof(double) * m * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int b = 0; b < blocks; ++b) {
        long t = 0;
        for (int q = 0; q < Block; ++q)
          t += aq[(size_t)i * k + b * Block + q] *
               w[(size_t)j * k + b * Block + q];
        s += (double)t * ws[j * blocks + b] * as[(size_t)i * blocks + b];
      }
      ref[(size_t)i * n + j] = s;
    }
  float *c = buffer(sizeof(float) * m * n);
  const char *names[] = {"f32",        "vnni",       "amx",
                         "amx-bf16x1", "amx-bf16x2", "amx-bf16x3"};
  uint16_t *ab[3];
  for (int t = 0; t < 3; ++t)
    ab[t] = buffer(sizeof(uint16_t) * m * k);
  float *ad = buffer(sizeof(float) * m * k);
  for (size_t i = 0; i < (size_t)m * k; ++i)
    ad[i] = aq[i] * as[i / Block];
  for (int way = 0; way < 6; ++way) {
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      double t0 = now();
      if (way == 0) {
        // f32 multiplies the unquantized activations: dequantize them so
        // that all three compute the same product.
        float *ad = buffer(sizeof(float) * m * k);
        for (size_t i = 0; i < (size_t)m * k; ++i)
          ad[i] = aq[i] * as[i / Block];
        t0 = now();
        gemmF32(m, n, k, ad, w, ws, c);
        free(ad);
      } else if (way == 1) {
        gemmVnni(m, n, k, aq, as, w, ws, c);
      } else if (way == 2) {
        gemmAmx(m, n, k, aq, as, w, ws, c);
      } else {
        splitBf16(ad, (size_t)m * k, way - 2, ab);
        gemmAmxBf16(m, n, k, way - 2, ab, w, ws, c);
      }
      double t = now() - t0;
      if (t < best)
        best = t;
    }
    double err = 0, scale = 0;
    for (size_t i = 0; i < (size_t)m * n; ++i) {
      err = fmax(err, fabs(c[i] - ref[i]));
      scale = fmax(scale, fabs(ref[i]));
    }
    printf("{\"way\": \"%s\", \"m\": %d, \"n\": %d, \"k\": %d, \"ms\": %.3f, "
           "\"gflops\": %.1f, \"max_rel_err\": %.2e}\n",
           names[way], m, n, k, best * 1e3, 2.0 * m * n * k / best * 1e-9,
           err / scale);
  }
  return 0;
}
