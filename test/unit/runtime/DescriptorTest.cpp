//===- DescriptorTest.cpp - the model descriptor parser on hostile input --===//
//
// The runtime trusts a parsed descriptor to size session state and to index
// weights; every bound the parser enforces is checked here with the
// smallest descriptor that breaks it.
//
//===----------------------------------------------------------------------===//

#include "ModelDescriptor.h"

#include <gtest/gtest.h>

#include <string>

using namespace seqrt;

namespace {

/// A minimal valid descriptor with `extra` top-level fields, a weight of
/// `weightShape` named `weightName`, and a state of `stateShape`.
std::string descriptor(const std::string &extra = "",
                       const std::string &weightShape = "[4,4]",
                       const std::string &stateShape = "[1,8]",
                       const std::string &weightName = "\"w\"") {
  return "{\"format\":\"seqc-model\",\"abi\":1" + extra +
         ",\"entries\":[{\"name\":\"prefill\",\"symbol\":\"seq_entry_prefill\","
         "\"args\":[{\"kind\":\"input\",\"dtype\":\"i64\",\"shape\":[1,-1]},"
         "{\"kind\":\"state\",\"name\":\"s\",\"dtype\":\"f32\",\"shape\":" +
         stateShape +
         "},{\"kind\":\"output\",\"dtype\":\"f32\",\"shape\":[1,-1,4]}],"
         "\"weights\":[0]}],\"weights\":[{\"name\":" +
         weightName + ",\"dtype\":\"f32\",\"shape\":" + weightShape + "}]}";
}

std::string parseError(const std::string &text) {
  ModelDescriptor d;
  Error e = parseDescriptor(text.c_str(), "m.so", d);
  return e ? e.message : "";
}

TEST(DescriptorTest, MinimalDescriptorParses) {
  ModelDescriptor d;
  ASSERT_FALSE(parseDescriptor(descriptor().c_str(), "m.so", d));
  EXPECT_EQ(d.states.size(), 1u);
  EXPECT_EQ(d.states[0].spec.staticBytes(), 32u);
}

TEST(DescriptorTest, SessionLimitsAreBounded) {
  EXPECT_NE(parseError(descriptor(",\"max_positions\":-1"))
                .find("'max_positions' is -1, outside [0, 2147483647]"),
            std::string::npos);
  EXPECT_NE(parseError(descriptor(",\"max_positions\":4294967296"))
                .find("max_positions"),
            std::string::npos);
  EXPECT_NE(parseError(descriptor(",\"max_tokens_per_call\":-5"))
                .find("max_tokens_per_call"),
            std::string::npos);
  EXPECT_NE(parseError(descriptor(",\"num_threads_default\":100000"))
                .find("num_threads_default"),
            std::string::npos);
  EXPECT_EQ(parseError(descriptor(",\"max_positions\":64")), "");
}

TEST(DescriptorTest, ShapesAreBounded) {
  // Rank above the ABI's memref limit.
  EXPECT_NE(parseError(descriptor("", "[1,1,1,1,1,1,1,1,2]"))
                .find("rank 9 exceeds the runtime's maximum of 8"),
            std::string::npos);
  // A dim past 2^40, and a product that would wrap 64 bits.
  EXPECT_NE(parseError(descriptor("", "[2199023255553]")).find("[-1, 2^40]"),
            std::string::npos);
  EXPECT_NE(parseError(descriptor("", "[1099511627776,1099511627776]"))
                .find("exceeds 1 TiB"),
            std::string::npos);
  EXPECT_NE(parseError(descriptor("", "[4,4]", "[1048576,1048576,1024]"))
                .find("exceeds 1 TiB"),
            std::string::npos);
}

TEST(DescriptorTest, NamesAreCleanAndUnique) {
  EXPECT_NE(parseError(descriptor("", "[4,4]", "[1,8]", "\"a\\u0000b\""))
                .find("without NUL"),
            std::string::npos);
  EXPECT_NE(
      parseError(descriptor("", "[4,4]", "[1,8]", "\"\"")).find("non-empty"),
      std::string::npos);
  std::string twice = descriptor();
  twice.replace(twice.rfind("]}"), 2,
                ",{\"name\":\"w\",\"dtype\":\"f32\",\"shape\":[2]}]}");
  EXPECT_NE(parseError(twice).find("weight 'w' is listed twice"),
            std::string::npos);
}

TEST(DescriptorTest, WeightLayoutsAreChecked) {
  // Panels [N/p, K, p]: stored as the matrix [N, K].
  ModelDescriptor d;
  ASSERT_FALSE(parseDescriptor(
      descriptor("", "[2,4,8],\"panels\":true").c_str(), "m.so", d));
  ASSERT_EQ(d.weights.size(), 1u);
  EXPECT_TRUE(d.weights[0].panels);
  EXPECT_EQ(d.weights[0].storedShape(), (std::vector<int64_t>{16, 4}));
  for (const char *bad : {"[4,4],\"panels\":true", "[2,4,8],\"panels\":1",
                          "[2,4,8],\"transposed\":false,\"stacked\":false,"
                          "\"panels\":\"yes\""})
    EXPECT_NE(parseError(descriptor("", bad))
                  .find("'panels' must be a boolean on a 3-D weight"),
              std::string::npos)
        << bad;
  EXPECT_NE(
      parseError(descriptor("", "[2,4],\"transposed\":true,\"panels\":true"))
          .find("'panels'"),
      std::string::npos);
}

TEST(DescriptorTest, StateSizesUseCheckedArithmetic) {
  // 2^62 f32 elements: the byte count wraps 64 bits unless checked.
  EXPECT_NE(parseError(descriptor("", "[4,4]", "[4611686018427387904]"))
                .find("[-1, 2^40]"),
            std::string::npos);
  EXPECT_NE(parseError(descriptor("", "[4,4]", "[1073741824,1073741824]"))
                .find("exceeds 1 TiB"),
            std::string::npos);
}

} // namespace

/// The compiler writes what the runtime reads: every field survives
/// writeDescriptor → parseDescriptor, and the text written by hand in the
/// minimal descriptor above is exactly what the writer produces for it.
TEST(DescriptorTest, WriterAndParserShareOneSchema) {
  ModelDescriptor d;
  d.abi = 1;
  d.maxPositions = 4096;
  d.maxTokensPerCall = 512;
  d.maxSourcePositions = 128;
  d.sourceVocabSize = 96;
  d.numThreadsDefault = 2;
  d.target = "cuda:sm_90";
  d.weights.push_back({"embed",
                       {"f32", {8, 4}},
                       /*transposed=*/true,
                       /*stacked=*/false});
  d.weights.push_back({"experts.{}.w", {"f16", {2, 4, 4}}, false, true});
  d.weights.push_back({"up", {"f32", {2, 4, 32}}, false, false, true});
  Entry prefill{"prefill", "seq_entry_prefill", {}, {0, 1}};
  prefill.args.push_back({EntryArg::Kind::Input, "", {"i64", {1, -1}}});
  prefill.args.push_back({EntryArg::Kind::Index, "", {}});
  prefill.args.push_back({EntryArg::Kind::State, "kv \"0\"", {"f32", {2, 8}}});
  prefill.args.push_back({EntryArg::Kind::Output, "", {"f32", {1, -1, 8}}});
  d.entries.push_back(prefill);

  std::string text = writeDescriptor(d);
  ModelDescriptor back;
  Error e = parseDescriptor(text.c_str(), "m.so", back);
  ASSERT_FALSE(e) << e.message;
  EXPECT_EQ(back.abi, 1);
  EXPECT_EQ(back.maxPositions, 4096);
  EXPECT_EQ(back.maxTokensPerCall, 512);
  EXPECT_EQ(back.maxSourcePositions, 128);
  EXPECT_EQ(back.sourceVocabSize, 96);
  EXPECT_EQ(back.numThreadsDefault, 2);
  EXPECT_EQ(back.target, "cuda:sm_90");
  ASSERT_EQ(back.weights.size(), 3u);
  EXPECT_EQ(back.weights[0].name, "embed");
  EXPECT_EQ(back.weights[0].spec.str(), "f32[8,4]");
  EXPECT_TRUE(back.weights[0].transposed);
  EXPECT_FALSE(back.weights[0].stacked);
  EXPECT_EQ(back.weights[1].name, "experts.{}.w");
  EXPECT_TRUE(back.weights[1].stacked);
  EXPECT_FALSE(back.weights[1].panels);
  EXPECT_TRUE(back.weights[2].panels);
  EXPECT_EQ(back.weights[2].storedShape(), (std::vector<int64_t>{64, 4}));
  ASSERT_EQ(back.entries.size(), 1u);
  const Entry &entry = back.entries[0];
  EXPECT_EQ(entry.symbol, "seq_entry_prefill");
  EXPECT_EQ(entry.weights, (std::vector<int64_t>{0, 1}));
  ASSERT_EQ(entry.args.size(), 4u);
  EXPECT_EQ(entry.args[0].kind, EntryArg::Kind::Input);
  EXPECT_EQ(entry.args[0].spec.str(), "i64[1,?]");
  EXPECT_EQ(entry.args[1].kind, EntryArg::Kind::Index);
  EXPECT_EQ(entry.args[2].kind, EntryArg::Kind::State);
  EXPECT_EQ(entry.args[2].name, "kv \"0\"");
  EXPECT_EQ(entry.args[3].spec.str(), "f32[1,?,8]");
  ASSERT_EQ(back.states.size(), 1u);
  EXPECT_EQ(back.states[0].name, "kv \"0\"");
  EXPECT_EQ(writeDescriptor(back), text);

  // Defaults are left out, in the order the format lists its fields.
  ModelDescriptor minimal;
  ASSERT_FALSE(parseDescriptor(descriptor().c_str(), "m.so", minimal));
  EXPECT_EQ(writeDescriptor(minimal), descriptor());
}

namespace {

/// A descriptor whose prefill has state `s` [1, 8, 4] and whose
/// decode_beams takes state `name` of `shape`.
std::string beamDescriptor(const std::string &name, const std::string &shape) {
  std::string state = "{\"kind\":\"state\",\"name\":\"";
  return "{\"format\":\"seqc-model\",\"abi\":1,\"entries\":["
         "{\"name\":\"prefill\",\"symbol\":\"p\",\"args\":["
         "{\"kind\":\"input\",\"dtype\":\"i64\",\"shape\":[1,-1]}," +
         state +
         "s\",\"dtype\":\"f32\",\"shape\":[1,8,4]},"
         "{\"kind\":\"output\",\"dtype\":\"f32\",\"shape\":[1,-1,4]}],"
         "\"weights\":[]},"
         "{\"name\":\"decode_beams\",\"symbol\":\"b\",\"args\":["
         "{\"kind\":\"input\",\"dtype\":\"i64\",\"shape\":[1,-1]}," +
         state + name + "\",\"dtype\":\"f32\",\"shape\":" + shape +
         "},{\"kind\":\"output\",\"dtype\":\"f32\",\"shape\":[1,-1,4]}],"
         "\"weights\":[]}],\"weights\":[]}";
}

} // namespace

TEST(DescriptorTest, PartialPanelsStoreTheirRows) {
  auto withRows = [](const std::string &rows) {
    return "{\"format\":\"seqc-model\",\"abi\":1,\"entries\":[{\"name\":"
           "\"prefill\",\"symbol\":\"p\",\"args\":[{\"kind\":\"input\","
           "\"dtype\":\"i64\",\"shape\":[1,-1]},{\"kind\":\"output\","
           "\"dtype\":\"f32\",\"shape\":[1,-1,4]}],\"weights\":[0]}],"
           "\"weights\":[{\"name\":\"w\",\"dtype\":\"f32\",\"shape\":"
           "[4,16,32],\"panels\":true" +
           rows + "}]}";
  };
  ModelDescriptor d, full;
  ASSERT_FALSE(parseDescriptor(withRows(",\"rows\":100").c_str(), "m.so", d));
  EXPECT_EQ(d.weights[0].storedShape(), (std::vector<int64_t>{100, 16}));
  ASSERT_FALSE(parseDescriptor(withRows("").c_str(), "m.so", full));
  EXPECT_EQ(full.weights[0].storedShape(), (std::vector<int64_t>{128, 16}));
  // Within the last panel only.
  for (const char *bad : {",\"rows\":96", ",\"rows\":128", ",\"rows\":true"})
    EXPECT_NE(parseError(withRows(bad))
                  .find("'rows' must be an integer on a "
                        "weight in panels, within its "
                        "last panel"),
              std::string::npos)
        << bad;
  // The writer keeps it.
  ModelDescriptor again;
  ASSERT_FALSE(parseDescriptor(writeDescriptor(d).c_str(), "m.so", again));
  EXPECT_EQ(again.weights[0].rows, 100);
}

TEST(DescriptorTest, PerRowStatesMatchASessionState) {
  // Dims 0 (rows) and 1 (positions) may be dynamic.
  EXPECT_EQ(parseError(beamDescriptor("beams.s", "[-1,8,4]")), "");
  EXPECT_EQ(parseError(beamDescriptor("beams.s", "[-1,-1,4]")), "");
  EXPECT_EQ(parseError(beamDescriptor("sources.s", "[-1,-1,4]")), "");
  EXPECT_EQ(parseError(beamDescriptor("sources.s", "[-1,8,4]")), "");
  ModelDescriptor d;
  ASSERT_FALSE(parseDescriptor(beamDescriptor("sources.s", "[-1,-1,4]").c_str(),
                               "m.so", d));
  for (const StateSpec &s : d.states)
    EXPECT_EQ(s.perSource(), s.name == "sources.s");
  EXPECT_NE(parseError(beamDescriptor("sources.s", "[-1,8,-1]"))
                .find("must have a static shape"),
            std::string::npos);
  // The row must be the session state's.
  EXPECT_NE(parseError(beamDescriptor("sources.s", "[-1,-1,5]"))
                .find("per-row state 'sources.s' f32[?,?,5] has no session "
                      "state 's' of one row's shape"),
            std::string::npos);
  EXPECT_NE(parseError(beamDescriptor("beams.t", "[-1,8,4]"))
                .find("no session state 't'"),
            std::string::npos);
  EXPECT_NE(parseError(beamDescriptor("rows.s", "[-1,8,4]"))
                .find("no session state ''"),
            std::string::npos);
}
