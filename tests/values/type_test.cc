// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/type.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::values {
namespace {

using ::cvm::testing::StatusIs;
using ::testing::HasSubstr;

Type ConfigType() {
  return Type::Object({
      {"dyn", Type::Dynamic()},
      {"id", Type::String()},
      {"name", Type::String()},
      {"rule", Type::List(Type::Object({{"port", Type::Number()}}))},
      {"size", Type::Number()},
      {"tags", Type::Map(Type::String())},
  });
}

TEST(TypeTest, JsonRoundTrip) {
  struct Case {
    std::string name;
    Type type;
    std::string json;
  };
  const std::vector<Case> cases = {
      {"string", Type::String(), R"("string")"},
      {"number", Type::Number(), R"("number")"},
      {"bool", Type::Bool(), R"("bool")"},
      {"dynamic", Type::Dynamic(), R"("dynamic")"},
      {"default", Type(), R"("dynamic")"},
      {"list", Type::List(Type::String()), R"(["list","string"])"},
      {"set", Type::Set(Type::Number()), R"(["set","number"])"},
      {"map", Type::Map(Type::Bool()), R"(["map","bool"])"},
      {"nested", Type::List(Type::Map(Type::Set(Type::Dynamic()))),
       R"(["list",["map",["set","dynamic"]]])"},
      {"empty object", Type::Object({}), R"(["object",{}])"},
      {"empty tuple", Type::Tuple({}), R"(["tuple",[]])"},
      {"tuple", Type::Tuple({Type::Bool(), Type::String()}),
       R"(["tuple",["bool","string"]])"},
      {"object",
       Type::Object({{"b", Type::List(Type::Bool())}, {"a", Type::Number()}}),
       R"(["object",{"a":"number","b":["list","bool"]}])"},
      {"optional attributes",
       Type::Object(
           {{"a", Type::Number()}, {"b", Type::String()}, {"c", Type::Bool()}},
           {"c", "a"}),
       R"(["object",{"a":"number","b":"string","c":"bool"},["a","c"]])"},
      {"escaped names", Type::Object({{"q\"uo\\te", Type::String()}}),
       R"(["object",{"q\"uo\\te":"string"}])"},
      {"config", ConfigType(),
       R"(["object",{"dyn":"dynamic","id":"string","name":"string",)"
       R"("rule":["list",["object",{"port":"number"}]],"size":"number",)"
       R"("tags":["map","string"]}])"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.type.ToJson(), c.json);
    CVM_ASSERT_OK_AND_ASSIGN(Type parsed, Type::FromJson(c.json));
    EXPECT_EQ(parsed, c.type);
    EXPECT_EQ(parsed.ToJson(), c.json);
  }
}

TEST(TypeTest, FromJsonAcceptsWhitespace) {
  CVM_ASSERT_OK_AND_ASSIGN(
      Type t, Type::FromJson(" [ \"object\" ,\n { \"a\" : [ \"list\" , "
                             "\"string\" ] } , [ \"a\" ] ]\t"));
  EXPECT_EQ(t, Type::Object({{"a", Type::List(Type::String())}}, {"a"}));
}

TEST(TypeTest, FromJsonRejects) {
  struct Case {
    std::string name;
    std::string json;
    std::string error;
  };
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += R"(["list",)";
  deep += R"("string")";
  for (int i = 0; i < 300; ++i) deep += "]";
  const std::vector<Case> cases = {
      {"empty", "", "unexpected end of input"},
      {"not JSON", "string", "unexpected character"},
      {"bad literal", "nul", "invalid literal"},
      {"trailing", R"("string" x)", "unexpected data after the value"},
      {"unknown primitive", R"("strin")", R"(unknown type "strin")"},
      {"number", "42", "a type must be a string or an array, not number"},
      {"object", "{}", "a type must be a string or an array, not object"},
      {"empty array", "[]", "must start with a type kind string"},
      {"kind not string", "[1]", "must start with a type kind string"},
      {"unknown kind", R"(["vector","string"])",
       R"(unknown type kind "vector")"},
      {"list without element", R"(["list"])",
       "a list type needs exactly one element type"},
      {"list with two", R"(["list","string","number"])",
       "a list type needs exactly one element type"},
      {"bad element", R"(["set","nope"])", R"(unknown type "nope")"},
      {"object with array", R"(["object",["a"]])",
       "object attributes must be a JSON object"},
      {"object without attributes", R"(["object"])",
       "an object type needs an attribute object"},
      {"bad optional list", R"(["object",{"a":"string"},"a"])",
       "optional attributes must be a JSON array"},
      {"optional not attribute", R"(["object",{"a":"string"},["b"]])",
       R"(optional attribute "b" is not an attribute)"},
      {"optional not string", R"(["object",{"a":"string"},[1]])",
       "optional attribute names must be strings"},
      {"duplicate attribute", R"(["object",{"a":"string","a":"number"}])",
       R"(duplicate key "a")"},
      {"tuple with object", R"(["tuple",{}])",
       "a tuple type needs an array of element types"},
      {"bad tuple element", R"(["tuple",["string",7]])",
       "a type must be a string or an array, not number"},
      {"too deep", deep, "nesting too deep"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        Type::FromJson(c.json),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

TEST(TypeTest, FriendlyName) {
  struct Case {
    Type type;
    std::string want;
  };
  const std::vector<Case> cases = {
      {Type::String(), "string"},
      {Type::Number(), "number"},
      {Type::Bool(), "bool"},
      {Type::Dynamic(), "dynamic"},
      {Type::List(Type::String()), "list of string"},
      {Type::Set(Type::Number()), "set of number"},
      {Type::Map(Type::List(Type::Bool())), "map of list of bool"},
      {Type::Object({{"a", Type::String()}}), "object"},
      {Type::Tuple({Type::String()}), "tuple"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(c.type.FriendlyName(), c.want);
  }
}

TEST(TypeTest, Equality) {
  EXPECT_EQ(Type::List(Type::String()), Type::List(Type::String()));
  EXPECT_NE(Type::List(Type::String()), Type::Set(Type::String()));
  EXPECT_NE(Type::List(Type::String()), Type::List(Type::Number()));
  EXPECT_EQ(ConfigType(), ConfigType());
  EXPECT_NE(Type::Object({{"a", Type::String()}}),
            Type::Object({{"b", Type::String()}}));
  EXPECT_NE(Type::Object({{"a", Type::String()}}),
            Type::Object({{"a", Type::String()}}, {"a"}));
  EXPECT_NE(Type::Tuple({Type::String()}),
            Type::Tuple({Type::String(), Type::String()}));
  EXPECT_EQ(Type(), Type::Dynamic());
  EXPECT_NE(Type::String(), Type::Dynamic());
}

TEST(TypeTest, Predicates) {
  EXPECT_TRUE(Type::String().IsPrimitive());
  EXPECT_FALSE(Type::Dynamic().IsPrimitive());
  EXPECT_TRUE(Type::Dynamic().IsDynamic());
  EXPECT_TRUE(Type::Map(Type::String()).IsCollection());
  EXPECT_FALSE(Type::Tuple({}).IsCollection());
  EXPECT_FALSE(Type::Object({}).IsCollection());

  EXPECT_TRUE(ConfigType().HasDynamic());
  EXPECT_TRUE(Type::Tuple({Type::String(), Type::Dynamic()}).HasDynamic());
  EXPECT_TRUE(Type::List(Type::Dynamic()).HasDynamic());
  EXPECT_FALSE(Type::List(Type::Object({{"a", Type::Number()}})).HasDynamic());
  EXPECT_FALSE(Type::String().HasDynamic());
}

TEST(TypeTest, Accessors) {
  Type t = ConfigType();
  EXPECT_EQ(t.kind(), Type::Kind::kObject);
  ASSERT_EQ(t.attributes().size(), 6u);
  EXPECT_EQ(t.attributes().begin()->first, "dyn");
  EXPECT_EQ(t.attributes().at("rule").element(),
            Type::Object({{"port", Type::Number()}}));
  EXPECT_EQ(Type::Tuple({Type::Bool()}).tuple_elements(),
            std::vector<Type>{Type::Bool()});
  // Optional names that are not attributes are dropped.
  EXPECT_EQ(
      Type::Object({{"a", Type::String()}}, {"a", "zz"}).optional_attributes(),
      std::set<std::string>{"a"});
  // Accessors called against their REQUIRES return empty results.
  EXPECT_EQ(Type::String().element(), Type::Dynamic());
  EXPECT_TRUE(Type::String().attributes().empty());
  EXPECT_TRUE(Type::String().tuple_elements().empty());
}

}  // namespace
}  // namespace cvm::values
