// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/msgpack.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::values {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::HasSubstr;

// Bytes from hex pairs ("86 a3"); spaces are ignored.
std::string H(std::string_view hex) {
  std::string out;
  int high = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else {
      continue;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Value Num(const std::string& text) {
  absl::StatusOr<Number> n = Number::Parse(text);
  EXPECT_TRUE(n.ok()) << text;
  return Value::Number(n.ok() ? *n : Number());
}

Value Str(const std::string& s) { return Value::String(s); }

Type RuleType() { return Type::Object({{"port", Type::Number()}}); }

// The schema of protocol.md 4.2: dyn dynamic, id string (computed), name
// string, rule LIST block {port number}, size number, tags map(string).
Type ConfigType() {
  return Type::Object({
      {"dyn", Type::Dynamic()},
      {"id", Type::String()},
      {"name", Type::String()},
      {"rule", Type::List(RuleType())},
      {"size", Type::Number()},
      {"tags", Type::Map(Type::String())},
  });
}

// config {name="alpha", tags={k="v"}, dyn="hello", rule{port=80}}.
Value ConfigValue() {
  return Value::Object({
      {"dyn", Str("hello")},
      {"id", Value::Null(Type::String())},
      {"name", Str("alpha")},
      {"rule",
       Value::List(RuleType(), {Value::Object({{"port", Value::Int(80)}})})},
      {"size", Value::Null(Type::Number())},
      {"tags", Value::Map(Type::String(), {{"k", Str("v")}})},
  });
}

// The golden config bytes with the encodings of some attributes replaced.
struct ConfigBytes {
  std::string dyn = H("92 c4 08") + "\"string\"" + H("a5") + "hello";
  std::string id = H("c0");
  std::string name = H("a5") + "alpha";
  std::string rule = H("91 81 a4") + "port" + H("50");
  std::string size = H("c0");
  std::string tags = H("81 a1") + "k" + H("a1") + "v";

  std::string Bytes() const {
    return H("86") + H("a3") + "dyn" + dyn + H("a2") + "id" + id + H("a4") +
           "name" + name + H("a4") + "rule" + rule + H("a4") + "size" + size +
           H("a4") + "tags" + tags;
  }
};

TEST(MsgpackTest, GoldenConfigObject) {
  const std::string golden =
      H("86"
        "a3 64 79 6e 92 c4 08 22 73 74 72 69 6e 67 22 a5 68 65 6c 6c 6f"
        "a2 69 64 c0"
        "a4 6e 61 6d 65 a5 61 6c 70 68 61"
        "a4 72 75 6c 65 91 81 a4 70 6f 72 74 50"
        "a4 73 69 7a 65 c0"
        "a4 74 61 67 73 81 a1 6b a1 76");
  ASSERT_EQ(golden, ConfigBytes().Bytes());
  CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeMsgpack(golden, ConfigType()));
  EXPECT_EQ(decoded, ConfigValue()) << decoded.DebugString();
  CVM_ASSERT_OK_AND_ASSIGN(std::string encoded,
                           EncodeMsgpack(ConfigValue(), ConfigType()));
  EXPECT_EQ(ToHex(encoded), ToHex(golden));
}

// Each golden variant of protocol.md 4.2, decoded and encoded byte-exact.
TEST(MsgpackTest, GoldenConfigVariants) {
  Refinements prefix;
  prefix.not_null = true;
  prefix.string_prefix = "pre-";
  Refinements not_null;
  not_null.not_null = true;
  Type dyn_object_type =
      Type::Object({{"a", Type::Number()},
                    {"b", Type::Tuple({Type::Bool(), Type::String()})}});

  struct Case {
    std::string name;
    ConfigBytes bytes;
    Value value;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, auto mutate_bytes, std::string attr,
                 Value v) {
    ConfigBytes b;
    mutate_bytes(b);
    cases.push_back({std::move(name), b, ConfigValue().WithAttr(attr, v)});
  };
  add(
      "name unknown", [](ConfigBytes& b) { b.name = H("d4 00 00"); }, "name",
      Value::Unknown(Type::String()));
  add(
      "no rule blocks", [](ConfigBytes& b) { b.rule = H("90"); }, "rule",
      Value::List(RuleType(), {}));
  add(
      "size 3.25",
      [](ConfigBytes& b) { b.size = H("cb 40 0a 00 00 00 00 00 00"); }, "size",
      Num("3.25"));
  add(
      "size 0.1", [](ConfigBytes& b) { b.size = H("a3") + "0.1"; }, "size",
      Num("0.1"));
  add(
      "size -7", [](ConfigBytes& b) { b.size = H("f9"); }, "size",
      Value::Int(-7));
  add(
      "size big integer",
      [](ConfigBytes& b) { b.size = H("b4") + "12345678901234567890"; }, "size",
      Num("12345678901234567890"));
  add(
      "dyn object",
      [](ConfigBytes& b) {
        b.dyn = H("92 c4 39") +
                R"(["object",{"a":"number","b":["tuple",["bool","string"]]}])" +
                H("82 a1") + "a" + H("01 a1") + "b" + H("92 c3 a1") + "x";
      },
      "dyn",
      Value::Object({{"a", Value::Int(1)},
                     {"b", Value::Tuple({Value::Bool(true), Str("x")})}}));
  add(
      "dyn list",
      [](ConfigBytes& b) {
        b.dyn = H("92 c4 11") + R"(["list","string"])" + H("91 a1") + "a";
      },
      "dyn", Value::List(Type::String(), {Str("a")}));
  add(
      "name refined prefix",
      [](ConfigBytes& b) { b.name = H("c7 09 0c 82 01 c2 02 a4") + "pre-"; },
      "name", Value::Unknown(Type::String(), prefix));
  add(
      "size refined not null",
      [](ConfigBytes& b) { b.size = H("c7 03 0c 81 01 c2"); }, "size",
      Value::Unknown(Type::Number(), not_null));
  (void)dyn_object_type;

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string bytes = c.bytes.Bytes();
    CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeMsgpack(bytes, ConfigType()));
    EXPECT_EQ(decoded, c.value) << decoded.DebugString();
    CVM_ASSERT_OK_AND_ASSIGN(std::string encoded,
                             EncodeMsgpack(c.value, ConfigType()));
    EXPECT_EQ(ToHex(encoded), ToHex(bytes));
  }
}

TEST(MsgpackTest, EncodesScalarsInTheirSmallestForm) {
  struct Case {
    std::string name;
    Value value;
    Type type;
    std::string hex;
  };
  const std::vector<Case> cases = {
      {"null", Value::Null(Type::String()), Type::String(), "c0"},
      {"unknown", Value::Unknown(Type::Number()), Type::Number(), "d4 00 00"},
      {"false", Value::Bool(false), Type::Bool(), "c2"},
      {"true", Value::Bool(true), Type::Bool(), "c3"},
      {"0", Value::Int(0), Type::Number(), "00"},
      {"127", Value::Int(127), Type::Number(), "7f"},
      {"128", Value::Int(128), Type::Number(), "cc 80"},
      {"255", Value::Int(255), Type::Number(), "cc ff"},
      {"256", Value::Int(256), Type::Number(), "cd 01 00"},
      {"65535", Value::Int(65535), Type::Number(), "cd ff ff"},
      {"65536", Value::Int(65536), Type::Number(), "ce 00 01 00 00"},
      {"2^32", Value::Int(int64_t{1} << 32), Type::Number(),
       "cf 00 00 00 01 00 00 00 00"},
      {"int64 max", Value::Int(std::numeric_limits<int64_t>::max()),
       Type::Number(), "cf 7f ff ff ff ff ff ff ff"},
      {"-1", Value::Int(-1), Type::Number(), "ff"},
      {"-32", Value::Int(-32), Type::Number(), "e0"},
      {"-33", Value::Int(-33), Type::Number(), "d0 df"},
      {"-128", Value::Int(-128), Type::Number(), "d0 80"},
      {"-129", Value::Int(-129), Type::Number(), "d1 ff 7f"},
      {"-32769", Value::Int(-32769), Type::Number(), "d2 ff ff 7f ff"},
      {"-2^31-1", Value::Int(-2147483649LL), Type::Number(),
       "d3 ff ff ff ff 7f ff ff ff"},
      {"int64 min", Value::Int(std::numeric_limits<int64_t>::min()),
       Type::Number(), "d3 80 00 00 00 00 00 00 00"},
      // Beyond int64, cty writes an exactly representable double as float64
      // and anything else as a decimal string.
      {"2^63", Num("9223372036854775808"), Type::Number(),
       "cb 43 e0 00 00 00 00 00 00"},
      {"uint64 max", Num("18446744073709551615"), Type::Number(),
       "b4 31 38 34 34 36 37 34 34 30 37 33 37 30 39 35 35 31 36 31 35"},
      {"0.5", Num("0.5"), Type::Number(), "cb 3f e0 00 00 00 00 00 00"},
      {"-2.5", Num("-2.5"), Type::Number(), "cb c0 04 00 00 00 00 00 00"},
      {"1e100", Num("1e100"), Type::Number(), "a6 31 65 2b 31 30 30"},
      {"Infinity", Num("Infinity"), Type::Number(),
       "cb 7f f0 00 00 00 00 00 00"},
      {"-Infinity", Num("-Infinity"), Type::Number(),
       "cb ff f0 00 00 00 00 00 00"},
      {"empty string", Str(""), Type::String(), "a0"},
      {"empty map", Value::Map(Type::String(), {}), Type::Map(Type::String()),
       "80"},
      {"empty set", Value::Set(Type::String(), {}), Type::Set(Type::String()),
       "90"},
      {"empty tuple", Value::Tuple({}), Type::Tuple({}), "90"},
      {"empty object", Value::Object({}), Type::Object({}), "80"},
      {"null dynamic", Value(), Type::Dynamic(), "c0"},
      {"unknown dynamic", Value::Unknown(Type::Dynamic()), Type::Dynamic(),
       "d4 00 00"},
      {"null string in dynamic", Value::Null(Type::String()), Type::Dynamic(),
       "92 c4 08 22 73 74 72 69 6e 67 22 c0"},
      {"unknown number in dynamic", Value::Unknown(Type::Number()),
       Type::Dynamic(), "92 c4 08 22 6e 75 6d 62 65 72 22 d4 00 00"},
      {"number in dynamic", Value::Int(1), Type::Dynamic(),
       "92 c4 08 22 6e 75 6d 62 65 72 22 01"},
      {"list of dynamic", Value::List(Type::Dynamic(), {Value::Bool(true)}),
       Type::List(Type::Dynamic()), "91 92 c4 06 22 62 6f 6f 6c 22 c3"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CVM_ASSERT_OK_AND_ASSIGN(std::string encoded,
                             EncodeMsgpack(c.value, c.type));
    EXPECT_EQ(ToHex(encoded), c.hex);
    CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeMsgpack(encoded, c.type));
    EXPECT_EQ(decoded, c.value) << decoded.DebugString();
  }
}

TEST(MsgpackTest, EncodesLengthFamilies) {
  struct Case {
    std::string name;
    Value value;
    Type type;
    std::string header_hex;
  };
  std::vector<Value> list16(16, Value::Bool(true));
  std::map<std::string, Value> map16;
  for (int i = 0; i < 16; ++i) map16.emplace(std::string(1, 'a' + i), Str(""));
  const std::vector<Case> cases = {
      {"fixstr 31", Str(std::string(31, 'x')), Type::String(), "bf"},
      {"str8", Str(std::string(32, 'x')), Type::String(), "d9 20"},
      {"str8 max", Str(std::string(255, 'x')), Type::String(), "d9 ff"},
      {"str16", Str(std::string(256, 'x')), Type::String(), "da 01 00"},
      {"str32", Str(std::string(65536, 'x')), Type::String(), "db 00 01 00 00"},
      {"fixarray 15",
       Value::List(Type::Bool(), std::vector<Value>(15, Value::Bool(true))),
       Type::List(Type::Bool()), "9f"},
      {"array16", Value::List(Type::Bool(), list16), Type::List(Type::Bool()),
       "dc 00 10"},
      {"map16", Value::Map(Type::String(), map16), Type::Map(Type::String()),
       "de 00 10"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CVM_ASSERT_OK_AND_ASSIGN(std::string encoded,
                             EncodeMsgpack(c.value, c.type));
    std::string header = H(c.header_hex);
    EXPECT_EQ(ToHex(encoded.substr(0, header.size())), c.header_hex);
    CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeMsgpack(encoded, c.type));
    EXPECT_EQ(decoded, c.value);
  }
}

TEST(MsgpackTest, DecodesEveryAcceptedForm) {
  struct Case {
    std::string name;
    std::string bytes;
    Type type;
    Value want;
  };
  const std::vector<Case> cases = {
      {"uint8", H("cc 05"), Type::Number(), Value::Int(5)},
      {"uint16", H("cd 01 00"), Type::Number(), Value::Int(256)},
      {"uint32", H("ce 00 00 00 07"), Type::Number(), Value::Int(7)},
      {"uint64 max", H("cf ff ff ff ff ff ff ff ff"), Type::Number(),
       Num("18446744073709551615")},
      {"uint64 golden", H("cf ab 54 a9 8c eb 1f 0a d2"), Type::Number(),
       Num("12345678901234567890")},
      {"int8", H("d0 fe"), Type::Number(), Value::Int(-2)},
      {"int8 positive", H("d0 05"), Type::Number(), Value::Int(5)},
      {"int16", H("d1 80 00"), Type::Number(), Value::Int(-32768)},
      {"int32", H("d2 ff ff ff ff"), Type::Number(), Value::Int(-1)},
      {"int64 min", H("d3 80 00 00 00 00 00 00 00"), Type::Number(),
       Value::Int(std::numeric_limits<int64_t>::min())},
      {"float32 0.1", H("ca 3d cc cc cd"), Type::Number(),
       Num("0.100000001490116119384765625")},
      {"float32 inf", H("ca 7f 80 00 00"), Type::Number(), Num("Infinity")},
      {"float64 0.1", H("cb 3f b9 99 99 99 99 99 9a"), Type::Number(),
       Num("0.1000000000000000055511151231257827021181583404541015625")},
      {"float64 -0", H("cb 80 00 00 00 00 00 00 00"), Type::Number(),
       Value::Int(0)},
      {"number string with exponent", H("a3") + "1e3", Type::Number(),
       Value::Int(1000)},
      {"number as bin", H("c4 03") + "2.5", Type::Number(), Num("2.5")},
      {"number string Infinity", H("a9") + "-Infinity", Type::Number(),
       Num("-Infinity")},
      {"string as bin", H("c4 02") + "hi", Type::String(), Str("hi")},
      {"str8", H("d9 02") + "hi", Type::String(), Str("hi")},
      {"str16", H("da 00 02") + "hi", Type::String(), Str("hi")},
      {"str32", H("db 00 00 00 02") + "hi", Type::String(), Str("hi")},
      {"utf-8", H("a4 f0 9f 98 80"), Type::String(), Str("\xf0\x9f\x98\x80")},
      {"array16", H("dc 00 01 c3"), Type::List(Type::Bool()),
       Value::List(Type::Bool(), {Value::Bool(true)})},
      {"array32", H("dd 00 00 00 01 c3"), Type::Set(Type::Bool()),
       Value::Set(Type::Bool(), {Value::Bool(true)})},
      {"map16", H("de 00 01 a1 6b c2"), Type::Map(Type::Bool()),
       Value::Map(Type::Bool(), {{"k", Value::Bool(false)}})},
      {"map32", H("df 00 00 00 01 a1 6b c2"), Type::Map(Type::Bool()),
       Value::Map(Type::Bool(), {{"k", Value::Bool(false)}})},
      {"map key as bin", H("81 c4 01 6b c2"), Type::Map(Type::Bool()),
       Value::Map(Type::Bool(), {{"k", Value::Bool(false)}})},
      {"set dedups", H("93 a1 62 a1 61 a1 62"), Type::Set(Type::String()),
       Value::Set(Type::String(), {Str("a"), Str("b")})},
      {"dynamic type as str", H("92 a8") + "\"string\"" + H("a1 78"),
       Type::Dynamic(), Str("x")},
      {"unknown fixext1 other type", H("d4 07 00"), Type::String(),
       Value::Unknown(Type::String())},
      {"unknown ext8 empty", H("c7 00 05"), Type::String(),
       Value::Unknown(Type::String())},
      {"unknown ext 0 long payload", H("c7 02 00 aa bb"), Type::String(),
       Value::Unknown(Type::String())},
      {"unknown fixext2 type 0", H("d5 00 01 02"), Type::Bool(),
       Value::Unknown(Type::Bool())},
      {"unknown list", H("d4 00 00"), Type::List(Type::String()),
       Value::Unknown(Type::List(Type::String()))},
      {"nil object", H("c0"), Type::Object({{"a", Type::String()}}),
       Value::Null(Type::Object({{"a", Type::String()}}))},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeMsgpack(c.bytes, c.type));
    EXPECT_EQ(decoded, c.want) << decoded.DebugString();
  }
}

TEST(MsgpackTest, Refinements) {
  auto refine = [](auto f) {
    Refinements r;
    f(r);
    return r;
  };
  struct Case {
    std::string name;
    Type type;
    std::string bytes;
    Value want;
    bool encodes_back;  // the bytes are exactly what EncodeMsgpack writes
  };
  const std::vector<Case> cases = {
      {"string prefix only", Type::String(), H("c7 06 0c 81 02 a3 61 62 63"),
       Value::Unknown(Type::String(),
                      refine([](Refinements& r) { r.string_prefix = "abc"; })),
       true},
      {"number bounds", Type::Number(),
       H("c7 0b 0c 83 01 c2 03 92 01 c3 04 92 0a c2"),
       Value::Unknown(Type::Number(), refine([](Refinements& r) {
                        r.not_null = true;
                        r.number_lower = {Number::FromInt64(1), true};
                        r.number_upper = {Number::FromInt64(10), false};
                      })),
       true},
      {"number bound as decimal string", Type::Number(),
       H("d7 0c 81 03 92 a3 30 2e 31 c3"),
       Value::Unknown(Type::Number(), refine([](Refinements& r) {
                        r.number_lower = {*Number::Parse("0.1"), true};
                      })),
       true},
      {"number bound as float", Type::Number(),
       H("c7 0d 0c 81 04 92 cb 40 0a 00 00 00 00 00 00 c3"),
       Value::Unknown(Type::Number(), refine([](Refinements& r) {
                        r.number_upper = {*Number::Parse("3.25"), true};
                      })),
       true},
      {"list length bounds", Type::List(Type::String()),
       H("c7 07 0c 83 01 c2 05 01 06 03"),
       Value::Unknown(Type::List(Type::String()), refine([](Refinements& r) {
                        r.not_null = true;
                        r.length_lower = 1;
                        r.length_upper = 3;
                      })),
       true},
      {"fixext4 payload", Type::Map(Type::String()), H("d6 0c 81 05 cc c8"),
       Value::Unknown(Type::Map(Type::String()),
                      refine([](Refinements& r) { r.length_lower = 200; })),
       true},
      {"unknown keys are ignored", Type::String(),
       H("c7 08 0c 82 09 92 c0 a1 78 01 c2"),
       Value::Unknown(Type::String(),
                      refine([](Refinements& r) { r.not_null = true; })),
       false},
      {"uint key", Type::String(), H("c7 04 0c 81 cc 01 c2"),
       Value::Unknown(Type::String(),
                      refine([](Refinements& r) { r.not_null = true; })),
       false},
      {"trailing payload bytes ignored", Type::String(),
       H("c7 04 0c 81 01 c2 ff"),
       Value::Unknown(Type::String(),
                      refine([](Refinements& r) { r.not_null = true; })),
       false},
      {"definitely null collapses to null", Type::String(),
       H("c7 03 0c 81 01 c3"), Value::Null(Type::String()), false},
      {"dynamic ignores refinements", Type::Dynamic(), H("c7 03 0c 81 01 c2"),
       Value::Unknown(Type::Dynamic()), false},
      {"empty refinement map", Type::String(), H("d5 0c 80 00"),
       Value::Unknown(Type::String()), false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeMsgpack(c.bytes, c.type));
    EXPECT_EQ(decoded, c.want) << decoded.DebugString();
    CVM_ASSERT_OK_AND_ASSIGN(std::string encoded,
                             EncodeMsgpack(c.want, c.type));
    if (c.encodes_back) {
      EXPECT_EQ(ToHex(encoded), ToHex(c.bytes));
    }
    CVM_ASSERT_OK_AND_ASSIGN(Value again, DecodeMsgpack(encoded, c.type));
    EXPECT_EQ(again, c.want);
  }
}

TEST(MsgpackTest, LongPrefixIsShortenedToFitTheLimit) {
  Refinements r;
  r.not_null = true;
  // 2000 bytes of 3-byte UTF-8 sequences ("€").
  for (int i = 0; i < 700; ++i)
    r.string_prefix = r.string_prefix.value_or("") + "\xe2\x82\xac";
  CVM_ASSERT_OK_AND_ASSIGN(
      std::string encoded,
      EncodeMsgpack(Value::Unknown(Type::String(), r), Type::String()));
  ASSERT_EQ(static_cast<uint8_t>(encoded[0]), 0xc8);  // ext16
  size_t payload = (static_cast<uint8_t>(encoded[1]) << 8) |
                   static_cast<uint8_t>(encoded[2]);
  EXPECT_LE(payload, 1024u);
  EXPECT_GT(payload, 1000u);
  CVM_ASSERT_OK_AND_ASSIGN(Value decoded,
                           DecodeMsgpack(encoded, Type::String()));
  ASSERT_TRUE(decoded.IsUnknown());
  const std::string& prefix = *decoded.refinements().string_prefix;
  EXPECT_EQ(prefix.size() % 3, 0u);  // cut at a character boundary
  EXPECT_EQ(r.string_prefix->substr(0, prefix.size()), prefix);
  EXPECT_EQ(decoded.refinements().not_null, true);
}

TEST(MsgpackTest, RoundTrips) {
  Type obj = Type::Object({{"a", Type::String()}, {"b", Type::Number()}});
  Type nested_dyn = Type::Object(
      {{"any", Type::Dynamic()}, {"list", Type::List(Type::Dynamic())}});
  Refinements r;
  r.not_null = true;
  r.string_prefix = "x";
  struct Case {
    std::string name;
    Value value;
    Type type;
  };
  const std::vector<Case> cases = {
      {"big int", Num("123456789012345678901234567890"), Type::Number()},
      {"negative big int", Num("-98765432109876543210"), Type::Number()},
      {"decimal", Num("0.1"), Type::Number()},
      {"long decimal", Num("3.14159265358979323846264338327950288"),
       Type::Number()},
      {"tiny", Num("1e-300"), Type::Number()},
      {"huge", Num("1e99999"), Type::Number()},
      {"exact float", Num("-0.125"), Type::Number()},
      {"unicode string", Str("h\xc3\xa9llo \xe2\x82\xac"), Type::String()},
      {"string with nul", Str(std::string("a\0b", 3)), Type::String()},
      {"set of numbers",
       Value::Set(Type::Number(), {Num("0.1"), Num("1"), Num("1e30")}),
       Type::Set(Type::Number())},
      {"set of objects",
       Value::Set(obj, {Value::Object({{"a", Str("x")}, {"b", Value::Int(1)}}),
                        Value::Object({{"a", Str("y")},
                                       {"b", Value::Null(Type::Number())}})}),
       Type::Set(obj)},
      {"tuple",
       Value::Tuple({Str("a"), Value::Int(2), Value::Bool(false),
                     Value::Null(Type::String())}),
       Type::Tuple(
           {Type::String(), Type::Number(), Type::Bool(), Type::String()})},
      {"map of lists",
       Value::Map(Type::List(Type::Number()),
                  {{"a", Value::List(Type::Number(), {Value::Int(1)})},
                   {"b", Value::List(Type::Number(), {})},
                   {"c", Value::Null(Type::List(Type::Number()))},
                   {"d", Value::Unknown(Type::List(Type::Number()))}}),
       Type::Map(Type::List(Type::Number()))},
      {"nested dynamic",
       Value::Object(
           {{"any",
             Value::Object(
                 {{"inner", Value::Map(Type::Number(), {{"k", Num("0.1")}})},
                  {"t", Value::Tuple({Value::Unknown(Type::String(), r),
                                      Value::Null(Type::Bool())})}})},
            {"list", Value::List(Type::Dynamic(),
                                 {Str("s"), Value::Int(1),
                                  Value::Unknown(Type::Dynamic()), Value()})}}),
       nested_dyn},
      {"unknown object", Value::Unknown(obj), obj},
      {"null object", Value::Null(obj), obj},
      {"object of unknowns",
       Value::Object({{"a", Value::Unknown(Type::String(), r)},
                      {"b", Value::Unknown(Type::Number())}}),
       obj},
      {"config", ConfigValue(), ConfigType()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CVM_ASSERT_OK_AND_ASSIGN(std::string encoded,
                             EncodeMsgpack(c.value, c.type));
    CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeMsgpack(encoded, c.type));
    EXPECT_EQ(decoded, c.value)
        << decoded.DebugString() << " vs " << c.value.DebugString();
    CVM_ASSERT_OK_AND_ASSIGN(std::string again, EncodeMsgpack(decoded, c.type));
    EXPECT_EQ(ToHex(again), ToHex(encoded));
  }
}

TEST(MsgpackTest, RejectsMalformedInput) {
  std::string deep_list_bytes(300, '\x91');
  deep_list_bytes += H("c3");
  Type deep_list_type = Type::Bool();
  for (int i = 0; i < 300; ++i) deep_list_type = Type::List(deep_list_type);

  std::string deep_dynamic;
  for (int i = 0; i < 1000; ++i) deep_dynamic += H("92 c4 09") + "\"dynamic\"";
  deep_dynamic += H("c0");

  ConfigBytes port_bool;
  port_bool.rule = H("91 81 a4") + "port" + H("c3");
  ConfigBytes port_text;
  port_text.rule = H("91 81 a4") + "port" + H("a1") + "x";
  ConfigBytes tags_int;
  tags_int.tags = H("81 a1") + "k" + H("01");
  ConfigBytes dyn_bad_type;
  dyn_bad_type.dyn = H("92 c4 03") + "foo" + H("c0");
  ConfigBytes dyn_not_array;
  dyn_not_array.dyn = H("a1") + "x";
  ConfigBytes dyn_three;
  dyn_three.dyn = H("93 c4 08") + "\"string\"" + H("a1 78 c0");
  ConfigBytes dyn_int_type;
  dyn_int_type.dyn = H("92 01 c0");

  std::string golden = ConfigBytes().Bytes();
  // Missing attribute: drop "tags" and say 5 entries.
  std::string five = H("85") + golden.substr(1, golden.size() - 1 - 10);
  // Extra attribute: replace the key "tags" by "tagz".
  std::string extra = golden;
  extra[extra.size() - 6] = 'z';
  // Duplicate attribute: "size" becomes a second "name".
  std::string dup = golden;
  size_t size_at = dup.find("size");
  dup.replace(size_at, 4, "name");
  // Non-string object key.
  std::string int_key = H("81 01 c0");

  // A number refinement payload of 1005 bytes whose canonical encoding is
  // longer than 1024 ("1e64" is written as 1 followed by 64 zeros).
  std::string long_bound = "1." + std::string(988, '1');
  std::string growing_payload = H("82 03 92 da 03 de") + long_bound + H("c3") +
                                H("04 92 a4") + "1e64" + H("c3");
  std::string growing =
      H("c8") + std::string(1, '\x03') +
      std::string(1, static_cast<char>(growing_payload.size() & 0xff)) +
      H("0c") + growing_payload;

  struct Case {
    std::string name;
    Type type;
    std::string bytes;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"empty", Type::String(), "", "unexpected end of input"},
      {"truncated str", Type::String(), H("a5 61 62"),
       "truncated or malformed input"},
      {"truncated str8 length", Type::String(), H("d9"),
       "truncated or malformed input"},
      {"truncated float", Type::Number(), H("cb 40 0a"),
       "truncated or malformed input"},
      {"truncated array", Type::List(Type::Bool()), H("92 c3"),
       "truncated or malformed input"},
      {"truncated array element", Type::List(Type::String()), H("91 a2 61"),
       "[0]: truncated or malformed input"},
      {"huge array count", Type::List(Type::Bool()), H("dd ff ff ff ff c3"),
       "truncated or malformed input"},
      {"huge map count", Type::Map(Type::Bool()), H("df ff ff ff ff a1 61 c3"),
       "truncated or malformed input"},
      {"never-used byte", Type::String(), H("c1"),
       "truncated or malformed input"},
      {"trailing bytes", Type::String(), H("c0 c0"),
       "unexpected trailing bytes after the value (1 bytes)"},
      {"string for bool", Type::Bool(), H("a1 78"),
       "bool required, got string"},
      {"int for string", Type::String(), H("01"),
       "string required, got integer"},
      {"map for list", Type::List(Type::String()), H("80"),
       "list required, got map"},
      {"array for set", Type::Set(Type::String()), H("a0"),
       "set required, got string"},
      {"array for map", Type::Map(Type::String()), H("90"),
       "map required, got array"},
      {"array for object", Type::Object({}), H("90"),
       "object required, got array"},
      {"map for tuple", Type::Tuple({}), H("80"), "tuple required, got map"},
      {"bool for number", Type::Number(), H("c2"), "number required, got bool"},
      {"NaN", Type::Number(), H("cb 7f f8 00 00 00 00 00 00"),
       "NaN is not a valid number"},
      {"bad number string", Type::Number(), H("a3") + "abc",
       "invalid number \"abc\""},
      {"number exponent too big", Type::Number(), H("a8") + "1e999999",
       "exponent out of range"},
      {"tuple too short", Type::Tuple({Type::Bool(), Type::Bool()}), H("91 c3"),
       "a tuple of length 2 is required (1 given)"},
      {"port bool", ConfigType(), port_bool.Bytes(),
       ".rule[0].port: number required, got bool"},
      {"port text", ConfigType(), port_text.Bytes(),
       ".rule[0].port: invalid number \"x\""},
      {"tags int", ConfigType(), tags_int.Bytes(),
       ".tags[\"k\"]: string required, got integer"},
      {"missing attribute", ConfigType(), five,
       "an object with 6 attributes is required (5 given)"},
      {"empty map for object", ConfigType(), H("80"),
       "an object with 6 attributes is required (0 given)"},
      {"extra attribute", ConfigType(), extra,
       "unsupported attribute \"tagz\""},
      {"duplicate attribute", ConfigType(), dup,
       "duplicate attribute \"name\""},
      {"non-string object key", Type::Object({{"a", Type::String()}}), int_key,
       "object keys must be strings, got integer"},
      {"non-string map key", Type::Map(Type::String()), H("81 01 c0"),
       "map keys must be strings, got integer"},
      {"duplicate map key", Type::Map(Type::Bool()), H("82 a1 6b c3 a1 6b c2"),
       "duplicate map key \"k\""},
      {"dynamic bad type", ConfigType(), dyn_bad_type.Bytes(),
       ".dyn: dynamic value: invalid type JSON"},
      {"dynamic not array", ConfigType(), dyn_not_array.Bytes(),
       ".dyn: a dynamic value must be an array of two elements"},
      {"dynamic three elements", ConfigType(), dyn_three.Bytes(),
       ".dyn: a dynamic value must be an array of two elements"},
      {"dynamic type not bytes", ConfigType(), dyn_int_type.Bytes(),
       ".dyn: the type of a dynamic value must be JSON bytes, got integer"},
      {"deep lists", deep_list_type, deep_list_bytes,
       "nesting deeper than 256 levels"},
      {"deep dynamic", Type::Dynamic(), deep_dynamic,
       "nesting deeper than 256 levels"},
      {"ext type 5 with payload", Type::String(), H("d5 05 00 00"),
       "unsupported extension type 0x05 with payload length 2"},
      {"ext type -1 with payload", Type::String(), H("d6 ff 00 00 00 00"),
       "unsupported extension type 0xff with payload length 4"},
      {"truncated ext", Type::String(), H("c7 05 0c 81 01"),
       "truncated or malformed input"},
      {"refinements not a map", Type::String(), H("d5 0c c0 c0"),
       "malformed unknown value refinements: not a map"},
      {"refinement key not int", Type::String(), H("c7 03 0c 81 a0 c2"),
       "non-integer key in map"},
      {"nullness not bool", Type::String(), H("c7 03 0c 81 01 01"),
       "null refinement is not boolean"},
      {"prefix on number", Type::Number(), H("c7 04 0c 81 02 a0 00"),
       "string prefix refinement for non-string type"},
      {"prefix not string", Type::String(), H("c7 03 0c 81 02 01"),
       "string prefix refinement is not a string"},
      {"prefix invalid utf-8", Type::String(), H("c7 04 0c 81 02 a1 ff"),
       "string prefix refinement is not UTF-8"},
      {"bound on string", Type::String(), H("c7 05 0c 81 03 92 01 c3"),
       "numeric bound refinement for non-number type"},
      {"bound not array", Type::Number(), H("c7 03 0c 81 03 01"),
       "number bound must be a [number, bool] array"},
      {"bound without bool", Type::Number(), H("c7 05 0c 81 03 92 01 01"),
       "number bound must be a [number, bool] array"},
      {"length on string", Type::String(), H("c7 03 0c 81 05 01"),
       "length bound refinement for non-collection type"},
      {"length not int", Type::List(Type::String()), H("c7 03 0c 81 05 c3"),
       "length bound must be an integer"},
      {"refinement value missing", Type::String(), H("c7 02 0c 82 01"),
       "null refinement is not boolean"},
      {"truncated refinement", Type::String(), H("c7 03 0c 82 01 c2"),
       "malformed unknown value refinements: truncated"},
      {"truncated unknown key value", Type::String(), H("c7 03 0c 81 09 92"),
       "malformed unknown value refinements: truncated"},
      {"refinements oversize once re-encoded", Type::Number(), growing,
       "oversize unknown value refinement"},
      {"oversize refinements", Type::String(),
       H("c8 04 01 0c") + std::string(1025, '\xc0'),
       "oversize unknown value refinement (1025 bytes)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        DecodeMsgpack(c.bytes, c.type),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

TEST(MsgpackTest, EveryTruncationOfTheGoldenConfigFails) {
  ConfigBytes refined;
  refined.name = H("c7 09 0c 82 01 c2 02 a4") + "pre-";
  for (const std::string& full : {ConfigBytes().Bytes(), refined.Bytes()}) {
    for (size_t n = 0; n < full.size(); ++n) {
      SCOPED_TRACE(n);
      EXPECT_THAT(
          DecodeMsgpack(std::string_view(full).substr(0, n), ConfigType()),
          StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
    }
  }
}

TEST(MsgpackTest, ModerateNestingIsAccepted) {
  std::string bytes(200, '\x91');
  bytes += H("c3");
  Type t = Type::Bool();
  for (int i = 0; i < 200; ++i) t = Type::List(t);
  EXPECT_THAT(DecodeMsgpack(bytes, t), IsOk());
}

TEST(MsgpackTest, EncodeRejectsNonConformingValues) {
  Value bad_port = ConfigValue().WithAttr(
      "rule",
      Value::List(RuleType(), {Value::Object({{"port", Str("eighty")}})}));
  std::map<std::string, Value> missing = ConfigValue().Entries();
  missing.erase("tags");
  struct Case {
    std::string name;
    Value value;
    Type type;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"string for number", Str("x"), Type::Number(),
       "number required, got string"},
      {"list for set", Value::List(Type::String(), {}),
       Type::Set(Type::String()), "set of string required, got list of string"},
      {"nested", bad_port, ConfigType(),
       ".rule[0].port: number required, got string"},
      {"missing attribute", Value::Object(missing), ConfigType(),
       "attribute \"tags\" is required"},
      {"extra attribute", ConfigValue().WithAttr("zzz", Value::Bool(true)),
       ConfigType(), "unsupported attribute \"zzz\""},
      {"tuple length", Value::Tuple({Value::Bool(true)}),
       Type::Tuple({Type::Bool(), Type::Bool()}),
       "a tuple of length 2 is required (1 given)"},
      {"null of other type", Value::Null(Type::String()), Type::Number(),
       "number required, got string"},
      {"unknown of other type", Value::Unknown(Type::List(Type::String())),
       Type::List(Type::Number()),
       "list of number required, got list of string"},
      {"map element", Value::Map(Type::String(), {{"k", Value::Int(1)}}),
       Type::Map(Type::String()), "[\"k\"]: string required, got number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        EncodeMsgpack(c.value, c.type),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
  // Nulls and unknowns of type dynamic fit any position.
  EXPECT_THAT(EncodeMsgpack(Value(), Type::Number()), IsOk());
  EXPECT_THAT(EncodeMsgpack(Value::Unknown(Type::Dynamic()), ConfigType()),
              IsOk());
}

}  // namespace
}  // namespace cvm::values
