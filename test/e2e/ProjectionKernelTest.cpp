//===- ProjectionKernelTest.cpp - seq.linear's CPU kernels against the
// reference -===//
//
// seq.linear x·Wᵀ has three CPU kernels, chosen by shape: one row at a time
// (decode), 4 × 4 dot-product tiles (a few rows), and from 64 rows W's
// columns packed k-major per task with an outer-product micro-kernel of 6
// rows (K in blocks of at most 2048, the last possibly shorter). Each case
// compiles a one-op model (static rows, or rows only known at run time, which
// picks the kernel when it runs) and compares it with the plain C++ reference
// (double precision) on deterministic random inputs, with 1 and 2 threads.
// W bound from a file may be kept in bf16/f16 (widened in registers); the
// reference then uses W rounded the same way.
//
// Tolerance: max |compiled - reference| <= 1e-4 · (1 + max |reference|)
// (float32 sums of up to 2320 products are ~1e-6 relative).
//
//===----------------------------------------------------------------------===//

#include "test/e2e/ExpectMatches.h"
#include "test/e2e/HalfFloats.h"
#include "test/e2e/SeqcUnderTest.h"
#include "test/e2e/reference/SeqReference.h"

#include "seq/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

using seqref::Tensor;

namespace {

using seqc::test::expectMatches;
using seqc::test::rounded;
using seqc::test::toBf16;
using seqc::test::toF16;
using seqc::test::view;

struct Shape {
  int64_t rows, out, in;
  bool dynamicRows; // the model's input is tensor<?x in>
  // W is the model's seq.weight "w", bound from a safetensors file: the
  // runtime repacks it into panels where seq-pack-weights chose them.
  bool bound = false;
  // The element type the model reads W in ("f32", or "bf16"/"f16": W
  // stays narrow in memory and is widened in the kernel's registers) and
  // the one the file stores it in ("F32", "BF16", "F16"; the runtime
  // converts, rounding to nearest even). The reference uses W rounded to
  // the narrower of the two.
  const char *compiled = "f32";
  const char *file = "F32";
};

Tensor random(std::vector<int64_t> shape, unsigned seed, float scale) {
  Tensor t(std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  for (float &v : t.data)
    v = dist(gen);
  return t;
}

/// A safetensors file holding the tensor `w` as `dtype` ("F32", "BF16",
/// "F16"; `w` must then hold values of that precision already).
std::string writeWeights(const std::string &dir, const Tensor &w,
                         const std::string &dtype = "F32") {
  std::string path = dir + "/w.safetensors";
  bool half = dtype != "F32";
  size_t bytes = w.data.size() * (half ? 2 : sizeof(float));
  std::vector<uint16_t> halves;
  for (float v : w.data)
    halves.push_back(dtype == "BF16" ? toBf16(v) : toF16(v));
  std::string header = std::string("{\"w\":{\"dtype\":\"") + dtype +
                       "\",\"shape\":[" + std::to_string(w.shape[0]) + "," +
                       std::to_string(w.shape[1]) + "],\"data_offsets\":[0," +
                       std::to_string(bytes) + "]}}";
  uint64_t n = header.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(&n), sizeof n);
  out << header;
  const void *data = half ? static_cast<const void *>(halves.data())
                          : static_cast<const void *>(w.data.data());
  out.write(static_cast<const char *>(data),
            static_cast<std::streamsize>(bytes));
  return path;
}

class ProjectionKernelTest : public ::testing::TestWithParam<Shape> {};

TEST_P(ProjectionKernelTest, MatchesReference) {
  const Shape &p = GetParam();
  std::string rows = p.dynamicRows ? "?" : std::to_string(p.rows);
  std::string x = "tensor<" + rows + "x" + std::to_string(p.in) + "xf32>",
              w = "tensor<" + std::to_string(p.out) + "x" +
                  std::to_string(p.in) + "x" + p.compiled + ">",
              y = "tensor<" + rows + "x" + std::to_string(p.out) + "xf32>";
  std::string dir = ::testing::TempDir() + "/seqc-projection-" +
                    (p.bound ? "bound-" : "") + p.compiled + "-" + p.file +
                    "-" + rows + "-" + std::to_string(p.rows) + "-" +
                    std::to_string(p.out) + "-" + std::to_string(p.in);
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string mlir = dir + "/model.mlir", so = dir + "/model.so";
  {
    std::ofstream f(mlir);
    if (p.bound)
      f << "func.func @run(%x: " << x << ") -> " << y
        << " {\n  %w = seq.weight \"w\" : " << w;
    else
      f << "func.func @run(%x: " << x << ", %w: " << w << ") -> " << y << " {";
    f << "\n  %y = seq.linear %x, %w : " << x << ", " << w << " -> " << y
      << "\n  return %y : " << y << "\n}\n";
  }
  std::string cmd = seqc::test::seqcExecutable() + " " + mlir + " -o " + so +
                    " --parallel-threshold=1 2> " + dir + "/seqc.log";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "see " << dir << "/seqc.log";
  if (seqc::test::compileOnly())
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";

  Tensor input = random({p.rows, p.in}, 1, 1.0f);
  Tensor weight = random({p.out, p.in}, 2, 1.0f / std::sqrt(float(p.in)));
  std::string narrow = std::string(p.file) == "BF16"  ? "bf16"
                       : std::string(p.file) == "F16" ? "f16"
                                                      : p.compiled;
  for (float &v : weight.data)
    v = rounded(v, narrow);
  Tensor expected = seqref::linear(input, weight);
  std::string weights = p.bound ? writeWeights(dir, weight, p.file) : "";
  std::vector<seq_tensor> inputs = {view(input)};
  if (!p.bound)
    inputs.push_back(view(weight));
  expectMatches(so, p.bound ? weights.c_str() : nullptr, inputs, expected,
                /*validate=*/false);
}

TEST(ProjectionWeights, NonFiniteValueOfPanelsIsReportedWhereStored) {
  // W [64, 16] goes into panels [1, 16, 64]; validate_weights names the
  // stored element, not its place in the panel.
  std::string dir = ::testing::TempDir() + "/seqc-projection-nan";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string mlir = dir + "/model.mlir", so = dir + "/model.so";
  {
    std::ofstream f(mlir);
    f << "func.func @run(%x: tensor<2x16xf32>) -> tensor<2x64xf32> {\n"
         "  %w = seq.weight \"w\" : tensor<64x16xf32>\n"
         "  %y = seq.linear %x, %w : tensor<2x16xf32>, tensor<64x16xf32> -> "
         "tensor<2x64xf32>\n"
         "  return %y : tensor<2x64xf32>\n}\n";
  }
  ASSERT_EQ(std::system((seqc::test::seqcExecutable() + " " + mlir + " -o " +
                         so + " --emit=seq -o " + dir + "/packed.mlir")
                            .c_str()),
            0);
  std::ifstream packed(dir + "/packed.mlir");
  std::string text((std::istreambuf_iterator<char>(packed)),
                   std::istreambuf_iterator<char>());
  ASSERT_NE(text.find("seq.weight \"w\" panels : tensor<1x16x64xf32>"),
            std::string::npos)
      << text;
  ASSERT_EQ(std::system((seqc::test::seqcExecutable() + " " + mlir + " -o " +
                         so + " 2> " + dir + "/seqc.log")
                            .c_str()),
            0);
  if (seqc::test::compileOnly())
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";
  Tensor weight = random({64, 16}, 3, 0.25f);
  weight.data[37 * 16 + 5] = std::nanf("");
  std::string weights = writeWeights(dir, weight);
  seq_model_options options;
  seq_model_options_init(&options);
  options.validate_weights = 1;
  seq_model *model = nullptr;
  EXPECT_EQ(seq_model_open(so.c_str(), weights.c_str(), &options, &model),
            SEQ_ERROR_INVALID_WEIGHTS);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(seq_last_error())
                .find("weight 'w' holds NaN at index 597 ([37, 5] of "
                      "f32[64,16])"),
            std::string::npos)
      << seq_last_error();
}

// Block-quantized W (seq.linear `scales`): i8 values [N, K] and scales
// [N, K/block] in a file, dequantized by the kernels in registers (panels:
// one row streams the values with the scales applied per block, several
// rows dequantize a panel block into f32 once per task) or by the generic
// contraction ([N, K] when N is not a multiple of 32). The reference is the
// double-precision product with W = value · scale, the scale taken as
// stored (rounded to its dtype).
struct QuantizedShape {
  int64_t rows, out, in;
  bool dynamicRows;
  int64_t block;
  const char *scaleDtype; // "F16", "BF16" or "F32"
  int bits = 8;           // 4: two values per byte, (nibble - 8) · scale
  bool affine = false;    // offsets: q · scale + offset (4-bit q unsigned)
};

/// One tensor of a safetensors file.
struct StoredTensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

std::string writeSafetensors(const std::string &path,
                             const std::vector<StoredTensor> &tensors) {
  std::string header = "{";
  size_t offset = 0;
  for (const StoredTensor &t : tensors) {
    std::string dims;
    for (int64_t d : t.shape)
      dims += (dims.empty() ? "" : ",") + std::to_string(d);
    header += (offset || header.size() > 1 ? "," : "") + std::string("\"") +
              t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[" + dims +
              "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + t.bytes.size()) + "]}";
    offset += t.bytes.size();
  }
  header += "}";
  uint64_t n = header.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(&n), sizeof n);
  out << header;
  for (const StoredTensor &t : tensors)
    out.write(reinterpret_cast<const char *>(t.bytes.data()),
              static_cast<std::streamsize>(t.bytes.size()));
  return path;
}

/// `x` (already of `dtype`'s precision) appended to `bytes` as f32, bf16 or
/// f16 ("f32", "bf16", "f16"), little-endian.
void appendAs(std::vector<uint8_t> &bytes, float x, const std::string &dtype) {
  uint32_t bits32;
  std::memcpy(&bits32, &x, sizeof bits32);
  uint16_t bits16 = dtype == "bf16" ? toBf16(x) : toF16(x);
  const uint8_t *from = dtype == "f32"
                            ? reinterpret_cast<const uint8_t *>(&bits32)
                            : reinterpret_cast<const uint8_t *>(&bits16);
  bytes.insert(bytes.end(), from, from + (dtype == "f32" ? 4 : 2));
}

class QuantizedProjectionTest
    : public ::testing::TestWithParam<QuantizedShape> {};

TEST_P(QuantizedProjectionTest, MatchesReference) {
  const QuantizedShape &p = GetParam();
  int64_t groups = p.in / p.block;
  std::string scaleType = std::string(p.scaleDtype) == "F16"    ? "f16"
                          : std::string(p.scaleDtype) == "BF16" ? "bf16"
                                                                : "f32";
  std::string rows = p.dynamicRows ? "?" : std::to_string(p.rows);
  int64_t stored = p.bits == 4 ? p.in / 2 : p.in;
  std::string x = "tensor<" + rows + "x" + std::to_string(p.in) + "xf32>",
              w = "tensor<" + std::to_string(p.out) + "x" +
                  std::to_string(stored) + "xi8>",
              sc = "tensor<" + std::to_string(p.out) + "x" +
                   std::to_string(groups) + "x" + scaleType + ">",
              y = "tensor<" + rows + "x" + std::to_string(p.out) + "xf32>";
  std::string dir = ::testing::TempDir() + "/seqc-projection-q" +
                    std::to_string(p.bits) + (p.affine ? "a" : "b") +
                    std::to_string(p.block) + "-" + scaleType + "-" + rows +
                    "-" + std::to_string(p.rows) + "-" + std::to_string(p.out) +
                    "-" + std::to_string(p.in);
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string mlir = dir + "/model.mlir", so = dir + "/model.so";
  {
    std::ofstream f(mlir);
    f << "func.func @run(%x: " << x << ") -> " << y
      << " {\n  %w = seq.weight \"w\" : " << w
      << "\n  %s = seq.weight \"w_scale\" : " << sc;
    if (p.affine)
      f << "\n  %m = seq.weight \"w_offset\" : " << sc;
    f << "\n  %y = seq.linear %x, %w scales %s"
      << (p.affine ? " offsets %m" : "") << (p.bits == 4 ? " {bits = 4}" : "")
      << " : " << x << ", " << w << " scales " << sc
      << (p.affine ? " offsets " + sc : "") << " -> " << y
      << "\n  return %y : " << y << "\n}\n";
  }
  std::string cmd = seqc::test::seqcExecutable() + " " + mlir + " -o " + so +
                    " --parallel-threshold=1 2> " + dir + "/seqc.log";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "see " << dir << "/seqc.log";
  if (seqc::test::compileOnly())
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";

  std::mt19937 gen(7);
  std::uniform_int_distribution<int> value(-127, 127), nibble(0, 15);
  std::uniform_real_distribution<float> spread(0.5f, 1.5f);
  StoredTensor values{"w", "I8", {p.out, stored}, {}};
  StoredTensor scales{"w_scale", p.scaleDtype, {p.out, groups}, {}};
  StoredTensor offsets{"w_offset", p.scaleDtype, {p.out, groups}, {}};
  std::vector<float> scale(static_cast<size_t>(p.out * groups)),
      offset(scale.size(), 0.0f);
  for (float &m : offset) {
    if (!p.affine)
      break;
    m = rounded((spread(gen) - 1.0f) / std::sqrt(float(p.in)), scaleType);
    appendAs(offsets.bytes, m, scaleType);
  }
  for (float &s : scale) {
    s = rounded(spread(gen) / (127.0f * std::sqrt(float(p.in))), scaleType);
    appendAs(scales.bytes, s, scaleType);
  }
  Tensor weight({p.out, p.in});
  for (int64_t n = 0; n < p.out; ++n)
    for (int64_t k = 0; k < p.in; ++k) {
      float s = scale[n * groups + k / p.block];
      float m = offset[n * groups + k / p.block];
      if (p.bits == 4) {
        // Element k: the low nibble of byte k / 2 when k is even; -8 unless
        // affine.
        int q = nibble(gen);
        if (k % 2 == 0)
          values.bytes.push_back(static_cast<uint8_t>(q));
        else
          values.bytes.back() |= static_cast<uint8_t>(q << 4);
        weight.data[n * p.in + k] =
            p.affine ? float(q) * s + m : float(q - 8) * s;
        continue;
      }
      int q = value(gen);
      values.bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(q)));
      weight.data[n * p.in + k] = float(q) * s + m;
    }
  std::vector<StoredTensor> files{values, scales};
  if (p.affine)
    files.push_back(offsets);
  std::string weights = writeSafetensors(dir + "/w.safetensors", files);
  Tensor input = random({p.rows, p.in}, 1, 1.0f);
  Tensor expected = seqref::linear(input, weight);
  expectMatches(so, weights.c_str(), {view(input)}, expected,
                /*validate=*/true);
}

std::string
quantizedName(const ::testing::TestParamInfo<QuantizedShape> &info) {
  const QuantizedShape &p = info.param;
  return std::string(p.bits == 4 ? "q4_" : "q") + (p.affine ? "affine_" : "") +
         std::to_string(p.block) + "_" + p.scaleDtype +
         (p.dynamicRows ? "_dynamic_" : "_static_") + std::to_string(p.rows) +
         "x" + std::to_string(p.out) + "x" + std::to_string(p.in);
}

// On a host with AMX-BF16 (seqc compiles for the host) the cases of
// several rows with K a multiple of 32 run the AMX kernel
// (AmxQuantizedMatmul.cpp), the others the vector FMA kernels.
// Blocks of 32 with f16 scales (ggml's Q8_0) in panels of 64 (N = 128) and
// 32 (N = 96): one row, rows known only at run time (5, 70: tiles of 6, 2,
// 1), K = 2336 in two dequantized blocks (1168 deep: the second starts
// inside a scale block); other block sizes (3, 1, 128) and scale types
// (bf16, f32); [N, K] (N = 100) on the generic contraction.
INSTANTIATE_TEST_SUITE_P(
    Blocks, QuantizedProjectionTest,
    ::testing::Values(QuantizedShape{1, 128, 512, false, 32, "F16"},
                      QuantizedShape{1, 96, 64, true, 32, "F16"},
                      QuantizedShape{5, 128, 512, true, 32, "F16"},
                      QuantizedShape{70, 128, 512, true, 32, "F16"},
                      QuantizedShape{67, 96, 2336, false, 32, "F16"},
                      QuantizedShape{1, 64, 2336, false, 32, "F16"},
                      QuantizedShape{3, 64, 96, false, 3, "BF16"},
                      QuantizedShape{1, 64, 96, false, 1, "F32"},
                      QuantizedShape{66, 64, 128, false, 128, "F32"},
                      // Past two AMX chunks of 2048 (33 rows: one full
                      // 32-row step and one row).
                      QuantizedShape{33, 64, 4160, true, 32, "F16"},
                      QuantizedShape{33, 64, 4160, true, 32, "F16", 4},
                      QuantizedShape{9, 100, 64, false, 32, "F16"},
                      QuantizedShape{1, 100, 64, false, 32, "F16"},
                      // 4-bit values (Q4_0: blocks of 32, f16 scales), the
                      // same kernels and layouts.
                      QuantizedShape{1, 128, 512, false, 32, "F16", 4},
                      QuantizedShape{1, 96, 64, true, 32, "F16", 4},
                      QuantizedShape{70, 128, 512, true, 32, "F16", 4},
                      QuantizedShape{67, 96, 2336, false, 32, "F16", 4},
                      QuantizedShape{1, 64, 2336, false, 32, "F16", 4},
                      QuantizedShape{3, 64, 96, false, 2, "BF16", 4},
                      QuantizedShape{9, 100, 64, false, 32, "F16", 4},
                      QuantizedShape{1, 100, 64, false, 32, "F16", 4},
                      // Affine blocks (offsets): Q4_1 / GPTQ-style 4-bit
                      // groups of 32 and 128, and 8-bit.
                      QuantizedShape{1, 128, 512, false, 32, "F16", 4, true},
                      QuantizedShape{70, 128, 512, true, 128, "F16", 4, true},
                      QuantizedShape{1, 96, 256, true, 128, "BF16", 4, true},
                      QuantizedShape{9, 100, 64, false, 32, "F32", 4, true},
                      QuantizedShape{5, 64, 96, true, 32, "F16", 8, true},
                      // Blocks of 16 (Q6_K; Q2_K/Q3_K affine 4-bit) and 3:
                      // on AMX the panel goes to the tiles dequantized, as
                      // two bf16 terms, in chunks of 1024 k.
                      QuantizedShape{33, 64, 4160, true, 16, "F32"},
                      QuantizedShape{67, 96, 2336, false, 16, "F32"},
                      QuantizedShape{70, 128, 512, true, 16, "F32", 4, true},
                      QuantizedShape{40, 64, 1056, false, 16, "F16", 4}),
    quantizedName);

std::string shapeName(const ::testing::TestParamInfo<Shape> &info) {
  const Shape &p = info.param;
  std::string storage = std::string(p.compiled) == "f32" && p.file[1] == '3'
                            ? ""
                            : std::string(p.compiled) + "_from_" + p.file + "_";
  return std::string(p.bound ? "bound_" : "") + storage +
         (p.dynamicRows ? "dynamic_" : "static_") + std::to_string(p.rows) +
         "x" + std::to_string(p.out) + "x" + std::to_string(p.in);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ProjectionKernelTest,
    ::testing::Values(
        // Packed, 4 vectors of columns, K in one block; 70 rows = 11 tiles
        // of 6 + 4 single rows.
        Shape{70, 128, 512, false}, Shape{70, 128, 512, true},
        // Packed, 2 vectors of columns (N = 96).
        Shape{67, 96, 48, false},
        // K = 2320 in 2 blocks: 1168 deep, then a shorter last one (1152).
        Shape{64, 64, 2320, true}, Shape{66, 64, 2320, false},
        // Below 64 rows: the dot-product tiles; the same library with 5
        // rows and with 1 (decode).
        Shape{20, 64, 64, false}, Shape{5, 128, 512, true},
        Shape{1, 128, 512, true}),
    shapeName);

// W bound from a file: in panels of 64 (N = 128) or 32 (N = 96) columns,
// the kernel reading them in place from one row up (rows in tiles of 6,
// then 2, then 1: 16 = 6 + 6 + 2 + 2, 5 = 2 + 2 + 1); N = 100 keeps [N, K].
INSTANTIATE_TEST_SUITE_P(
    BoundWeights, ProjectionKernelTest,
    ::testing::Values(
        Shape{70, 128, 512, false, true}, Shape{67, 96, 48, true, true},
        Shape{66, 64, 2320, false, true}, Shape{5, 128, 512, true, true},
        Shape{16, 128, 512, false, true}, Shape{1, 128, 512, true, true},
        Shape{1, 96, 48, false, true}, Shape{9, 100, 64, false, true},
        // Stored as bf16: converted, then repacked.
        Shape{70, 128, 512, false, true, "f32", "BF16"},
        Shape{1, 96, 48, false, true, "f32", "BF16"}),
    shapeName);

// W kept in bf16 or f16 in memory (as stored, or rounded at load from an
// f32 file), widened in registers by every kernel: panels of 64 and 32,
// K in two blocks, rows in tiles of 6 / 2 / 1 and decode, rows known only
// at run time, and [N, K] (N = 100) on the dot-product tiles.
INSTANTIATE_TEST_SUITE_P(
    NarrowWeights, ProjectionKernelTest,
    ::testing::Values(Shape{70, 128, 512, false, true, "bf16", "BF16"},
                      Shape{67, 96, 48, true, true, "bf16", "BF16"},
                      Shape{66, 64, 2320, false, true, "bf16", "BF16"},
                      Shape{1, 128, 512, true, true, "bf16", "BF16"},
                      Shape{9, 100, 64, false, true, "bf16", "BF16"},
                      Shape{1, 100, 64, false, true, "bf16", "BF16"},
                      Shape{16, 128, 512, false, true, "bf16", "F32"},
                      // On an AMX host, several rows of bf16 panels run on
                      // the tiles: K past two chunks of 2048 (blocks of 64
                      // k per store), blocks of 32 (K = 2336) in panels of
                      // 32; K = 2320 above is not a multiple of 32 (FMAs).
                      Shape{33, 64, 4160, true, true, "bf16", "BF16"},
                      Shape{40, 96, 2336, false, true, "bf16", "BF16"},
                      Shape{70, 128, 512, false, true, "f16", "F16"},
                      Shape{1, 96, 48, false, true, "f16", "F16"},
                      Shape{5, 128, 512, true, true, "f16", "F32"}),
    shapeName);

} // namespace
