//===- SafeTensorsTest.cpp - the runtime's safetensors reader -------------===//
//
// Round trips through a tiny writer below, sharded folders, a fixture written
// by the reference implementation (tools/goldens/make_safetensors_fixture.py),
// the 16-bit float conversions, and one test per validation error: each
// checks that the message names the problem and the file and tensor at fault.
//
//===----------------------------------------------------------------------===//

#include "SafeTensors.h"
#include "Half.h"
#include "Json.h"

#include "test/unit/runtime/ExpectContains.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#ifndef SEQC_TEST_INPUTS_DIR
#define SEQC_TEST_INPUTS_DIR "test/unit/runtime/Inputs"
#endif

using namespace seqrt;
namespace fs = std::filesystem;

namespace {

//===----------------------------------------------------------------------===//
// A tiny safetensors writer
//===----------------------------------------------------------------------===//

struct TestTensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

template <typename T> std::string bytesOf(const std::vector<T> &values) {
  std::string s(values.size() * sizeof(T), '\0');
  if (!values.empty())
    std::memcpy(s.data(), values.data(), s.size());
  return s;
}

/// 8-byte little-endian length, then `header`, then `data`.
std::string withHeader(std::string_view header, std::string_view data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((n >> (8 * i)) & 0xFF);
  out += header;
  out += data;
  return out;
}

/// A valid file: tensors packed in order, header padded with spaces to a
/// multiple of 8 like the reference writer does.
std::string makeSafetensors(
    const std::vector<TestTensor> &tensors,
    const std::vector<std::pair<std::string, std::string>> &metadata = {}) {
  std::string header = "{";
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i)
      header += (i ? "," : "") + json::quote(metadata[i].first) + ":" +
                json::quote(metadata[i].second);
    header += "}";
    first = false;
  }
  std::string data;
  for (const TestTensor &t : tensors) {
    header += first ? "" : ",";
    first = false;
    header += json::quote(t.name) + ":{\"dtype\":" + json::quote(t.dtype) +
              ",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i)
      header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(data.size()) + "," +
              std::to_string(data.size() + t.bytes.size()) + "]}";
    data += t.bytes;
  }
  header += "}";
  while ((8 + header.size()) % 8)
    header += ' ';
  return withHeader(header, data);
}

/// A one-tensor header for `entry`, the JSON of tensor "w".
std::string oneTensor(std::string_view entry, std::string_view data) {
  return withHeader("{\"w\":" + std::string(entry) + "}", data);
}

//===----------------------------------------------------------------------===//
// Fixture: a temporary folder
//===----------------------------------------------------------------------===//

class SafeTensorsTest : public ::testing::Test {
protected:
  void SetUp() override {
    const ::testing::TestInfo *info =
        ::testing::UnitTest::GetInstance()->current_test_info();
    dir = fs::temp_directory_path() / ("seqrt-" + std::string(info->name()) +
                                       "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  /// Writes `bytes` to `name` under the temporary folder; returns its path.
  std::string write(const std::string &name, std::string_view bytes) {
    fs::path path = dir / name;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(out.good()) << path;
    return path.string();
  }

  /// Opens `path`, expecting failure; returns the message.
  std::string openError(const std::string &path,
                        WeightError expectedKind = WeightError::Invalid) {
    std::string error;
    WeightError kind = expectedKind == WeightError::IO ? WeightError::Invalid
                                                       : WeightError::IO;
    std::unique_ptr<WeightStore> store = WeightStore::open(path, error, &kind);
    EXPECT_EQ(store, nullptr) << path;
    EXPECT_EQ(kind, expectedKind) << error;
    // Every message names the file it is about.
    EXPECT_FALSE(error.empty());
    return error;
  }

  /// Writes `bytes` as "bad.safetensors" and returns the open error, which
  /// must name the file.
  std::string fileError(std::string_view bytes) {
    std::string path = write("bad.safetensors", bytes);
    std::string error = openError(path);
    EXPECT_CONTAINS(error, path + ": ");
    return error;
  }

  /// Like fileError, and the message must also name tensor "w".
  std::string tensorError(std::string_view entry, std::string_view data) {
    std::string error = fileError(oneTensor(entry, data));
    EXPECT_CONTAINS(error, "tensor \"w\": ");
    return error;
  }

  std::unique_ptr<WeightStore> openOk(const std::string &path) {
    std::string error;
    std::unique_ptr<WeightStore> store = WeightStore::open(path, error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  fs::path dir;
};

//===----------------------------------------------------------------------===//
// DType and 16-bit floats
//===----------------------------------------------------------------------===//

TEST(DTypeTest, NamesAndSizes) {
  struct {
    DType dtype;
    const char *name;
    size_t size;
  } expected[] = {{DType::F64, "F64", 8}, {DType::F32, "F32", 4},
                  {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},
                  {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
                  {DType::I16, "I16", 2}, {DType::I8, "I8", 1},
                  {DType::U8, "U8", 1},   {DType::Bool, "BOOL", 1}};
  for (const auto &e : expected) {
    EXPECT_STREQ(dtypeName(e.dtype), e.name);
    EXPECT_EQ(dtypeSize(e.dtype), e.size) << e.name;
    std::optional<DType> parsed = parseDType(e.name);
    ASSERT_TRUE(parsed.has_value()) << e.name;
    EXPECT_EQ(*parsed, e.dtype);
  }
  for (const char *unknown :
       {"", "f32", "F8_E4M3", "U16", "U64", "C64", "bool", "F32 "})
    EXPECT_FALSE(parseDType(unknown).has_value()) << unknown;
}

TEST(HalfTest, F16ToF32KnownBits) {
  struct {
    uint16_t half;
    uint32_t single;
  } cases[] = {
      {0x0000, 0x00000000}, // +0
      {0x8000, 0x80000000}, // -0
      {0x3C00, 0x3F800000}, // 1
      {0xC000, 0xC0000000}, // -2
      {0x3555, 0x3EAAA000}, // 0.333251953125
      {0x7BFF, 0x477FE000}, // 65504, the largest half
      {0x0400, 0x38800000}, // 2^-14, the smallest normal
      {0x0001, 0x33800000}, // 2^-24, the smallest subnormal
      {0x8001, 0xB3800000}, // -2^-24
      {0x03FF, 0x387FC000}, // the largest subnormal
      {0x0200, 0x38000000}, // 2^-15
      {0x7C00, 0x7F800000}, // +inf
      {0xFC00, 0xFF800000}, // -inf
      {0x7E00, 0x7FC00000}, // quiet NaN
      {0x7C01, 0x7F802000}, // signaling NaN: payload kept
      {0xFFFF, 0xFFFFE000}, // negative NaN, all payload bits
  };
  for (const auto &c : cases)
    EXPECT_EQ(floatBits(f16ToF32(c.half)), c.single)
        << std::hex << "half 0x" << c.half;
}

TEST(HalfTest, Bf16ToF32KnownBits) {
  struct {
    uint16_t bf16;
    uint32_t single;
  } cases[] = {
      {0x0000, 0x00000000}, {0x8000, 0x80000000},
      {0x3F80, 0x3F800000}, {0x4049, 0x40490000}, // 3.140625
      {0x0001, 0x00010000},                       // a subnormal
      {0x7F7F, 0x7F7F0000},                       // the largest finite bf16
      {0x7F80, 0x7F800000}, {0xFF80, 0xFF800000},
      {0x7FC0, 0x7FC00000}, {0x7F81, 0x7F810000}, // signaling NaN: payload kept
  };
  for (const auto &c : cases)
    EXPECT_EQ(floatBits(bf16ToF32(c.bf16)), c.single)
        << std::hex << "bf16 0x" << c.bf16;
}

TEST(HalfTest, F32ToF16RoundsToNearestEven) {
  struct {
    float value;
    uint16_t half;
  } cases[] = {
      {1.0f, 0x3C00},
      {-2.0f, 0xC000},
      {0.0f, 0x0000},
      {-0.0f, 0x8000},
      {65504.0f, 0x7BFF},
      {65519.0f, 0x7BFF},            // below the midpoint to 2^16
      {65520.0f, 0x7C00},            // the midpoint: ties to even = inf
      {1e6f, 0x7C00},                // overflow
      {-1e6f, 0xFC00},               //
      {INFINITY, 0x7C00},            //
      {-INFINITY, 0xFC00},           //
      {1.0f + 0x1p-11f, 0x3C00},     // tie between 0x3C00 and 0x3C01: even
      {1.0f + 3 * 0x1p-11f, 0x3C02}, // tie between 0x3C01 and 0x3C02: even
      {1.0f + 0x1p-11f + 0x1p-20f, 0x3C01}, // just above the tie
      {0x1p-14f, 0x0400},                   // smallest normal
      {0x1p-24f, 0x0001},                   // smallest subnormal
      {0x1p-25f, 0x0000},                   // half of it: tie to even 0
      {0x1p-25f * 1.0000001f, 0x0001},
      {-0x1p-25f, 0x8000},           // keeps the sign
      {1.5f * 0x1p-24f, 0x0002},     // tie between 1 and 2 units: even
      {2.5f * 0x1p-24f, 0x0002},     // tie between 2 and 3 units: even
      {0x1p-14f - 0x1p-25f, 0x0400}, // rounds up into the normals
      {0x1p-30f, 0x0000},            // far below
      {0x1.ffep-15f, 0x0400},
      {0.1f, 0x2E66},
  };
  for (const auto &c : cases)
    EXPECT_EQ(f32ToF16(c.value), c.half) << "value " << c.value;
  // NaN stays NaN, quiet.
  uint16_t nan = f32ToF16(std::nanf(""));
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);
  EXPECT_NE(nan & 0x0200, 0);
  EXPECT_EQ(f32ToF16(floatFromBits(0x7F800001)) & 0x7E00, 0x7E00);
}

TEST(HalfTest, F32ToBf16RoundsToNearestEven) {
  struct {
    float value;
    uint16_t bf16;
  } cases[] = {
      {1.0f, 0x3F80},
      {-0.0f, 0x8000},
      {1.0f + 0x1p-8f, 0x3F80},     // tie: even
      {1.0f + 3 * 0x1p-8f, 0x3F82}, // tie: even
      {1.0f + 0x1p-8f + 0x1p-20f, 0x3F81},
      {3.14159265f, 0x4049},
      {std::numeric_limits<float>::max(), 0x7F80}, // rounds up to inf
      {INFINITY, 0x7F80},
      {-INFINITY, 0xFF80},
      {floatFromBits(0x00010000), 0x0001}, // subnormal
  };
  for (const auto &c : cases)
    EXPECT_EQ(f32ToBf16(c.value), c.bf16) << "value " << c.value;
  EXPECT_EQ(f32ToBf16(std::nanf("")), 0x7FC0);
  EXPECT_EQ(f32ToBf16(floatFromBits(0x7F800001)), 0x7FC0); // quieted
  EXPECT_EQ(f32ToBf16(floatFromBits(0xFF800001)), 0xFFC0);
}

TEST(HalfTest, ExhaustiveRoundTrips) {
  for (uint32_t i = 0; i <= 0xFFFF; ++i) {
    uint16_t h = static_cast<uint16_t>(i);
    float f = f16ToF32(h);
    bool isNan = (h & 0x7C00) == 0x7C00 && (h & 0x03FF);
    EXPECT_EQ(std::isnan(f), isNan) << std::hex << h;
    if (!isNan) {
      ASSERT_EQ(f32ToF16(f), h) << std::hex << h;
    }
    // Widening is monotonic on the positive finite halves.
    if (h > 0 && h < 0x7C00) {
      ASSERT_LT(f16ToF32(h - 1), f) << std::hex << h;
    }

    float g = bf16ToF32(h);
    if (!std::isnan(g)) {
      ASSERT_EQ(f32ToBf16(g), h) << std::hex << h;
    } else {
      EXPECT_TRUE(std::isnan(bf16ToF32(f32ToBf16(g))));
    }
  }
}

#ifdef __FLT16_MANT_DIG__
// The compiler's _Float16 (F16C or libgcc/compiler-rt soft conversions) is an
// independent reference for both directions.
TEST(HalfTest, MatchesCompilerFloat16) {
  for (uint32_t i = 0; i <= 0xFFFF; ++i) {
    uint16_t h = static_cast<uint16_t>(i);
    _Float16 ref;
    std::memcpy(&ref, &h, sizeof(h));
    float expected = static_cast<float>(ref);
    if (std::isnan(expected))
      continue;
    ASSERT_EQ(floatBits(f16ToF32(h)), floatBits(expected)) << std::hex << h;
  }
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000000; ++i) {
    // Exponents around the half range (2^-30..2^17) and anywhere.
    uint32_t bits = static_cast<uint32_t>(rng());
    if (i % 2)
      bits =
          (bits & 0x807FFFFF) | static_cast<uint32_t>((97 + rng() % 48) << 23);
    float f = floatFromBits(bits);
    if (std::isnan(f))
      continue;
    _Float16 ref = static_cast<_Float16>(f);
    uint16_t refBits;
    std::memcpy(&refBits, &ref, sizeof(refBits));
    ASSERT_EQ(f32ToF16(f), refBits) << std::hex << "float 0x" << bits;
  }
}
#endif

TEST(ConvertTest, ConvertsFloatDtypesWithoutAlignment) {
  std::vector<float> values = {1.0f,     -0.0f,    0.5f,
                               65504.0f, 0x1p-24f, -INFINITY};
  std::vector<uint16_t> halves, bfloats;
  std::vector<double> doubles;
  for (float v : values) {
    halves.push_back(f32ToF16(v));
    bfloats.push_back(f32ToBf16(v));
    doubles.push_back(v);
  }
  // Copy each to an odd address: no alignment may be assumed.
  auto unaligned = [](const std::string &bytes) {
    auto *buffer = new uint8_t[bytes.size() + 1];
    std::memcpy(buffer + 1, bytes.data(), bytes.size());
    return std::unique_ptr<uint8_t[]>(buffer);
  };
  std::vector<float> out(values.size());
  auto f32 = unaligned(bytesOf(values));
  ASSERT_TRUE(
      convertToF32(DType::F32, f32.get() + 1, values.size(), out.data()));
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(floatBits(out[i]), floatBits(values[i])) << i;
  auto f16 = unaligned(bytesOf(halves));
  ASSERT_TRUE(
      convertToF32(DType::F16, f16.get() + 1, halves.size(), out.data()));
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(floatBits(out[i]), floatBits(values[i])) << i;
  auto bf16 = unaligned(bytesOf(bfloats));
  ASSERT_TRUE(
      convertToF32(DType::BF16, bf16.get() + 1, bfloats.size(), out.data()));
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(out[i], bf16ToF32(bfloats[i])) << i;
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[3], 65536.0f); // 65504 is not a bf16; it rounds up.
  auto f64 = unaligned(bytesOf(doubles));
  ASSERT_TRUE(
      convertToF32(DType::F64, f64.get() + 1, doubles.size(), out.data()));
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(floatBits(out[i]), floatBits(values[i])) << i;

  float untouched = 42.0f;
  for (DType d :
       {DType::I64, DType::I32, DType::I16, DType::I8, DType::U8, DType::Bool})
    EXPECT_FALSE(convertToF32(d, f32.get(), 1, &untouched)) << dtypeName(d);
  EXPECT_EQ(untouched, 42.0f);
}

//===----------------------------------------------------------------------===//
// Valid files
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, WriterRoundTrip) {
  std::vector<float> f32 = {1.5f, -2.0f, 0.25f, 3.0f, -0.0f, 100.0f};
  std::vector<uint16_t> f16 = {f32ToF16(1.0f), f32ToF16(-0.5f),
                               f32ToF16(1024.0f), 0x0001};
  std::vector<uint16_t> bf16 = {f32ToBf16(2.0f), f32ToBf16(-3.0f)};
  std::vector<double> f64 = {0.1, -1e10};
  std::vector<int64_t> i64 = {-1, std::numeric_limits<int64_t>::max()};
  std::vector<int32_t> i32 = {7};
  std::vector<int16_t> i16 = {-300, 300};
  std::vector<int8_t> i8 = {-128, 127, 0};
  std::vector<uint8_t> u8 = {255, 0};
  std::vector<uint8_t> mask = {1, 0, 1, 1};
  std::vector<TestTensor> tensors = {
      {"model.w", "F32", {2, 3}, bytesOf(f32)},
      {"h", "F16", {2, 2}, bytesOf(f16)},
      {"b", "BF16", {2}, bytesOf(bf16)},
      {"d", "F64", {2, 1}, bytesOf(f64)},
      {"ids", "I64", {2}, bytesOf(i64)},
      {"scalar", "I32", {}, bytesOf(i32)},
      {"s", "I16", {2}, bytesOf(i16)},
      {"c", "I8", {3}, bytesOf(i8)},
      {"u", "U8", {1, 2}, bytesOf(u8)},
      {"mask", "BOOL", {2, 2}, bytesOf(mask)},
      {"empty", "F32", {0, 4}, ""},
      {"caf\xC3\xA9 \"quoted\"", "U8", {1}, std::string(1, '\x2A')},
  };
  std::string path =
      write("model.safetensors",
            makeSafetensors(tensors, {{"format", "pt"}, {"note", "a \"b\""}}));
  std::unique_ptr<WeightStore> store = openOk(path);
  ASSERT_NE(store, nullptr);

  ASSERT_EQ(store->tensors().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TestTensor &t = tensors[i];
    // Header order is kept.
    EXPECT_EQ(store->tensors()[i].name, t.name);
    const TensorInfo *info = store->find(t.name);
    ASSERT_NE(info, nullptr) << t.name;
    EXPECT_EQ(info, &store->tensors()[i]);
    EXPECT_STREQ(dtypeName(info->dtype), t.dtype.c_str());
    EXPECT_EQ(info->shape, t.shape);
    int64_t numel = 1;
    for (int64_t d : t.shape)
      numel *= d;
    EXPECT_EQ(info->numel(), numel) << t.name;
    EXPECT_EQ(info->size, t.bytes.size()) << t.name;
    EXPECT_EQ(info->size, static_cast<size_t>(numel) * dtypeSize(info->dtype));
    EXPECT_EQ(info->file, path);
    if (info->size) {
      EXPECT_EQ(std::memcmp(info->data, t.bytes.data(), info->size), 0)
          << t.name;
    }
  }
  EXPECT_EQ(store->find("missing"), nullptr);
  EXPECT_EQ(store->find("model."), nullptr);
  EXPECT_EQ(store->find("scalar")->numel(), 1);
  EXPECT_EQ(store->find("empty")->numel(), 0);

  std::vector<float> out(6);
  const TensorInfo *w = store->find("model.w");
  ASSERT_TRUE(convertToF32(w->dtype, w->data, w->numel(), out.data()));
  EXPECT_EQ(out, f32);
  const TensorInfo *h = store->find("h");
  ASSERT_TRUE(convertToF32(h->dtype, h->data, h->numel(), out.data()));
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -0.5f);
  EXPECT_EQ(out[2], 1024.0f);
  EXPECT_EQ(out[3], 0x1p-24f);
  const TensorInfo *b = store->find("b");
  ASSERT_TRUE(convertToF32(b->dtype, b->data, b->numel(), out.data()));
  EXPECT_EQ(out[0], 2.0f);
  EXPECT_EQ(out[1], -3.0f);
  const TensorInfo *d = store->find("d");
  ASSERT_TRUE(convertToF32(d->dtype, d->data, d->numel(), out.data()));
  EXPECT_EQ(out[0], 0.1f);
  EXPECT_EQ(out[1], -1e10f);
  const TensorInfo *ids = store->find("ids");
  EXPECT_FALSE(convertToF32(ids->dtype, ids->data, ids->numel(), out.data()));
  int64_t last;
  std::memcpy(&last, ids->data + 8, 8);
  EXPECT_EQ(last, std::numeric_limits<int64_t>::max());

  ASSERT_EQ(store->files().size(), 1u);
  EXPECT_EQ(store->files()[0].path, path);
  using Metadata = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(store->files()[0].metadata,
            (Metadata{{"format", "pt"}, {"note", "a \"b\""}}));
  ASSERT_NE(store->findMetadata("note"), nullptr);
  EXPECT_EQ(*store->findMetadata("note"), "a \"b\"");
  EXPECT_EQ(store->findMetadata("absent"), nullptr);
}

TEST_F(SafeTensorsTest, EmptyHeaderObjectIsAnEmptyStore) {
  std::unique_ptr<WeightStore> store =
      openOk(write("none.safetensors", withHeader("{}      ", "")));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->tensors().empty());
}

TEST_F(SafeTensorsTest, ToleratesGapsAndTrailingBytes) {
  // Bytes no tensor claims are allowed; only overlaps are not.
  std::string path = write(
      "gaps.safetensors",
      withHeader(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[4,6]},)"
                 R"("b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                 R"("z":{"dtype":"U8","shape":[0],"data_offsets":[5,5]},)"
                 R"("y":{"dtype":"U8","shape":[3,0],"data_offsets":[0,0]},)"
                 R"("x":{"dtype":"F32","shape":[4294967296,4294967296,0],)"
                 R"("data_offsets":[2,2],"extra":"ignored"}})",
                 "ABCDEFGHIJ"));
  std::unique_ptr<WeightStore> store = openOk(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(
      std::string(reinterpret_cast<const char *>(store->find("a")->data), 2),
      "EF");
  EXPECT_EQ(*store->find("b")->data, 'A');
  EXPECT_EQ(store->find("x")->numel(), 0);
}

TEST_F(SafeTensorsTest, FolderWithModelSafetensors) {
  std::string bytes = makeSafetensors({{"w", "F32", {1}, bytesOf<float>({7})}});
  std::string path = write("model/model.safetensors", bytes);
  for (std::string folder :
       {(dir / "model").string(), (dir / "model").string() + "/"}) {
    std::unique_ptr<WeightStore> store = openOk(folder);
    ASSERT_NE(store, nullptr);
    ASSERT_NE(store->find("w"), nullptr);
    EXPECT_EQ(store->find("w")->file, path);
  }
  // With both a single file and an index, the single file wins (as in
  // Transformers), so a broken index next to it is not read.
  write("model/model.safetensors.index.json", "not json");
  EXPECT_NE(openOk((dir / "model").string()), nullptr);
}

class ShardedTest : public SafeTensorsTest {
protected:
  /// A two-shard checkpoint in dir/sharded; returns the index path.
  std::string writeSharded(const std::string &extraWeightMap = "") {
    write("sharded/model-00001-of-00002.safetensors",
          makeSafetensors(
              {{"embed", "F32", {2}, bytesOf<float>({1, 2})},
               {"layer0.w", "BF16", {1}, bytesOf<uint16_t>({f32ToBf16(3.0f)})}},
              {{"format", "pt"}}));
    write("sharded/sub/model-00002-of-00002.safetensors",
          makeSafetensors({{"layer1.w",
                            "F16",
                            {2, 1},
                            bytesOf<uint16_t>({f32ToF16(4), f32ToF16(5)})},
                           {"head", "I64", {1}, bytesOf<int64_t>({9})}}));
    return write("sharded/model.safetensors.index.json",
                 R"({"metadata": {"total_size": 28},
                     "weight_map": {
                       "layer1.w": "sub/model-00002-of-00002.safetensors",
                       "embed": "model-00001-of-00002.safetensors",
                       "layer0.w": "model-00001-of-00002.safetensors",
                       "head": "sub/model-00002-of-00002.safetensors")" +
                     extraWeightMap + "}}");
  }

  std::string shard1() const {
    return (dir / "sharded/model-00001-of-00002.safetensors").string();
  }
  std::string shard2() const {
    return (dir / "sharded/sub/model-00002-of-00002.safetensors").string();
  }
};

TEST_F(ShardedTest, OpensFolderAndIndex) {
  std::string indexPath = writeSharded();
  for (const std::string &path : {(dir / "sharded").string(), indexPath}) {
    std::unique_ptr<WeightStore> store = openOk(path);
    ASSERT_NE(store, nullptr) << path;
    ASSERT_EQ(store->tensors().size(), 4u);
    // Shards in order of first mention in the weight map.
    EXPECT_EQ(store->tensors()[0].name, "layer1.w");
    EXPECT_EQ(store->tensors()[1].name, "head");
    EXPECT_EQ(store->tensors()[2].name, "embed");
    EXPECT_EQ(store->tensors()[3].name, "layer0.w");
    ASSERT_EQ(store->files().size(), 2u);
    EXPECT_EQ(store->files()[0].path, shard2());
    EXPECT_EQ(store->files()[1].path, shard1());

    float out[2];
    const TensorInfo *embed = store->find("embed");
    ASSERT_NE(embed, nullptr);
    EXPECT_EQ(embed->file, shard1());
    ASSERT_TRUE(convertToF32(embed->dtype, embed->data, 2, out));
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], 2.0f);
    const TensorInfo *l1 = store->find("layer1.w");
    ASSERT_NE(l1, nullptr);
    EXPECT_EQ(l1->file, shard2());
    EXPECT_EQ(l1->shape, (std::vector<int64_t>{2, 1}));
    ASSERT_TRUE(convertToF32(l1->dtype, l1->data, 2, out));
    EXPECT_EQ(out[0], 4.0f);
    EXPECT_EQ(out[1], 5.0f);
    const TensorInfo *l0 = store->find("layer0.w");
    ASSERT_TRUE(convertToF32(l0->dtype, l0->data, 1, out));
    EXPECT_EQ(out[0], 3.0f);
    ASSERT_NE(store->findMetadata("format"), nullptr);
    EXPECT_EQ(*store->findMetadata("format"), "pt");
  }
}

TEST_F(ShardedTest, IndexInCurrentFolder) {
  // A bare file name: the shards are looked up in ".".
  std::string indexPath = writeSharded();
  std::string cwd = fs::current_path().string();
  fs::current_path(dir / "sharded");
  std::string error;
  std::unique_ptr<WeightStore> store =
      WeightStore::open("model.safetensors.index.json", error);
  fs::current_path(cwd);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(store->find("embed")->file, "./model-00001-of-00002.safetensors");
}

//===----------------------------------------------------------------------===//
// The reference implementation's fixture
//===----------------------------------------------------------------------===//

TEST(SafeTensorsFixtureTest, MatchesReferenceImplementation) {
  std::string inputs = SEQC_TEST_INPUTS_DIR;
  std::string sidecarPath = inputs + "/fixture.expected.json";
  std::ifstream in(sidecarPath, std::ios::binary);
  ASSERT_TRUE(in.good()) << "cannot read " << sidecarPath
                         << " (set SEQC_TEST_INPUTS_DIR)";
  std::stringstream text;
  text << in.rdbuf();
  json::Value expected;
  std::string error;
  ASSERT_TRUE(json::parse(text.str(), expected, error)) << error;

  std::string path = inputs + "/fixture.safetensors";
  std::unique_ptr<WeightStore> store = WeightStore::open(path, error);
  ASSERT_NE(store, nullptr) << error;

  // Metadata: the same pairs (the reference writer's order is not stable).
  const json::Object &metadata = expected.find("metadata")->getObject();
  ASSERT_EQ(store->files().size(), 1u);
  EXPECT_EQ(store->files()[0].metadata.size(), metadata.size());
  for (const json::Member &m : metadata) {
    const std::string *value = store->findMetadata(m.key);
    ASSERT_NE(value, nullptr) << m.key;
    EXPECT_EQ(*value, m.value.getString()) << m.key;
  }

  const json::Object &tensors = expected.find("tensors")->getObject();
  ASSERT_EQ(store->tensors().size(), tensors.size());
  ASSERT_GE(tensors.size(), 7u);
  size_t checkedValues = 0;
  for (const json::Member &m : tensors) {
    SCOPED_TRACE(m.key);
    const TensorInfo *info = store->find(m.key);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(dtypeName(info->dtype), m.value.find("dtype")->getString());
    std::vector<int64_t> shape;
    for (const json::Value &d : m.value.find("shape")->getArray())
      shape.push_back(d.getInt());
    EXPECT_EQ(info->shape, shape);

    const json::Value::ArrayType &raw = m.value.find("raw")->getArray();
    ASSERT_EQ(static_cast<size_t>(info->numel()), raw.size());
    size_t width = dtypeSize(info->dtype);
    ASSERT_EQ(info->size, raw.size() * width);
    for (size_t i = 0; i < raw.size(); ++i) {
      // Little-endian element i, sign-extended for the signed int dtypes.
      uint64_t bits = 0;
      for (size_t b = 0; b < width; ++b)
        bits |= static_cast<uint64_t>(info->data[i * width + b]) << (8 * b);
      int64_t value = static_cast<int64_t>(bits);
      bool isSigned = info->dtype == DType::I64 || info->dtype == DType::I32 ||
                      info->dtype == DType::I16 || info->dtype == DType::I8;
      if (isSigned && width < 8 && (bits >> (8 * width - 1)) & 1)
        value = static_cast<int64_t>(bits | (~uint64_t(0) << (8 * width)));
      EXPECT_EQ(value, raw[i].getInt()) << "element " << i;
      ++checkedValues;
    }

    if (const json::Value *f32Bits = m.value.find("f32_bits")) {
      std::vector<float> out(raw.size());
      ASSERT_TRUE(
          convertToF32(info->dtype, info->data, raw.size(), out.data()));
      const json::Value::ArrayType &bits = f32Bits->getArray();
      ASSERT_EQ(bits.size(), out.size());
      for (size_t i = 0; i < out.size(); ++i)
        EXPECT_EQ(floatBits(out[i]), static_cast<uint32_t>(bits[i].getInt()))
            << "element " << i;
    }
  }
  EXPECT_GE(checkedValues, 20u);
}

//===----------------------------------------------------------------------===//
// Errors: files
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, MissingFile) {
  std::string path = (dir / "nope.safetensors").string();
  std::string error = openError(path, WeightError::IO);
  EXPECT_CONTAINS(error, path);
  EXPECT_CONTAINS(error, "No such file or directory");
}

TEST_F(SafeTensorsTest, FolderWithoutWeights) {
  fs::create_directories(dir / "emptyfolder");
  std::string path = (dir / "emptyfolder").string();
  std::string error = openError(path, WeightError::IO);
  EXPECT_CONTAINS(error, path + ": no model.safetensors or "
                                "model.safetensors.index.json");
}

TEST_F(SafeTensorsTest, NotARegularFile) {
  std::string path = (dir / "fifo.safetensors").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_CONTAINS(openError(path, WeightError::IO),
                  path + ": cannot open: not a regular file");
}

TEST_F(SafeTensorsTest, FileShorterThan8Bytes) {
  EXPECT_CONTAINS(fileError(std::string_view("\x05\0\0\0\0", 5)),
                  "file is 5 bytes, too short for the 8-byte header length");
  EXPECT_CONTAINS(fileError(""), "file is 0 bytes");
}

TEST_F(SafeTensorsTest, HeaderLengthZero) {
  EXPECT_CONTAINS(fileError(std::string(8, '\0') + "{}"), "header length is 0");
}

TEST_F(SafeTensorsTest, HeaderLengthBeyondFile) {
  std::string bytes = withHeader("{}", "");
  bytes[0] = 3; // claims 3 bytes of header, has 2
  EXPECT_CONTAINS(fileError(bytes), "header length 3 runs past the end of "
                                    "the file (10 bytes)");
}

TEST_F(SafeTensorsTest, HeaderLengthAbsurd) {
  std::string bytes = withHeader("{}", "");
  uint64_t n = 200'000'000;
  std::memcpy(bytes.data(), &n, 8);
  EXPECT_CONTAINS(fileError(bytes), "header length 200000000 exceeds the "
                                    "limit of 100000000 bytes");
  std::memset(bytes.data(), 0xFF, 8);
  EXPECT_CONTAINS(fileError(bytes), "header length 18446744073709551615 "
                                    "exceeds the limit");
}

TEST_F(SafeTensorsTest, HeaderNotJson) {
  EXPECT_CONTAINS(fileError(withHeader("{\"w\": ", "")),
                  "header is not valid JSON: 1:7: unexpected end of input");
  EXPECT_CONTAINS(fileError(withHeader("{} x", "")),
                  "header is not valid JSON: 1:4: invalid literal");
  // A header cut short by padding with NULs is not JSON either.
  EXPECT_CONTAINS(fileError(withHeader(std::string("{}\0\0", 4), "")),
                  "header is not valid JSON: 1:3: NUL byte outside a string");
}

TEST_F(SafeTensorsTest, HeaderNotObject) {
  EXPECT_CONTAINS(fileError(withHeader("[]", "")),
                  "header is not a JSON object");
  EXPECT_CONTAINS(fileError(withHeader("\"w\"", "")),
                  "header is not a JSON object");
}

TEST_F(SafeTensorsTest, DuplicateTensorName) {
  EXPECT_CONTAINS(fileError(withHeader(
                      R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                      R"("w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                      "ab")),
                  "duplicate key \"w\"");
}

//===----------------------------------------------------------------------===//
// Errors: tensor entries
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, EntryNotObject) {
  EXPECT_CONTAINS(tensorError("[1, 2]", ""), "entry is not an object");
  EXPECT_CONTAINS(tensorError("\"F32\"", ""), "entry is not an object");
}

TEST_F(SafeTensorsTest, MissingDType) {
  EXPECT_CONTAINS(tensorError(R"({"shape":[1],"data_offsets":[0,4]})", "abcd"),
                  "missing \"dtype\"");
}

TEST_F(SafeTensorsTest, DTypeNotString) {
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":4,"shape":[1],"data_offsets":[0,4]})", "abcd"),
      "\"dtype\" is not a string");
}

TEST_F(SafeTensorsTest, UnknownDType) {
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]})",
                  "a"),
      "unknown or unsupported dtype \"F8_E4M3\"");
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"f32","shape":[1],"data_offsets":[0,4]})",
                  "abcd"),
      "dtype \"f32\"");
}

TEST_F(SafeTensorsTest, MissingShape) {
  EXPECT_CONTAINS(tensorError(R"({"dtype":"U8","data_offsets":[0,1]})", "a"),
                  "missing \"shape\"");
}

TEST_F(SafeTensorsTest, ShapeNotArray) {
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"U8","shape":1,"data_offsets":[0,1]})", "a"),
      "\"shape\" is not an array");
}

TEST_F(SafeTensorsTest, ShapeNotNonNegativeIntegers) {
  for (const char *shape : {"[-1]", "[1.5]", "[\"2\"]", "[2, null]", "[1e0]",
                            "[[1]]", "[9223372036854775808]"}) {
    std::string entry = std::string(R"({"dtype":"U8","shape":)") + shape +
                        R"(,"data_offsets":[0,1]})";
    EXPECT_CONTAINS(tensorError(entry, "a"),
                    "\"shape\" must be an array of non-negative integers");
  }
}

TEST_F(SafeTensorsTest, MissingDataOffsets) {
  EXPECT_CONTAINS(tensorError(R"({"dtype":"U8","shape":[1]})", "a"),
                  "missing \"data_offsets\"");
}

TEST_F(SafeTensorsTest, DataOffsetsNotTwoNonNegativeIntegers) {
  for (const char *offsets :
       {"[0]", "[0,1,2]", "[-1,0]", "[0,-1]", "[0,1.0]", "\"0,1\"", "{}",
        "[0,null]", "[0,18446744073709551615]"}) {
    std::string entry = std::string(R"({"dtype":"U8","shape":[1],)") +
                        R"("data_offsets":)" + offsets + "}";
    EXPECT_CONTAINS(tensorError(entry, "a"),
                    "\"data_offsets\" must be two non-negative integers "
                    "[begin, end]");
  }
}

TEST_F(SafeTensorsTest, DataOffsetsBeginAfterEnd) {
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"U8","shape":[1],"data_offsets":[2,1]})", "abc"),
      "\"data_offsets\" begin 2 is after end 1");
}

TEST_F(SafeTensorsTest, DataOffsetsBeyondDataSection) {
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})",
                  "abcd"),
      "\"data_offsets\" end 8 is beyond the data section (4 bytes)");
  EXPECT_CONTAINS(tensorError(R"({"dtype":"U8","shape":[0],)"
                              R"("data_offsets":[9223372036854775807,)"
                              R"(9223372036854775807]})",
                              ""),
                  "is beyond the data section (0 bytes)");
}

TEST_F(SafeTensorsTest, SpanDoesNotMatchShape) {
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"F32","shape":[2,3],"data_offsets":[0,20]})",
                  std::string(24, 'x')),
      "\"data_offsets\" span 20 bytes, but shape [2, 3] of F32 needs 24");
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"BF16","shape":[],"data_offsets":[0,4]})",
                  std::string(4, 'x')),
      "span 4 bytes, but shape [] of BF16 needs 2");
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"I64","shape":[0],"data_offsets":[0,8]})",
                  std::string(8, 'x')),
      "needs 0");
}

TEST_F(SafeTensorsTest, ElementCountOverflow) {
  // 2^32 * 2^32 elements overflow int64.
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"U8","shape":[4294967296,4294967296],)"
                  R"("data_offsets":[0,1]})",
                  "a"),
      "shape [4294967296, 4294967296] has too many elements");
  // 2^62 elements fit, but not 2^62 * 4 bytes.
  EXPECT_CONTAINS(tensorError(R"({"dtype":"F32","shape":[4611686018427387904],)"
                              R"("data_offsets":[0,4]})",
                              "abcd"),
                  "shape [4611686018427387904] of F32 needs too many bytes");
  // Products that wrap to a small number must not pass as that number.
  EXPECT_CONTAINS(
      tensorError(R"({"dtype":"U8","shape":[4294967296,4294967296,4],)"
                  R"("data_offsets":[0,0]})",
                  ""),
      "has too many elements");
}

TEST_F(SafeTensorsTest, OverlappingSpans) {
  std::string error = fileError(
      withHeader(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                 R"("b":{"dtype":"U8","shape":[2],"data_offsets":[10,12]},)"
                 R"("c":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                 std::string(12, 'x')));
  EXPECT_CONTAINS(error, "tensors \"a\" [0, 8) and \"c\" [4, 8) overlap in "
                         "the data section");
  // Nested in a long one, after a short one that ends earlier.
  error = fileError(
      withHeader(R"({"long":{"dtype":"U8","shape":[10],"data_offsets":[0,10]},)"
                 R"("short":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},)"
                 R"("late":{"dtype":"U8","shape":[2],"data_offsets":[8,10]}})",
                 std::string(10, 'x')));
  EXPECT_CONTAINS(error, "\"long\" [0, 10) and \"short\" [1, 2) overlap");
  // Identical spans.
  error = fileError(
      withHeader(R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                 R"("y":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})",
                 "z"));
  EXPECT_CONTAINS(error, "overlap");
}

TEST_F(SafeTensorsTest, MetadataNotObject) {
  EXPECT_CONTAINS(fileError(withHeader(R"({"__metadata__":["a"]})", "")),
                  "\"__metadata__\" is not an object");
}

TEST_F(SafeTensorsTest, MetadataValueNotString) {
  EXPECT_CONTAINS(
      fileError(withHeader(R"({"__metadata__":{"ok":"x","total":12}})", "")),
      "\"__metadata__\" value of \"total\" is not a string");
  EXPECT_CONTAINS(fileError(withHeader(R"({"__metadata__":{"n":null}})", "")),
                  "value of \"n\" is not a string");
}

//===----------------------------------------------------------------------===//
// Errors: sharded checkpoints
//===----------------------------------------------------------------------===//

TEST_F(ShardedTest, IndexNotJson) {
  std::string path = write("sharded/model.safetensors.index.json", "{");
  EXPECT_CONTAINS(openError((dir / "sharded").string()),
                  path + ": index is not valid JSON: 1:2: syntax error while "
                         "parsing object key - unexpected end of input");
}

TEST_F(ShardedTest, IndexNotObject) {
  std::string path = write("sharded/model.safetensors.index.json", "[]");
  EXPECT_CONTAINS(openError(path), path + ": index is not a JSON object");
}

TEST_F(ShardedTest, IndexMetadataNotObject) {
  std::string path = write("sharded/model.safetensors.index.json",
                           R"({"metadata": 3, "weight_map": {}})");
  EXPECT_CONTAINS(openError(path), path + ": \"metadata\" is not an object");
}

TEST_F(ShardedTest, WeightMapMissing) {
  std::string path =
      write("sharded/model.safetensors.index.json", R"({"metadata": {}})");
  EXPECT_CONTAINS(openError(path), path + ": missing \"weight_map\"");
}

TEST_F(ShardedTest, WeightMapNotObject) {
  std::string path = write("sharded/model.safetensors.index.json",
                           R"({"weight_map": ["a.safetensors"]})");
  EXPECT_CONTAINS(openError(path), path + ": \"weight_map\" is not an object");
}

TEST_F(ShardedTest, WeightMapValueNotString) {
  std::string path = write("sharded/model.safetensors.index.json",
                           R"({"weight_map": {"w": 1}})");
  EXPECT_CONTAINS(openError(path),
                  path + ": \"weight_map\" entry for tensor \"w\" is not a "
                         "string");
}

TEST_F(ShardedTest, ShardEscapesFolder) {
  write("outside.safetensors",
        makeSafetensors({{"w", "U8", {1}, std::string("a")}}));
  for (const std::string &shard : std::vector<std::string>{
           "../outside.safetensors", (dir / "outside.safetensors").string(),
           "sub/../../outside.safetensors", "..", "", "a/../b.safetensors"}) {
    std::string path =
        write("sharded/model.safetensors.index.json",
              R"({"weight_map": {"w": )" + json::quote(shard) + "}}");
    std::string error = openError(path);
    EXPECT_CONTAINS(error, path +
                               ": \"weight_map\" entry for tensor \"w\": "
                               "shard " +
                               json::quote(shard) +
                               " is not a relative path inside the folder");
  }
  // A NUL would cut the path short at the system call.
  std::string path =
      write("sharded/model.safetensors.index.json",
            R"({"weight_map": {"w": "x.safetensors\u0000.txt"}})");
  EXPECT_CONTAINS(openError(path), "is not a relative path inside the folder");
}

TEST_F(ShardedTest, ShardMissing) {
  std::string indexPath = writeSharded();
  fs::remove(shard2());
  std::string error = openError(indexPath, WeightError::IO);
  EXPECT_CONTAINS(error, shard2() + ": cannot open: No such file or "
                                    "directory");
}

TEST_F(ShardedTest, ShardInvalid) {
  std::string indexPath = writeSharded();
  write("sharded/model-00001-of-00002.safetensors",
        oneTensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})",
                  std::string(8, 'x')));
  EXPECT_CONTAINS(openError(indexPath),
                  shard1() + ": tensor \"w\": \"data_offsets\" span 8 bytes, "
                             "but shape [3] of F32 needs 12");
}

TEST_F(ShardedTest, TensorNotInItsShard) {
  std::string indexPath =
      writeSharded(R"(, "lm_head": "model-00001-of-00002.safetensors")");
  EXPECT_CONTAINS(openError(indexPath),
                  indexPath + ": \"weight_map\" puts tensor \"lm_head\" in " +
                      shard1() + ", which does not contain it");
}

TEST_F(ShardedTest, TensorInTheWrongShard) {
  std::string indexPath = writeSharded();
  write("sharded/model.safetensors.index.json",
        R"({"weight_map": {"embed": "sub/model-00002-of-00002.safetensors",
                           "head": "model-00001-of-00002.safetensors"}})");
  EXPECT_CONTAINS(openError(indexPath), "puts tensor \"embed\" in " + shard2() +
                                            ", which does not contain it");
}

TEST_F(ShardedTest, TensorInTwoShards) {
  std::string indexPath = writeSharded();
  write("sharded/sub/model-00002-of-00002.safetensors",
        makeSafetensors({{"layer1.w", "F16", {2, 1}, std::string(4, '\0')},
                         {"head", "I64", {1}, std::string(8, '\0')},
                         {"embed", "U8", {1}, std::string(1, 'e')}}));
  std::string error = openError(indexPath);
  EXPECT_CONTAINS(error, "tensor \"embed\" is also in");
  EXPECT_CONTAINS(error, shard1());
  EXPECT_CONTAINS(error, shard2());
  EXPECT_CONTAINS(error, "a tensor must be in one shard only");
}

} // namespace
