// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/json.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"

namespace cvm::values {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::HasSubstr;

Value Num(const std::string& text) {
  absl::StatusOr<Number> n = Number::Parse(text);
  EXPECT_TRUE(n.ok()) << text;
  return Value::Number(n.ok() ? *n : Number());
}

Value Str(const std::string& s) { return Value::String(s); }

Type RuleType() { return Type::Object({{"port", Type::Number()}}); }

Type StateType() {
  return Type::Object({
      {"dyn", Type::Dynamic()},
      {"id", Type::String()},
      {"name", Type::String()},
      {"rule", Type::List(RuleType())},
      {"size", Type::Number()},
      {"tags", Type::Map(Type::String())},
  });
}

Value StateValue() {
  return Value::Object({
      {"dyn", Str("hello")},
      {"id", Str("ws-1")},
      {"name", Str("alpha")},
      {"rule",
       Value::List(RuleType(), {Value::Object({{"port", Value::Int(80)}})})},
      {"size", Num("12345678901234567890")},
      {"tags", Value::Map(Type::String(), {{"k", Str("v")}})},
  });
}

// As Terraform writes "attributes" in the state file (pretty-printed).
constexpr char kPrettyState[] = R"({
  "dyn": {
    "value": "hello",
    "type": "string"
  },
  "id": "ws-1",
  "name": "alpha",
  "rule": [
    {
      "port": 80
    }
  ],
  "size": 12345678901234567890,
  "tags": {
    "k": "v"
  }
})";

constexpr char kCompactState[] =
    R"({"dyn":{"value":"hello","type":"string"},"id":"ws-1","name":"alpha",)"
    R"("rule":[{"port":80}],"size":12345678901234567890,"tags":{"k":"v"}})";

TEST(JsonTest, StateRoundTrip) {
  CVM_ASSERT_OK_AND_ASSIGN(Value pretty, DecodeJson(kPrettyState, StateType()));
  EXPECT_EQ(pretty, StateValue()) << pretty.DebugString();
  CVM_ASSERT_OK_AND_ASSIGN(Value compact,
                           DecodeJson(kCompactState, StateType()));
  EXPECT_EQ(compact, StateValue());
  CVM_ASSERT_OK_AND_ASSIGN(std::string encoded,
                           EncodeJson(StateValue(), StateType()));
  EXPECT_EQ(encoded, kCompactState);
}

TEST(JsonTest, Encode) {
  struct Case {
    std::string name;
    Value value;
    Type type;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"big integer", Num("12345678901234567890"), Type::Number(),
       "12345678901234567890"},
      {"decimal", Num("0.1"), Type::Number(), "0.1"},
      {"exact double expansion", Value::Number(Number::FromDouble(0.1)),
       Type::Number(),
       "0.1000000000000000055511151231257827021181583404541015625"},
      {"negative", Num("-2.50"), Type::Number(), "-2.5"},
      {"huge", Num("1e100"), Type::Number(), "1e+100"},
      {"string escapes", Str("a\"b\\c\n\t<&>\x01"), Type::String(),
       R"("a\"b\\c\n\t\u003c\u0026\u003e\u0001")"},
      {"unicode", Str("h\xc3\xa9 \xe2\x80\xa8"), Type::String(),
       "\"h\xc3\xa9 \\u2028\""},
      {"bool", Value::Bool(true), Type::Bool(), "true"},
      {"null", Value::Null(Type::String()), Type::String(), "null"},
      {"null dynamic", Value(), Type::Dynamic(), "null"},
      {"typed null in dynamic", Value::Null(Type::String()), Type::Dynamic(),
       R"({"value":null,"type":"string"})"},
      {"list in dynamic", Value::List(Type::String(), {Str("a")}),
       Type::Dynamic(), R"({"value":["a"],"type":["list","string"]})"},
      {"set", Value::Set(Type::Number(), {Value::Int(2), Value::Int(1)}),
       Type::Set(Type::Number()), "[1,2]"},
      {"tuple", Value::Tuple({Value::Bool(false), Str("x")}),
       Type::Tuple({Type::Bool(), Type::String()}), R"([false,"x"])"},
      {"map",
       Value::Map(Type::Number(), {{"b", Value::Int(2)}, {"a", Value::Int(1)}}),
       Type::Map(Type::Number()), R"({"a":1,"b":2})"},
      {"object with null", Value::Object({{"a", Value::Null(Type::Number())}}),
       Type::Object({{"a", Type::Number()}}), R"({"a":null})"},
      {"empty list", Value::List(Type::String(), {}),
       Type::List(Type::String()), "[]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CVM_ASSERT_OK_AND_ASSIGN(std::string encoded, EncodeJson(c.value, c.type));
    EXPECT_EQ(encoded, c.want);
    // The output is valid JSON.
    EXPECT_FALSE(nlohmann::json::parse(encoded, nullptr, false).is_discarded());
  }
}

TEST(JsonTest, EncodeRejects) {
  struct Case {
    std::string name;
    Value value;
    Type type;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"unknown", Value::Unknown(Type::String()), Type::String(),
       "value is not known"},
      {"nested unknown", Value::Object({{"a", Value::Unknown(Type::String())}}),
       Type::Object({{"a", Type::String()}}), ".a: value is not known"},
      {"infinity", Num("Infinity"), Type::Number(),
       "infinity cannot be represented in JSON"},
      {"wrong kind", Str("x"), Type::Number(), "number required, got string"},
      {"missing attribute", Value::Object({}),
       Type::Object({{"a", Type::String()}}), "attribute \"a\" is required"},
      {"extra attribute", Value::Object({{"b", Str("x")}}), Type::Object({}),
       "unsupported attribute \"b\""},
      {"tuple length", Value::Tuple({}), Type::Tuple({Type::String()}),
       "a tuple of length 1 is required (0 given)"},
      // Replacing invalid UTF-8 would not round-trip and could even make two
      // map keys collide.
      {"invalid utf-8 string", Str("a\xff"), Type::String(),
       "string is not valid UTF-8"},
      {"invalid utf-8 map key",
       Value::Map(Type::Bool(),
                  {{"\xfe", Value::Bool(true)}, {"\xff", Value::Bool(false)}}),
       Type::Map(Type::Bool()), "map key is not valid UTF-8"},
      {"invalid utf-8 attribute", Value::Object({{"\xc3", Value::Bool(true)}}),
       Type::Object({{"\xc3", Type::Bool()}}),
       "attribute name is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        EncodeJson(c.value, c.type),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

TEST(JsonTest, Decode) {
  struct Case {
    std::string name;
    std::string json;
    Type type;
    Value want;
  };
  Type ab = Type::Object({{"a", Type::String()}, {"b", Type::Number()}});
  const std::vector<Case> cases = {
      {"big integer", "12345678901234567890", Type::Number(),
       Num("12345678901234567890")},
      {"decimal", "0.1", Type::Number(), Num("0.1")},
      {"beyond double range", "1e400", Type::Number(), Num("1e400")},
      {"long integer", std::string(400, '9'), Type::Number(),
       Num(std::string(400, '9'))},
      {"trailing zeros", "3.000", Type::Number(), Value::Int(3)},
      {"exponent", "-1.5E+2", Type::Number(), Value::Int(-150)},
      {"number as string", R"("42.5")", Type::Number(), Num("42.5")},
      {"string", R"("a\"b\\c\/\b\f\n\r\t\u00e9")", Type::String(),
       Str("a\"b\\c/\b\f\n\r\t\xc3\xa9")},
      {"surrogate pair", R"("\ud83d\ude00")", Type::String(),
       Str("\xf0\x9f\x98\x80")},
      {"lone surrogate", R"("\ud83dx")", Type::String(), Str("\xef\xbf\xbdx")},
      {"invalid utf-8 replaced", "\"a\xff\"", Type::String(),
       Str("a\xef\xbf\xbd")},
      {"number for string", "12.50", Type::String(), Str("12.50")},
      {"bool for string", "true", Type::String(), Str("true")},
      {"string for bool", R"("false")", Type::Bool(), Value::Bool(false)},
      {"null", "null", Type::String(), Value::Null(Type::String())},
      {"null dynamic", "null", Type::Dynamic(), Value()},
      {"dynamic", R"({"value": "hello", "type": "string"})", Type::Dynamic(),
       Str("hello")},
      {"dynamic type first", R"({"type":["list","number"],"value":[1,2]})",
       Type::Dynamic(),
       Value::List(Type::Number(), {Value::Int(1), Value::Int(2)})},
      {"dynamic null value", R"({"value":null,"type":"bool"})", Type::Dynamic(),
       Value::Null(Type::Bool())},
      {"dynamic object",
       R"({"value":{"a":1,"b":[true,"x"]},)"
       R"("type":["object",{"a":"number","b":["tuple",["bool","string"]]}]})",
       Type::Dynamic(),
       Value::Object({{"a", Value::Int(1)},
                      {"b", Value::Tuple({Value::Bool(true), Str("x")})}})},
      {"missing attributes become null", R"({"a":"x"})", ab,
       Value::Object({{"a", Str("x")}, {"b", Value::Null(Type::Number())}})},
      {"empty object", "{}", ab,
       Value::Object({{"a", Value::Null(Type::String())},
                      {"b", Value::Null(Type::Number())}})},
      {"set dedups", R"(["b","a","b"])", Type::Set(Type::String()),
       Value::Set(Type::String(), {Str("a"), Str("b")})},
      {"tuple", R"([1,"x"])", Type::Tuple({Type::Number(), Type::String()}),
       Value::Tuple({Value::Int(1), Str("x")})},
      {"map", R"({"x":1,"y":null})", Type::Map(Type::Number()),
       Value::Map(Type::Number(),
                  {{"x", Value::Int(1)}, {"y", Value::Null(Type::Number())}})},
      {"whitespace", " \t\r\n[ 1 , 2 ]\n", Type::List(Type::Number()),
       Value::List(Type::Number(), {Value::Int(1), Value::Int(2)})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeJson(c.json, c.type));
    EXPECT_EQ(decoded, c.want) << decoded.DebugString();
  }
}

TEST(JsonTest, UnknownAttributes) {
  Type t = Type::Object({{"a", Type::String()}});
  EXPECT_THAT(DecodeJson(R"({"a":"x","old":1})", t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unsupported attribute \"old\"")));
  CVM_ASSERT_OK_AND_ASSIGN(Value v,
                           DecodeJson(R"({"a":"x","old":{"deep":[1]}})", t,
                                      /*ignore_unknown_attributes=*/true));
  EXPECT_EQ(v, Value::Object({{"a", Str("x")}}));
  // Nested objects honour the flag too.
  Type outer = Type::Object({{"o", t}});
  CVM_ASSERT_OK_AND_ASSIGN(
      Value nested, DecodeJson(R"({"o":{"a":"y","gone":true}})", outer, true));
  EXPECT_EQ(nested, Value::Object({{"o", Value::Object({{"a", Str("y")}})}}));
}

TEST(JsonTest, DecodeRejects) {
  std::string deep(300, '[');
  deep += std::string(300, ']');
  Type deep_type = Type::Number();
  for (int i = 0; i < 300; ++i) deep_type = Type::List(deep_type);
  struct Case {
    std::string name;
    std::string json;
    Type type;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"empty", "", Type::String(), "unexpected end of input"},
      {"trailing garbage", "1 2", Type::Number(),
       "unexpected data after the value"},
      {"unterminated string", R"("abc)", Type::String(), "unterminated string"},
      {"control character", "\"a\nb\"", Type::String(),
       "control character in string"},
      {"bad escape", R"("\x")", Type::String(), "invalid escape in string"},
      {"bad unicode escape", R"("\u12g4")", Type::String(),
       "invalid \\u escape"},
      {"leading zero", "01", Type::Number(), "unexpected data after the value"},
      {"bare minus", "-", Type::Number(), "invalid number"},
      {"NaN", "NaN", Type::Number(), "unexpected character"},
      {"single quotes", "'a'", Type::String(), "unexpected character"},
      {"trailing comma", "[1,]", Type::List(Type::Number()),
       "unexpected character"},
      {"missing colon", R"({"a" 1})", Type::Map(Type::Number()),
       "expected ':'"},
      {"non-string key", "{1:2}", Type::Map(Type::Number()),
       "expected a string key"},
      {"duplicate key", R"({"a":1,"a":2})", Type::Map(Type::Number()),
       "duplicate key \"a\""},
      {"too deep", deep, deep_type, "nesting too deep"},
      {"wrong kind nested", R"({"rule":[{"port":true}]})",
       Type::Object({{"rule", Type::List(RuleType())}}),
       ".rule[0].port: number required, got bool"},
      {"bad number string", R"({"size":"big"})",
       Type::Object({{"size", Type::Number()}}),
       ".size: invalid number \"big\""},
      {"number out of range", "1e999999", Type::Number(),
       "exponent out of range"},
      {"bool from other string", R"("yes")", Type::Bool(),
       "a bool is required, got string \"yes\""},
      {"object for string", "{}", Type::String(),
       "string required, got object"},
      {"array for map", "[]", Type::Map(Type::String()),
       "map required, got array"},
      {"object for list", "{}", Type::List(Type::String()),
       "list required, got object"},
      {"number for set", "1", Type::Set(Type::String()),
       "set required, got number"},
      {"string for object", R"("x")", Type::Object({}),
       "object required, got string"},
      {"tuple too long", "[1,2]", Type::Tuple({Type::Number()}),
       "a tuple of length 1 is required (2 given)"},
      {"map element", R"({"k":[]})", Type::Map(Type::String()),
       "[\"k\"]: string required, got array"},
      {"dynamic not object", "[1]", Type::Dynamic(),
       "a dynamic value must be an object"},
      {"dynamic missing type", R"({"value":1})", Type::Dynamic(),
       "missing type in a dynamic value"},
      {"dynamic missing value", R"({"type":"number"})", Type::Dynamic(),
       "missing value in a dynamic value"},
      {"dynamic extra key", R"({"value":1,"type":"number","x":0})",
       Type::Dynamic(), "invalid key \"x\" in a dynamic value"},
      {"dynamic bad type", R"({"value":1,"type":"integer"})", Type::Dynamic(),
       "unknown type \"integer\""},
      {"dynamic value mismatch", R"({"value":"x","type":["list","string"]})",
       Type::Dynamic(), "list required, got string"},
      {"unsupported attribute", R"({"zzz":1})", Type::Object({}),
       "unsupported attribute \"zzz\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        DecodeJson(c.json, c.type),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

TEST(JsonTest, RoundTrips) {
  Type nested = Type::Object({{"any", Type::Dynamic()},
                              {"list", Type::List(Type::Dynamic())},
                              {"set", Type::Set(Type::Number())}});
  struct Case {
    std::string name;
    Value value;
    Type type;
  };
  const std::vector<Case> cases = {
      {"state", StateValue(), StateType()},
      {"decimals",
       Value::List(Type::Number(),
                   {Num("0.1"), Num("-0.000001"), Num("1e-300"), Num("1e300"),
                    Num("123456789012345678901234567890.123456789")}),
       Type::List(Type::Number())},
      {"nested dynamic",
       Value::Object(
           {{"any", Value::Map(Type::Tuple({Type::String(), Type::Number()}),
                               {{"k", Value::Tuple({Str("s"), Num("0.1")})}})},
            {"list",
             Value::List(Type::Dynamic(),
                         {Str("x"), Value::Null(Type::Bool()), Value()})},
            {"set",
             Value::Set(Type::Number(), {Value::Int(3), Value::Int(1)})}}),
       nested},
      {"strings",
       Value::List(Type::String(),
                   {Str(""), Str("<html>&"), Str("\xe2\x80\xa9"),
                    Str(std::string("nul\0", 4))}),
       Type::List(Type::String())},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CVM_ASSERT_OK_AND_ASSIGN(std::string encoded, EncodeJson(c.value, c.type));
    CVM_ASSERT_OK_AND_ASSIGN(Value decoded, DecodeJson(encoded, c.type));
    EXPECT_EQ(decoded, c.value) << encoded;
    CVM_ASSERT_OK_AND_ASSIGN(std::string again, EncodeJson(decoded, c.type));
    EXPECT_EQ(again, encoded);
  }
}

}  // namespace
}  // namespace cvm::values
