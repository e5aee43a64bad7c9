//===- NarrowKvAttentionTest.cpp - bf16/f16/8-bit KV caches against f64 ---===//
//
// seq.attention reading a bf16, f16 or 8-bit KV cache under an f32 query
// (what `seqc import hf --kv-cache=bf16|f16|q8` builds): for prefill,
// decode, GQA, a key dim that is not a multiple of 16 and a ring cache,
// compiles a one-op model with `seqc`, runs it with random inputs whose keys
// and values are given in the narrow type (8-bit: random i8 values and f16
// block scales), and compares it with the C++ reference (double) on the
// keys and values they stand for.
//
// Tolerance: max |compiled - reference| <= 1e-4 · (1 + max |reference|),
// float32 against double; a key or value read in the wrong width or at the
// wrong offset is off by far more.
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
#include <fstream>
#include <random>
#include <string>

using seqref::Tensor;

namespace {

struct KvShape {
  const char *name;
  int64_t sq, slots, kvLength, hq, hkv, dk, dv;
  const char *kv;   ///< "bf16", "f16" or "q8"
  int64_t ring = 0; ///< a ring cache with this sliding window, or 0
  /// q8: elements per scale along the key and value dims.
  int64_t keyBlock = 0, valueBlock = 0;
};

std::string type(std::vector<int64_t> shape, const std::string &element) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + element + ">";
}

Tensor random(std::vector<int64_t> shape, unsigned seed) {
  Tensor t(std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float &v : t.data)
    v = dist(gen);
  return t;
}

class NarrowKvAttentionTest : public ::testing::TestWithParam<KvShape> {};

TEST_P(NarrowKvAttentionTest, MatchesReference) {
  const KvShape &p = GetParam();
  std::string dir = ::testing::TempDir() + "/seqc-kv-" + p.name;
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  bool q8 = std::string(p.kv) == "q8";
  std::string stored = q8 ? "i8" : p.kv;
  std::string q = type({1, p.sq, p.hq, p.dk}, "f32"),
              k = type({1, p.slots, p.hkv, p.dk}, stored),
              v = type({1, p.slots, p.hkv, p.dv}, stored),
              o = type({1, p.sq, p.hq, p.dv}, "f32");
  std::string ks, vs;
  if (q8) {
    ks = type({1, p.slots, p.hkv, p.dk / p.keyBlock}, "f16");
    vs = type({1, p.slots, p.hkv, p.dv / p.valueBlock}, "f16");
  }
  std::string attrs =
      p.ring ? "{causal, ring, sliding_window = " + std::to_string(p.ring) +
                   " : i64}"
             : "{causal}";
  {
    std::ofstream mlir(dir + "/model.mlir");
    mlir << "func.func @run(%q: " << q << ", %k: " << k << ", %v: " << v
         << ", %n: index" << (q8 ? ", %ks: " + ks + ", %vs: " + vs : "")
         << ") -> " << o << " {\n"
         << "  %o = seq.attention %q, %k, %v kv_length(%n) "
         << (q8 ? "scales(%ks, %vs) " : "") << attrs << " : " << q << ", " << k
         << ", " << v << (q8 ? " scales " + ks + ", " + vs : "") << " -> " << o
         << "\n"
         << "  return %o : " << o << "\n}\n";
  }
  std::string so = dir + "/model.so";
  ASSERT_EQ(std::system((seqc::test::seqcExecutable() + " " + dir +
                         "/model.mlir -o " + so + " 2> " + dir + "/seqc.log")
                            .c_str()),
            0)
      << "seqc failed; see " << dir << "/seqc.log";
  if (seqc::test::compileOnly())
    GTEST_SKIP() << "compiled only (SEQC_TEST_COMPILE_ONLY)";

  Tensor query = random({1, p.sq, p.hq, p.dk}, 1),
         key = random({1, p.slots, p.hkv, p.dk}, 2),
         value = random({1, p.slots, p.hkv, p.dv}, 3);
  // The model gets the narrow bits; the reference their exact values.
  std::vector<uint16_t> keyBits, valueBits;
  // 8-bit: values in [-127, 127], a random f16 scale per block.
  std::vector<int8_t> keyCodes, valueCodes;
  std::vector<uint16_t> keyScaleBits, valueScaleBits;
  std::mt19937 gen(4);
  std::uniform_int_distribution<int> code(-127, 127);
  std::uniform_real_distribution<float> scale(0.001f, 0.02f);
  for (auto [t, bits, codes, scaleBits, block] :
       {std::tuple{&key, &keyBits, &keyCodes, &keyScaleBits, p.keyBlock},
        {&value, &valueBits, &valueCodes, &valueScaleBits, p.valueBlock}})
    for (size_t i = 0; i < t->data.size(); ++i) {
      float &x = t->data[i];
      if (!q8) {
        bits->push_back(std::string(p.kv) == "bf16" ? seqc::test::toBf16(x)
                                                    : seqc::test::toF16(x));
        x = seqc::test::rounded(x, p.kv);
        continue;
      }
      if (i % block == 0)
        scaleBits->push_back(seqc::test::toF16(scale(gen)));
      codes->push_back(static_cast<int8_t>(code(gen)));
      x = float(codes->back()) * seqc::test::fromF16(scaleBits->back());
    }
  seqref::AttentionOptions options;
  options.causal = true;
  options.ring = p.ring > 0;
  if (p.ring)
    options.slidingWindow = p.ring;
  Tensor expected =
      seqref::attention(query, key, value, nullptr, p.kvLength, options);

  seq_dtype narrow =
      std::string(p.kv) == "bf16" ? SEQ_DTYPE_BF16 : SEQ_DTYPE_F16;
  int64_t kvLength = p.kvLength;
  seq_tensor length{};
  length.dtype = SEQ_DTYPE_I64;
  length.data = &kvLength;
  if (!q8) {
    seqc::test::expectMatches(
        so, nullptr,
        {seqc::test::view(query), seqc::test::view(key, keyBits.data(), narrow),
         seqc::test::view(value, valueBits.data(), narrow), length},
        expected);
    return;
  }
  Tensor keyScales({1, p.slots, p.hkv, p.dk / p.keyBlock}),
      valueScales({1, p.slots, p.hkv, p.dv / p.valueBlock});
  seqc::test::expectMatches(
      so, nullptr,
      {seqc::test::view(query),
       seqc::test::view(key, keyCodes.data(), SEQ_DTYPE_I8),
       seqc::test::view(value, valueCodes.data(), SEQ_DTYPE_I8), length,
       seqc::test::view(keyScales, keyScaleBits.data(), SEQ_DTYPE_F16),
       seqc::test::view(valueScales, valueScaleBits.data(), SEQ_DTYPE_F16)},
      expected);
}

INSTANTIATE_TEST_SUITE_P(
    Caches, NarrowKvAttentionTest,
    ::testing::Values(
        // Prefill of 37 queries at positions 8..44 of a 64-slot cache.
        KvShape{"prefill_gqa_bf16", 37, 64, 45, 8, 2, 32, 32, "bf16"},
        KvShape{"prefill_f16", 29, 96, 70, 4, 4, 64, 64, "f16"},
        // Decode: one query against 257 of 300 slots.
        KvShape{"decode_f16", 1, 300, 257, 4, 4, 64, 64, "f16"},
        KvShape{"decode_gqa_bf16", 1, 128, 100, 8, 2, 16, 16, "bf16"},
        // A key dim of 24: the last 8 lanes of each key are a masked read.
        KvShape{"prefill_key_dim_24_bf16", 13, 32, 20, 4, 1, 24, 32, "bf16"},
        // A ring of 9 slots for a window of 7, 3 queries at 20..22.
        KvShape{"ring_bf16", 3, 9, 23, 4, 2, 32, 32, "bf16", 7},
        // 8-bit caches, blocks of 32 (the import's) and of a whole head:
        // the vector kernel for prefill and decode.
        KvShape{"prefill_gqa_q8", 37, 64, 45, 8, 2, 64, 64, "q8", 0, 32, 32},
        KvShape{"decode_q8", 1, 300, 257, 4, 4, 128, 128, "q8", 0, 32, 32},
        KvShape{"decode_gqa_q8_per_head", 1, 128, 100, 8, 2, 16, 16, "q8", 0,
                16, 16},
        KvShape{"ring_q8", 3, 9, 23, 4, 2, 32, 32, "q8", 7, 32, 32},
        // Blocks of 24 and 8 (not whole vectors): the linalg flash form
        // dequantizes each key tile.
        KvShape{"prefill_key_dim_24_q8", 13, 32, 20, 4, 1, 24, 32, "q8", 0, 24,
                8}),
    [](const ::testing::TestParamInfo<KvShape> &info) {
      return std::string(info.param.name);
    });

} // namespace
