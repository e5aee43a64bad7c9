//===- NarrowKvAttentionTest.cpp - bf16/f16 KV caches against f64 ---------===//
//
// seq.attention reading a bf16 or f16 KV cache under an f32 query (what
// `seqc import hf --kv-cache=bf16|f16` builds): for prefill, decode, GQA,
// a key dim that is not a multiple of 16 and a ring cache, compiles a
// one-op model with `seqc`, runs it with random inputs whose keys and values
// are given in the narrow type, and compares it with the C++ reference
// (double) on the same rounded keys and values.
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
  const char *kv;   ///< "bf16" or "f16"
  int64_t ring = 0; ///< a ring cache with this sliding window, or 0
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
  std::string q = type({1, p.sq, p.hq, p.dk}, "f32"),
              k = type({1, p.slots, p.hkv, p.dk}, p.kv),
              v = type({1, p.slots, p.hkv, p.dv}, p.kv),
              o = type({1, p.sq, p.hq, p.dv}, "f32");
  std::string attrs =
      p.ring ? "{causal, ring, sliding_window = " + std::to_string(p.ring) +
                   " : i64}"
             : "{causal}";
  {
    std::ofstream mlir(dir + "/model.mlir");
    mlir << "func.func @run(%q: " << q << ", %k: " << k << ", %v: " << v
         << ", %n: index) -> " << o << " {\n"
         << "  %o = seq.attention %q, %k, %v kv_length(%n) " << attrs << " : "
         << q << ", " << k << ", " << v << " -> " << o << "\n"
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
  for (auto [t, bits] : {std::pair{&key, &keyBits}, {&value, &valueBits}})
    for (float &x : t->data) {
      bits->push_back(std::string(p.kv) == "bf16" ? seqc::test::toBf16(x)
                                                  : seqc::test::toF16(x));
      x = seqc::test::rounded(x, p.kv);
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
  seqc::test::expectMatches(
      so, nullptr,
      {seqc::test::view(query), seqc::test::view(key, keyBits.data(), narrow),
       seqc::test::view(value, valueBits.data(), narrow), length},
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
        KvShape{"ring_bf16", 3, 9, 23, 4, 2, 32, 32, "bf16", 7}),
    [](const ::testing::TestParamInfo<KvShape> &info) {
      return std::string(info.param.name);
    });

} // namespace
