//===- JsonTest.cpp - the runtime's JSON parser ---------------------------===//
//
// The reader takes untrusted headers, so besides round trips these tests pin
// down what it rejects (and that the message says where and why, in a short
// printable line), and that hostile nesting fails cleanly instead of
// overflowing the stack. Positions are those of the last byte read when the
// input stopped making sense.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include "test/unit/runtime/ExpectContains.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

using namespace seqrt::json;

namespace {

/// Parses `text`, expecting success.
Value parseOk(std::string_view text) {
  Value v;
  std::string error;
  EXPECT_TRUE(parse(text, v, error))
      << "input: " << text << "\nerror: " << error;
  return v;
}

/// Parses `text`, expecting failure; returns the message.
std::string parseError(std::string_view text) {
  Value v;
  std::string error;
  EXPECT_FALSE(parse(text, v, error)) << "input: " << text;
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(JsonTest, Literals) {
  EXPECT_TRUE(parseOk("null").isNull());
  EXPECT_TRUE(parseOk(" true ").getBool());
  EXPECT_FALSE(parseOk("\n\t\rfalse").getBool());
  EXPECT_CONTAINS(parseError("tru"), "1:4: invalid literal; last read: 'tru'");
  EXPECT_CONTAINS(parseError("nul"), "invalid literal");
  EXPECT_CONTAINS(parseError("True"), "1:1: invalid literal; last read: 'T'");
}

TEST(JsonTest, IntegersStayIntegers) {
  EXPECT_EQ(parseOk("0").getInt(), 0);
  EXPECT_EQ(parseOk("-0").getInt(), 0);
  EXPECT_EQ(parseOk("42").getInt(), 42);
  EXPECT_EQ(parseOk("-17").getInt(), -17);
  EXPECT_EQ(parseOk("9223372036854775807").getInt(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parseOk("-9223372036854775808").getInt(),
            std::numeric_limits<int64_t>::min());
  // One past the int64 range becomes a double rather than wrapping.
  Value big = parseOk("9223372036854775808");
  ASSERT_TRUE(big.isDouble());
  EXPECT_EQ(big.getNumber(), 9223372036854775808.0);
  Value small = parseOk("-9223372036854775809");
  ASSERT_TRUE(small.isDouble());
  EXPECT_EQ(small.getNumber(), -9223372036854775808.0);
  ASSERT_TRUE(parseOk("18446744073709551616").isDouble());
}

TEST(JsonTest, FractionsAndExponentsAreDoubles) {
  Value v = parseOk("1.5");
  ASSERT_TRUE(v.isDouble());
  EXPECT_EQ(v.getNumber(), 1.5);
  EXPECT_TRUE(parseOk("1.0").isDouble());
  EXPECT_TRUE(parseOk("1e2").isDouble());
  EXPECT_EQ(parseOk("1E+2").getNumber(), 100.0);
  EXPECT_EQ(parseOk("-2.5e-3").getNumber(), -2.5e-3);
  EXPECT_EQ(parseOk("0.1").getNumber(), 0.1);
  EXPECT_EQ(parseOk("1.7976931348623157e308").getNumber(),
            std::numeric_limits<double>::max());
  EXPECT_EQ(parseOk("5e-324").getNumber(),
            std::numeric_limits<double>::denorm_min());
  // Underflow goes to zero with its sign; overflow is an error (JSON has no
  // infinity to give back).
  Value tiny = parseOk("-1e-400");
  EXPECT_EQ(tiny.getNumber(), 0.0);
  EXPECT_TRUE(std::signbit(tiny.getNumber()));
  EXPECT_EQ(parseOk("0.0000001e-330").getNumber(), 0.0);
  EXPECT_CONTAINS(parseError("1e400"), "1:5: number overflow parsing '1e400'");
  EXPECT_CONTAINS(parseError("[-123.4e99999999999999999999]"),
                  "1:28: number overflow");
  EXPECT_EQ(parseOk("1e-99999999999999999999").getNumber(), 0.0);
}

TEST(JsonTest, MalformedNumbers) {
  // A leading zero ends the number; the next digit is a second value.
  EXPECT_CONTAINS(parseError("01"),
                  "1:2: unexpected number literal; expected end of input");
  EXPECT_CONTAINS(parseError("-01"), "1:3: unexpected number literal");
  EXPECT_CONTAINS(parseError("[00]"), "1:3: syntax error while parsing array");
  EXPECT_CONTAINS(parseError("-"), "1:2: invalid number; expected digit after "
                                   "'-'");
  EXPECT_CONTAINS(parseError("1."), "1:3: invalid number; expected digit after "
                                    "'.'");
  EXPECT_CONTAINS(parseError("1.e5"), "expected digit after '.'");
  EXPECT_CONTAINS(parseError("1e"),
                  "1:3: invalid number; expected '+', '-', or digit after "
                  "exponent");
  EXPECT_CONTAINS(parseError("1e+"), "expected digit after exponent sign");
  EXPECT_CONTAINS(parseError("+1"), "1:1: invalid literal; last read: '+'");
  EXPECT_CONTAINS(parseError(".5"), "invalid literal");
  EXPECT_CONTAINS(parseError("0x10"), "1:2: invalid literal; last read: '0x'");
  EXPECT_CONTAINS(parseError("NaN"), "invalid literal");
  EXPECT_CONTAINS(parseError("-Infinity"), "expected digit after '-'");
}

TEST(JsonTest, StringEscapes) {
  EXPECT_EQ(parseOk(R"("plain")").getString(), "plain");
  EXPECT_EQ(parseOk(R"("")").getString(), "");
  EXPECT_EQ(parseOk(R"("a\"b\\c\/d\be\ff\ng\rh\ti")").getString(),
            "a\"b\\c/d\be\ff\ng\rh\ti");
  EXPECT_EQ(parseOk(R"("\u0041\u00e9\u20AC")").getString(),
            "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(parseOk(R"("\u0000")").getString(), std::string(1, '\0'));
  // A surrogate pair is one code point: U+1F600 as 4 bytes of UTF-8.
  EXPECT_EQ(parseOk(R"("\ud83d\ude00")").getString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseOk(R"("\uDBFF\uDFFF")").getString(), "\xF4\x8F\xBF\xBF");
  // Raw UTF-8 passes through untouched.
  EXPECT_EQ(parseOk("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").getString(),
            "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(JsonTest, BadStrings) {
  EXPECT_CONTAINS(parseError("\"abc"),
                  "1:5: invalid string: missing closing quote");
  EXPECT_CONTAINS(parseError("\"abc\\"), "invalid string");
  EXPECT_CONTAINS(parseError("\"a\nb\""),
                  "1:3: invalid string: control character U+000A (LF) must be "
                  "escaped");
  EXPECT_CONTAINS(parseError(std::string_view("\"a\0b\"", 5)),
                  "control character U+0000");
  EXPECT_CONTAINS(parseError("\"\t\""), "control character U+0009");
  EXPECT_CONTAINS(parseError(R"("\q")"),
                  "1:3: invalid string: forbidden character after backslash");
  EXPECT_CONTAINS(parseError(R"("\x41")"),
                  "forbidden character after backslash");
  EXPECT_CONTAINS(parseError(R"("\u12")"),
                  "1:6: invalid string: '\\u' must be followed by 4 hex "
                  "digits");
  EXPECT_CONTAINS(parseError(R"("\u12G4")"),
                  "must be followed by 4 hex digits");
  EXPECT_CONTAINS(parseError(R"("\ud83d")"),
                  "1:8: invalid string: surrogate U+D800..U+DBFF must be "
                  "followed by U+DC00..U+DFFF");
  EXPECT_CONTAINS(parseError(R"("\ud83dx")"), "must be followed by U+DC00");
  EXPECT_CONTAINS(parseError(R"("\ud83d\u0041")"),
                  "1:13: invalid string: surrogate U+D800..U+DBFF");
  EXPECT_CONTAINS(parseError(R"("\ude00")"),
                  "1:7: invalid string: surrogate U+DC00..U+DFFF must follow "
                  "U+D800..U+DBFF");
}

TEST(JsonTest, InvalidUtf8) {
  const char *bad[] = {
      "\"\xFF\"",             // never valid
      "\"\x80\"",             // a stray continuation byte
      "\"\xC0\x80\"",         // overlong NUL
      "\"\xE0\x80\xAF\"",     // overlong '/'
      "\"\xED\xA0\x80\"",     // an encoded surrogate
      "\"\xF4\x90\x80\x80\"", // above U+10FFFF
      "\"\xC3\"",             // truncated
      "\"\xE2\x82\"",         // truncated
  };
  // The message shows the bytes read as \xNN: it stays printable ASCII.
  for (const char *text : bad) {
    std::string error = parseError(text);
    EXPECT_CONTAINS(error, "invalid string: ill-formed UTF-8 byte");
    EXPECT_CONTAINS(error, "last read: '\"\\x");
    for (char c : error)
      EXPECT_TRUE(c >= 0x20 && c < 0x7F) << error;
  }
}

TEST(JsonTest, ArraysAndObjects) {
  Value v = parseOk(R"( { "b" : [1, 2.5, "x", null, true, {}, []],
                          "a" : { "nested" : -3 } } )");
  ASSERT_TRUE(v.isObject());
  const Object &o = v.getObject();
  ASSERT_EQ(o.size(), 2u);
  // Insertion order, not sorted order.
  EXPECT_EQ(o.getMembers()[0].key, "b");
  EXPECT_EQ(o.getMembers()[1].key, "a");
  const Value *b = v.find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->isArray());
  const Value::ArrayType &items = b->getArray();
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[0].getInt(), 1);
  EXPECT_EQ(items[1].getNumber(), 2.5);
  EXPECT_EQ(items[2].getString(), "x");
  EXPECT_TRUE(items[3].isNull());
  EXPECT_TRUE(items[4].getBool());
  EXPECT_TRUE(items[5].isObject() && items[5].getObject().empty());
  EXPECT_TRUE(items[6].isArray() && items[6].getArray().empty());
  ASSERT_NE(v.find("a"), nullptr);
  EXPECT_EQ(v.find("a")->find("nested")->getInt(), -3);
  EXPECT_EQ(v.find("missing"), nullptr);
  // find on a non-object is a null result, not a crash.
  EXPECT_EQ(items[0].find("a"), nullptr);
}

TEST(JsonTest, LargeObjectLookup) {
  // Past the size where the object builds its hash index.
  std::string text = "{";
  for (int i = 0; i < 1000; ++i)
    text += (i ? ",\"k" : "\"k") + std::to_string(i) +
            "\":" + std::to_string(i * 3);
  text += "}";
  Value v = parseOk(text);
  ASSERT_EQ(v.getObject().size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    const Value *m = v.find("k" + std::to_string(i));
    ASSERT_NE(m, nullptr) << i;
    EXPECT_EQ(m->getInt(), i * 3);
  }
  EXPECT_EQ(v.find("k1000"), nullptr);
  EXPECT_EQ(v.getObject().getMembers()[999].key, "k999");

  // A copy keeps a working index, independent of the original.
  Value copy = v;
  copy.getObject().insert("extra", Value(true));
  EXPECT_TRUE(copy.find("extra")->getBool());
  EXPECT_EQ(copy.find("k500")->getInt(), 1500);
  EXPECT_EQ(v.find("extra"), nullptr);

  // Duplicates are caught in big objects too.
  std::string dup = text;
  dup.back() = ',';
  dup += "\"k10\":0}";
  EXPECT_CONTAINS(parseError(dup), "duplicate key \"k10\"");
}

TEST(JsonTest, ObjectInsertRefusesDuplicates) {
  Object o;
  EXPECT_TRUE(o.insert("a", Value(1)));
  EXPECT_FALSE(o.insert("a", Value(2)));
  EXPECT_EQ(o.size(), 1u);
  EXPECT_EQ(o.find("a")->getInt(), 1);
}

TEST(JsonTest, DuplicateKeysAreErrors) {
  EXPECT_CONTAINS(parseError(R"({"a": 1, "a": 2})"),
                  "1:10: duplicate key \"a\" in an object");
  // Escapes are decoded before comparing.
  EXPECT_CONTAINS(parseError(R"({"a": 1, "\u0061": 2})"),
                  "1:10: duplicate key");
  // The position is the key's opening quote even when the key holds
  // escaped quotes and backslashes.
  EXPECT_CONTAINS(parseError(R"({"\"\\": 1,
 "\"\\": 2})"),
                  "2:2: duplicate key \"\\\"\\\\\" in an object");
  // The same key in different objects is fine.
  parseOk(R"({"a": {"a": 1}, "b": {"a": 2}})");
}

TEST(JsonTest, StructuralErrorsSayWhereAndWhat) {
  EXPECT_CONTAINS(parseError(""), "1:1: unexpected end of input; expected "
                                  "'[', '{', or a literal");
  EXPECT_CONTAINS(parseError("   \n  "), "2:3: unexpected end of input");
  EXPECT_CONTAINS(parseError("{\n  \"a\": 1,\n  \"b\" 2\n}"),
                  "3:7: syntax error while parsing object separator - "
                  "unexpected number literal; expected ':'");
  EXPECT_CONTAINS(parseError("[1, 2"),
                  "1:6: syntax error while parsing array - unexpected end of "
                  "input; expected ']'");
  EXPECT_CONTAINS(parseError("[1 2]"),
                  "1:4: syntax error while parsing array - unexpected number "
                  "literal");
  EXPECT_CONTAINS(parseError("[1,]"), "1:4: unexpected ']'");
  EXPECT_CONTAINS(parseError(R"({"a":1,})"),
                  "1:8: syntax error while parsing object key - unexpected "
                  "'}'; expected string literal");
  EXPECT_CONTAINS(parseError("{a:1}"), "while parsing object key");
  EXPECT_CONTAINS(parseError(R"({"a":1 "b":2})"),
                  "1:10: syntax error while parsing object - unexpected "
                  "string literal; expected '}'");
  EXPECT_CONTAINS(parseError(R"({"a")"), "expected ':'");
  EXPECT_CONTAINS(parseError(R"({"a":)"), "1:6: unexpected end of input");
  EXPECT_CONTAINS(parseError("[1] x"), "1:5: invalid literal");
  EXPECT_CONTAINS(parseError("{} {}"), "expected end of input");
  EXPECT_CONTAINS(parseError("1 2"), "1:3: unexpected number literal; expected "
                                     "end of input");
  // Only the four JSON whitespace characters count.
  EXPECT_CONTAINS(parseError("\v1"), "1:1: invalid literal; last read: "
                                     "'<U+000B>'");
  EXPECT_CONTAINS(parseError("1\f"), "expected end of input");
  EXPECT_CONTAINS(parseError("// comment\n1"), "1:1: invalid literal");
  // NUL bytes: never valid outside a string (and inside only escaped).
  using namespace std::string_literals;
  EXPECT_CONTAINS(parseError("{}\0"s), "1:3: NUL byte outside a string");
  EXPECT_CONTAINS(parseError("[1,\0 2]"s), "1:4: NUL byte outside a string");
  EXPECT_CONTAINS(parseError("\0"s), "1:1: NUL byte outside a string");
  EXPECT_CONTAINS(parseError("[\"a\0\"]"s), "control character U+0000");
  // A UTF-8 byte order mark before the document is skipped (RFC 8259 lets a
  // parser ignore it); anywhere else it is an error.
  EXPECT_TRUE(parseOk("\xEF\xBB\xBF{}").isObject());
  EXPECT_CONTAINS(parseError("[\xEF\xBB\xBF]"), "1:2: invalid literal");
}

TEST(JsonTest, ErrorsStayShort) {
  // An unterminated 1 MB string: the message quotes a bounded prefix.
  std::string error = parseError("\"" + std::string(1 << 20, 'a'));
  EXPECT_CONTAINS(error, "1:1048578: invalid string: missing closing quote");
  EXPECT_LT(error.size(), 300u);
  EXPECT_EQ(error.substr(error.size() - 3), "...");
  // So does a duplicate key of the same length.
  std::string key = "\"" + std::string(1 << 20, 'k') + "\"";
  error = parseError("{" + key + ":1," + key + ":2}");
  EXPECT_CONTAINS(error, "1:1048583: duplicate key \"kkk");
  EXPECT_LT(error.size(), 300u);
}

TEST(JsonTest, NestingLimit) {
  auto nested = [](unsigned depth, char open, char close) {
    return std::string(depth, open) + std::string(depth, close);
  };
  parseOk(nested(kMaxDepth, '[', ']'));
  EXPECT_CONTAINS(parseError(nested(kMaxDepth + 1, '[', ']')),
                  "1:129: nesting deeper than 128 levels");

  std::string objects;
  for (unsigned i = 0; i < kMaxDepth; ++i)
    objects += "{\"a\":";
  objects += "1" + std::string(kMaxDepth, '}');
  parseOk(objects);
  EXPECT_CONTAINS(parseError("[" + objects + "]"), "nesting deeper than 128");

  // Hostile input: deep enough to overflow the stack without the limit.
  EXPECT_CONTAINS(parseError(std::string(1000000, '[')),
                  "nesting deeper than 128");
  std::string deepObjects;
  for (int i = 0; i < 200000; ++i)
    deepObjects += "{\"\":";
  EXPECT_CONTAINS(parseError(deepObjects), "nesting deeper than 128");
}

TEST(JsonTest, SerializeRoundTrip) {
  const char *text =
      R"({"name":"w","shape":[2,3],"offsets":[0,24],"ok":true,"none":null,)"
      R"("x":-1.5,"nested":{"a":[],"b":{}}})";
  Value v = parseOk(text);
  EXPECT_EQ(serialize(v), text);
  EXPECT_EQ(parseOk(serialize(v)), v);
}

TEST(JsonTest, SerializeNumbersReadBackExactly) {
  for (double d : {0.1, 1e300, -2.5e-308, 5e-324, 123456789.125, 2.0, -0.0,
                   1e21, 3.4028234663852886e38}) {
    Value v(d);
    std::string s = serialize(v);
    Value back = parseOk(s);
    ASSERT_TRUE(back.isDouble()) << s;
    EXPECT_EQ(back.getNumber(), d) << s;
    EXPECT_EQ(std::signbit(back.getNumber()), std::signbit(d)) << s;
  }
  EXPECT_EQ(serialize(Value(2.0)), "2.0");
  EXPECT_EQ(serialize(Value(int64_t(2))), "2");
  EXPECT_EQ(serialize(Value(std::numeric_limits<int64_t>::min())),
            "-9223372036854775808");
  EXPECT_EQ(serialize(Value(std::nan(""))), "null");
  EXPECT_EQ(serialize(Value(-INFINITY)), "null");
}

TEST(JsonTest, QuoteEscapes) {
  EXPECT_EQ(quote("plain"), "\"plain\"");
  EXPECT_EQ(quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(quote("\n\t\r\b\f"), R"("\n\t\r\b\f")");
  EXPECT_EQ(quote(std::string_view("\0\x1f", 2)), R"("\u0000\u001f")");
  EXPECT_EQ(quote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  // Every string survives quote -> parse.
  std::string all;
  for (int c = 1; c < 0x80; ++c)
    all += static_cast<char>(c);
  all += "\xE2\x82\xAC";
  EXPECT_EQ(parseOk(quote(all)).getString(), all);
}

TEST(JsonTest, Equality) {
  EXPECT_EQ(parseOk(R"({"a":1,"b":[true,null]})"),
            parseOk(R"({"b":[true,null],"a":1})"));
  EXPECT_NE(parseOk(R"({"a":1})"), parseOk(R"({"a":1.0})"));
  EXPECT_NE(parseOk("[1,2]"), parseOk("[2,1]"));
  EXPECT_NE(parseOk(R"({"a":1})"), parseOk(R"({"a":1,"b":2})"));
}

} // namespace
