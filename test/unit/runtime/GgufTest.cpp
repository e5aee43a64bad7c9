//===- GgufTest.cpp - the GGUF reader and ggml's block formats ------------===//
//
// Block decoding against gguf-py's dequantization of random blocks of every
// readable type (tools/goldens/make_gguf_goldens.py, blocks/), a GGUF file
// seen as its Hugging Face checkpoint (names, Llama's query/key rows), and
// one test per validation error on files built by GgufBuilder.h, each
// checking that the message names the file and what is wrong; every prefix
// of a valid file is refused cleanly.
//
//===----------------------------------------------------------------------===//

#include "Gguf.h"
#include "GgmlBlocks.h"
#include "GgufCheckpoint.h"
#include "Half.h"
#include "SafeTensors.h"

#include "test/unit/reference/GoldenLoader.h"
#include "test/unit/runtime/GgufBuilder.h"

#include "test/unit/runtime/ExpectContains.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace seqrt;
using seqc::test::GgufBuilder;
namespace fs = std::filesystem;

namespace {

std::string scratch(const std::string &name) {
  return ::testing::TempDir() + "/seqrt-gguf-" + std::to_string(::getpid()) +
         "-" + name;
}

/// Writes `bytes` and opens them as a weight store; returns the error ("" on
/// success).
std::string openError(const std::string &bytes,
                      std::unique_ptr<WeightStore> *keep = nullptr) {
  std::string path = scratch("t.gguf");
  GgufBuilder::write(path, bytes);
  std::string error;
  std::unique_ptr<WeightStore> store = WeightStore::open(path, error);
  if (store && keep)
    *keep = std::move(store);
  return store ? "" : error;
}

//===----------------------------------------------------------------------===//
// Blocks against gguf-py
//===----------------------------------------------------------------------===//

class GgmlBlocksTest : public ::testing::TestWithParam<const char *> {};

TEST_P(GgmlBlocksTest, DecodesAsGgufPy) {
  std::string dir = std::string(SEQC_GGUF_GOLDENS_DIR) + "/blocks";
  std::string error;
  std::unique_ptr<gguf::File> file =
      gguf::File::open(dir + "/blocks.gguf", error);
  ASSERT_TRUE(file) << error;
  std::string name = GetParam();
  for (char &c : name)
    c = static_cast<char>(std::tolower(c));
  const gguf::Tensor *t = file->findTensor(name);
  ASSERT_TRUE(t);
  seqref::golden::NpyArray ref;
  ASSERT_TRUE(seqref::golden::loadNpy(dir + "/" + name + ".npy", ref, error))
      << error;
  ASSERT_EQ(ref.shape, t->shape);
  const ggml::TypeInfo *info = ggml::typeInfo(t->type);
  ASSERT_TRUE(info && info->readable && !info->plain);
  EXPECT_STREQ(info->name, GetParam());
  size_t rows = static_cast<size_t>(t->shape[0]),
         cols = static_cast<size_t>(t->shape[1]);
  size_t rowBytes = cols / info->blockElements * info->blockBytes;
  ggml::BlockForm form = ggml::blockForm(t->type);
  std::vector<float> out(cols);
  std::vector<uint8_t> values(cols);
  std::vector<float> scales(cols), offsets(cols);
  size_t groups = cols / static_cast<size_t>(form.block);
  for (size_t r = 0; r < rows; ++r) {
    const float *expected =
        reinterpret_cast<const float *>(ref.bytes.data()) + r * cols;
    ggml::dequantizeRow(t->type, t->data + r * rowBytes, cols, out.data());
    for (size_t i = 0; i < cols; ++i)
      ASSERT_EQ(out[i], expected[i])
          << GetParam() << " row " << r << " [" << i << "]";
    // The seq.linear form: q · scale (+ offset) gives the same numbers.
    std::vector<uint8_t> scaleBytes(groups * 4), offsetBytes(groups * 4);
    ggml::decodeRow(t->type, t->data + r * rowBytes, cols, values.data(),
                    scaleBytes.data(),
                    form.affine ? offsetBytes.data() : nullptr);
    auto scalar = [&](const std::vector<uint8_t> &bytes, size_t g) {
      if (form.scaleType == DType::F16) {
        uint16_t h;
        std::memcpy(&h, bytes.data() + 2 * g, 2);
        return f16ToF32(h);
      }
      float f;
      std::memcpy(&f, bytes.data() + 4 * g, 4);
      return f;
    };
    for (size_t i = 0; i < cols; ++i) {
      int q = form.bits == 8 ? static_cast<int8_t>(values[i])
                             : (values[i / 2] >> (4 * (i % 2))) & 0xF;
      if (form.bits == 4 && !form.affine)
        q -= 8;
      size_t g = i / static_cast<size_t>(form.block);
      float v = form.affine
                    ? std::fma(static_cast<float>(q), scalar(scaleBytes, g),
                               scalar(offsetBytes, g))
                    : static_cast<float>(q) * scalar(scaleBytes, g);
      ASSERT_EQ(v, expected[i])
          << GetParam() << " form, row " << r << " [" << i << "]";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, GgmlBlocksTest,
                         ::testing::Values("Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                           "Q8_0", "Q2_K", "Q3_K", "Q4_K",
                                           "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"),
                         [](const auto &info) {
                           return std::string(info.param);
                         });

//===----------------------------------------------------------------------===//
// A GGUF file as its checkpoint
//===----------------------------------------------------------------------===//

/// A Llama-named file: 2 heads of 4, query rows stored as the converter
/// writes them; `q` the query weight [8, 4] in transformers' order.
GgufBuilder llamaFile(const std::vector<float> &q) {
  // stored[h·4 + 2i + j] = q[h·4 + j·2 + i]
  std::vector<float> stored(q.size());
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        for (int c = 0; c < 4; ++c)
          stored[(h * 4 + 2 * i + j) * 4 + c] = q[(h * 4 + j * 2 + i) * 4 + c];
  GgufBuilder b;
  b.string("general.architecture", "llama")
      .u32("llama.attention.head_count", 2)
      .u32("llama.attention.head_count_kv", 1)
      .f32Tensor("blk.0.attn_q.weight", {4, 8}, stored)
      .f32Tensor("blk.0.attn_v.weight", {4, 8}, q)
      .f32Tensor("output_norm.weight", {4}, {1, 2, 3, 4});
  return b;
}

TEST(GgufCheckpointTest, HuggingFaceNamesAndRowOrder) {
  std::vector<float> q(32);
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = static_cast<float>(i);
  std::unique_ptr<WeightStore> store;
  ASSERT_EQ(openError(llamaFile(q).build(), &store), "");
  ASSERT_TRUE(store->ggufFile());
  const TensorInfo *query =
      store->find("model.layers.0.self_attn.q_proj.weight");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->shape, (std::vector<int64_t>{8, 4}));
  EXPECT_TRUE(query->derived) << "reordered rows are derived";
  std::vector<float> read(32);
  ASSERT_TRUE(readTensor(*query, DType::F32, read.data()));
  EXPECT_EQ(read, q);
  // The value rows are not reordered and are read in place.
  const TensorInfo *value =
      store->find("model.layers.0.self_attn.v_proj.weight");
  ASSERT_TRUE(value);
  EXPECT_FALSE(value->derived);
  ASSERT_TRUE(value->data);
  EXPECT_EQ(std::memcmp(value->data, q.data(), 128), 0);
  EXPECT_TRUE(store->find("model.norm.weight"));
  EXPECT_EQ(store->find("blk.0.attn_q.weight"), nullptr);
  // Narrowing conversions go through the decoded rows too.
  std::vector<uint16_t> half(32);
  ASSERT_TRUE(readTensor(*query, DType::BF16, half.data()));
  EXPECT_EQ(bf16ToF32(half[5]), q[5]);
}

TEST(GgufCheckpointTest, Gpt2FloatWeightsSeenAsConv1D) {
  // llama.cpp stores GPT-2's Conv1D weights [out, in]; transformers' are
  // [in, out]: float ones are seen transposed back, biases as they are.
  std::vector<float> w(6);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<float>(i); // [out 3, in 2] in the file
  GgufBuilder b;
  b.string("general.architecture", "gpt2")
      .f32Tensor("blk.0.attn_qkv.weight", {2, 3}, w)
      .f32Tensor("blk.0.attn_qkv.bias", {3}, {7, 8, 9})
      .f32Tensor("position_embd.weight", {2, 3}, w);
  std::unique_ptr<WeightStore> store;
  ASSERT_EQ(openError(b.build(), &store), "");
  const TensorInfo *qkv = store->find("transformer.h.0.attn.c_attn.weight");
  ASSERT_TRUE(qkv);
  EXPECT_EQ(qkv->shape, (std::vector<int64_t>{2, 3}));
  std::vector<float> read(6);
  ASSERT_TRUE(readTensor(*qkv, DType::F32, read.data()));
  EXPECT_EQ(read, (std::vector<float>{0, 2, 4, 1, 3, 5}));
  const TensorInfo *bias = store->find("transformer.h.0.attn.c_attn.bias");
  ASSERT_TRUE(bias && !bias->derived);
  // Position embeddings are [positions, hidden] on both sides.
  const TensorInfo *wpe = store->find("transformer.wpe.weight");
  ASSERT_TRUE(wpe && !wpe->derived);
  EXPECT_EQ(wpe->shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(ggufTensorName("gpt2", "transformer.h.0.mlp.c_fc.weight"),
            "blk.0.ffn_up.weight");
}

TEST(GgufCheckpointTest, BlockTensorsAreValuesScalesOffsets) {
  // One Q4_1 row of 32: d = 0.5, m = -1, nibbles 0..15 twice.
  std::string block(20, '\0');
  uint16_t d = f32ToF16(0.5f), m = f32ToF16(-1.0f);
  std::memcpy(&block[0], &d, 2);
  std::memcpy(&block[2], &m, 2);
  for (int j = 0; j < 16; ++j)
    block[4 + j] = static_cast<char>(j | ((15 - j) << 4));
  GgufBuilder b;
  b.string("general.architecture", "qwen2")
      .tensor("blk.3.ffn_up.weight", 3, {32, 1}, block);
  std::unique_ptr<WeightStore> store;
  ASSERT_EQ(openError(b.build(), &store), "");
  const TensorInfo *values = store->find("model.layers.3.mlp.up_proj.weight");
  const TensorInfo *scales =
      store->find("model.layers.3.mlp.up_proj.weight_scale");
  const TensorInfo *offsets =
      store->find("model.layers.3.mlp.up_proj.weight_offset");
  ASSERT_TRUE(values && scales && offsets);
  EXPECT_EQ(values->dtype, DType::I8);
  EXPECT_EQ(values->shape, (std::vector<int64_t>{1, 16}));
  EXPECT_EQ(scales->dtype, DType::F16);
  EXPECT_EQ(scales->shape, (std::vector<int64_t>{1, 1}));
  std::vector<uint8_t> v(16);
  ASSERT_TRUE(readTensor(*values, DType::I8, v.data()));
  // Element 2i (low nibble) and 2i + 1 (high): ggml's j and j + 16.
  auto element = [&](int e) { return e < 16 ? e : 15 - (e - 16); };
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(v[i] & 0xF, element(2 * i)) << i;
    EXPECT_EQ(v[i] >> 4, element(2 * i + 1)) << i;
  }
  float s = 0, o = 0;
  ASSERT_TRUE(readTensor(*scales, DType::F32, &s));
  ASSERT_TRUE(readTensor(*offsets, DType::F32, &o));
  EXPECT_EQ(s, 0.5f);
  EXPECT_EQ(o, -1.0f);
  // A block tensor is never bound as floats.
  EXPECT_FALSE(readTensor(*values, DType::F32, std::vector<float>(16).data()));
}

//===----------------------------------------------------------------------===//
// Hostile files
//===----------------------------------------------------------------------===//

TEST(GgufReaderTest, EveryPrefixOfAFileIsRefused) {
  std::vector<float> q(32, 1.0f);
  std::string bytes = llamaFile(q).build();
  ASSERT_EQ(openError(bytes), "");
  // Every strict prefix up to the last tensor's end fails with a message.
  for (size_t n = 0; n + 1 < bytes.size(); n += (n < 400 ? 1 : 7)) {
    std::string error = openError(bytes.substr(0, n));
    EXPECT_NE(error, "") << "a prefix of " << n << " bytes was accepted";
  }
}

TEST(GgufReaderTest, RefusesBadHeaders) {
  std::string good = llamaFile(std::vector<float>(32)).build();
  std::string bad = good;
  bad[0] = 'X';
  // Not GGUF: read as safetensors, which refuses it too.
  EXPECT_NE(openError(bad), "");
  GgufBuilder v1;
  v1.version = 1;
  EXPECT_CONTAINS(openError(v1.build()), "GGUF version 1 is not supported");
  std::string huge = good;
  uint64_t count = uint64_t(1) << 40;
  std::memcpy(&huge[8], &count, 8);
  EXPECT_CONTAINS(openError(huge), "tensors, over the limit");
  std::memcpy(&huge[8], &good[8], 8);
  std::memcpy(&huge[16], &count, 8);
  EXPECT_CONTAINS(openError(huge), "metadata entries, over the limit");
}

TEST(GgufReaderTest, RefusesBadMetadata) {
  GgufBuilder dup;
  dup.u32("a", 1).u32("a", 2);
  EXPECT_CONTAINS(openError(dup.build()), "metadata 'a' appears twice");
  GgufBuilder nested;
  std::string b;
  GgufBuilder::put32(b, GgufBuilder::Array);
  GgufBuilder::put64(b, 1);
  nested.raw("n", GgufBuilder::Array, b);
  EXPECT_CONTAINS(openError(nested.build()), "arrays of arrays");
  GgufBuilder badType;
  badType.raw("t", 77, "");
  EXPECT_CONTAINS(openError(badType.build()), "unknown value type 77");
  GgufBuilder badBool;
  badBool.raw("b", GgufBuilder::Bool, std::string(1, '\x02'));
  EXPECT_CONTAINS(openError(badBool.build()), "neither 0 nor 1");
  GgufBuilder longString;
  std::string s;
  GgufBuilder::put64(s, uint64_t(1) << 62);
  longString.raw("s", GgufBuilder::String, s);
  EXPECT_CONTAINS(openError(longString.build()), "over the limit");
  GgufBuilder longArray;
  std::string a;
  GgufBuilder::put32(a, GgufBuilder::U32);
  GgufBuilder::put64(a, uint64_t(1) << 40);
  longArray.raw("a", GgufBuilder::Array, a);
  EXPECT_CONTAINS(openError(longArray.build()), "over the limit");
  GgufBuilder alignment;
  alignment.u32("general.alignment", 3);
  EXPECT_CONTAINS(openError(alignment.build()), "power of two");
}

TEST(GgufReaderTest, RefusesBadTensors) {
  auto withTensor = [](uint32_t type, std::vector<uint64_t> ne,
                       std::string bytes) {
    GgufBuilder b;
    b.tensor("w", type, ne, bytes);
    return b.build();
  };
  EXPECT_CONTAINS(openError(withTensor(99, {4}, std::string(16, '\0'))),
                  "tensor 'w': unknown ggml type 99");
  EXPECT_CONTAINS(openError(withTensor(0, {}, "")), "0 dimensions");
  EXPECT_CONTAINS(
      openError(withTensor(0, {1, 1, 1, 1, 1}, std::string(4, '\0'))),
      "5 dimensions");
  EXPECT_CONTAINS(openError(withTensor(0, {0}, "")), "zero or too large");
  EXPECT_CONTAINS(openError(withTensor(8, {16}, std::string(34, '\0'))),
                  "not whole blocks of 32");
  EXPECT_CONTAINS(openError(withTensor(0, {64}, std::string(16, '\0'))),
                  "run past the end of the file");
  EXPECT_CONTAINS(
      openError(withTensor(0, {uint64_t(1) << 39, uint64_t(1) << 39}, "")),
      "too large");
  GgufBuilder dup;
  dup.f32Tensor("w", {1}, {1}).f32Tensor("w", {1}, {2});
  EXPECT_CONTAINS(openError(dup.build()), "tensor 'w': appears twice");
  // IQ2_XXS: a type ggml defines that seqc does not read.
  EXPECT_CONTAINS(openError(withTensor(16, {256}, std::string(66, '\0'))),
                  "is IQ2_XXS, which seqc does not read");
  // Llama's query rows must split into two halves per head.
  GgufBuilder odd;
  odd.string("general.architecture", "llama")
      .u32("llama.attention.head_count", 3)
      .f32Tensor("blk.0.attn_q.weight", {2, 4}, std::vector<float>(8));
  EXPECT_CONTAINS(openError(odd.build()), "not two halves of 3 heads");
}

TEST(GgufReaderTest, RefusesMisplacedData) {
  GgufBuilder b;
  b.f32Tensor("a", {8}, std::vector<float>(8))
      .f32Tensor("b", {8}, std::vector<float>(8));
  std::string bytes = b.build();
  // Tensor b's offset (the last 8 bytes of its description) moved onto a.
  size_t at = bytes.find(std::string("\x01\0\0\0\0\0\0\0b", 9));
  ASSERT_NE(at, std::string::npos);
  size_t offsetAt = at + 9 + 4 + 8 + 4;
  std::string overlap = bytes;
  uint64_t zero = 0, odd = 4;
  std::memcpy(&overlap[offsetAt], &zero, 8);
  EXPECT_CONTAINS(openError(overlap), "overlap in the data section");
  std::string misaligned = bytes;
  std::memcpy(&misaligned[offsetAt], &odd, 8);
  EXPECT_CONTAINS(openError(misaligned), "not a multiple of the alignment");
}

} // namespace
