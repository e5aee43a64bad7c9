//===- BlockQuantizationTest.cpp - Q8_0/Q4_0 rounding against llama.cpp ---===//
//
// seqc import --weights=q8_0|q4_0|q4_1 must hold the numbers a llama.cpp file
// of that type holds: every block of test/unit/goldens/<type>_reference.txt
// (written by tools/goldens/make_block_quant_reference.py with gguf's own
// quantizer: zeros, exact rounding ties, subnormal scales, ties of the
// largest magnitude, random blocks) must come out bit for bit the same.
// Non-finite input is refused.
//
//===----------------------------------------------------------------------===//

#include "frontends/hf/BlockQuantization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Block {
  std::vector<float> x;
  uint16_t d = 0, m = 0; ///< m: Q4_1's min
  std::vector<int> q;
};

std::vector<Block> loadReference(const std::string &format) {
  std::ifstream in(SEQC_UNIT_GOLDENS_DIR "/" + format + "_reference.txt");
  std::vector<Block> blocks;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line.substr(2));
    if (line[0] == 'x') {
      blocks.emplace_back();
      std::string hex;
      while (fields >> hex) {
        uint32_t bits = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
        float v;
        std::memcpy(&v, &bits, sizeof v);
        blocks.back().x.push_back(v);
      }
    } else if (line[0] == 'd') {
      std::string hex;
      fields >> hex;
      blocks.back().d = static_cast<uint16_t>(std::stoul(hex, nullptr, 16));
      if (fields >> hex)
        blocks.back().m = static_cast<uint16_t>(std::stoul(hex, nullptr, 16));
    } else if (line[0] == 'q') {
      int v;
      while (fields >> v)
        blocks.back().q.push_back(v);
    }
  }
  return blocks;
}

/// Every block's inputs, one row after the other (blocks of 32 checked).
std::vector<float> inputsOf(const std::vector<Block> &blocks) {
  std::vector<float> x;
  for (const Block &b : blocks) {
    EXPECT_EQ(b.x.size(), 32u);
    EXPECT_EQ(b.q.size(), 32u);
    x.insert(x.end(), b.x.begin(), b.x.end());
  }
  return x;
}

/// Element k of a packed 4-bit row: byte k / 2, the low nibble for even k.
int nibble(const std::vector<uint8_t> &packed, size_t k) {
  return (packed[k / 2] >> (k % 2 ? 4 : 0)) & 15;
}

TEST(BlockQuantization, Q8_0MatchesLlamaCppBitForBit) {
  std::vector<Block> blocks = loadReference("q8_0");
  ASSERT_EQ(blocks.size(), 30u) << "missing or truncated reference file";
  // All blocks in one call, as a weight row is quantized.
  std::vector<float> x = inputsOf(blocks);
  std::vector<int8_t> values(x.size());
  std::vector<uint16_t> scales(blocks.size());
  ASSERT_TRUE(
      seqc::hf::quantizeQ8_0(x.data(), x.size(), values.data(), scales.data()));
  for (size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(scales[i], blocks[i].d) << "scale of block " << i;
    for (size_t j = 0; j < 32; ++j)
      EXPECT_EQ(values[i * 32 + j], blocks[i].q[j])
          << "block " << i << " element " << j << " (x = " << blocks[i].x[j]
          << ")";
  }
}

TEST(BlockQuantization, Q4_0MatchesLlamaCppBitForBit) {
  std::vector<Block> blocks = loadReference("q4_0");
  ASSERT_EQ(blocks.size(), 33u) << "missing or truncated reference file";
  std::vector<float> x = inputsOf(blocks);
  std::vector<uint8_t> packed(x.size() / 2);
  std::vector<uint16_t> scales(blocks.size());
  ASSERT_TRUE(
      seqc::hf::quantizeQ4_0(x.data(), x.size(), packed.data(), scales.data()));
  for (size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(scales[i], blocks[i].d) << "scale of block " << i;
    for (size_t j = 0; j < 32; ++j) {
      EXPECT_EQ(nibble(packed, i * 32 + j), blocks[i].q[j])
          << "block " << i << " element " << j << " (x = " << blocks[i].x[j]
          << ")";
    }
  }
}

TEST(BlockQuantization, Q4_1MatchesLlamaCppBitForBit) {
  std::vector<Block> blocks = loadReference("q4_1");
  ASSERT_EQ(blocks.size(), 33u) << "missing or truncated reference file";
  std::vector<float> x = inputsOf(blocks);
  std::vector<uint8_t> packed(x.size() / 2);
  std::vector<uint16_t> scales(blocks.size()), offsets(blocks.size());
  ASSERT_TRUE(seqc::hf::quantizeQ4_1(x.data(), x.size(), packed.data(),
                                     scales.data(), offsets.data()));
  for (size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(scales[i], blocks[i].d) << "scale of block " << i;
    EXPECT_EQ(offsets[i], blocks[i].m) << "min of block " << i;
    for (size_t j = 0; j < 32; ++j) {
      EXPECT_EQ(nibble(packed, i * 32 + j), blocks[i].q[j])
          << "block " << i << " element " << j << " (x = " << blocks[i].x[j]
          << ")";
    }
  }
}

TEST(BlockQuantization, Q4_0RefusesNonFiniteValues) {
  std::vector<float> x(64, 0.5f);
  std::vector<uint8_t> packed(32);
  std::vector<uint16_t> scales(2);
  x[3] = -INFINITY;
  EXPECT_FALSE(
      seqc::hf::quantizeQ4_0(x.data(), 64, packed.data(), scales.data()));
}

TEST(BlockQuantization, Q8_0RefusesNonFiniteValues) {
  std::vector<float> x(64, 0.5f);
  std::vector<int8_t> values(64);
  std::vector<uint16_t> scales(2);
  x[40] = INFINITY;
  EXPECT_FALSE(
      seqc::hf::quantizeQ8_0(x.data(), 64, values.data(), scales.data()));
  x[40] = NAN;
  EXPECT_FALSE(
      seqc::hf::quantizeQ8_0(x.data(), 64, values.data(), scales.data()));
  // A block whose scale overflows f16 (max |x| / 127 > 65504).
  x[40] = 1e10f;
  EXPECT_FALSE(
      seqc::hf::quantizeQ8_0(x.data(), 64, values.data(), scales.data()));
}

} // namespace
