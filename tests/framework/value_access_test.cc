// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/value_access.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/printers.h"

namespace cvm::framework {
namespace {

using values::Type;
using values::Value;

Value S(const char* s) { return Value::String(s); }

Value Sample() {
  return Value::Object({
      {"name", S("dev")},
      {"null_name", Value::Null(Type::String())},
      {"unknown_name", Value::Unknown(Type::String())},
      {"flag", Value::Bool(true)},
      {"count", Value::Int(42)},
      {"ratio", Value::Number(*values::Number::Parse("2.5"))},
      {"big", Value::Number(*values::Number::Parse("12345678901234567890"))},
      {"list",
       Value::List(Type::String(), {S("a"), Value::Null(Type::String()),
                                    Value::Unknown(Type::String()), S("b")})},
      {"set", Value::Set(Type::String(), {S("y"), S("x")})},
      {"tuple", Value::Tuple({S("t"), Value::Int(1)})},
      {"numbers", Value::List(Type::Number(), {Value::Int(1)})},
      {"map",
       Value::Map(Type::String(), {{"k", S("v")},
                                   {"n", Value::Null(Type::String())},
                                   {"u", Value::Unknown(Type::String())}})},
      {"object", Value::Object({{"k", S("v")}, {"n", Value::Int(1)}})},
  });
}

TEST(ValueAccessTest, Attr) {
  const Value v = Sample();
  EXPECT_EQ(Attr(v, "name"), S("dev"));
  EXPECT_EQ(Attr(v, "missing"), Value());
  EXPECT_EQ(Attr(Value::Null(v.type()), "name"), Value());
  EXPECT_EQ(Attr(Value::Unknown(v.type()), "name"), Value());
  EXPECT_EQ(Attr(S("not an object"), "name"), Value());
  EXPECT_EQ(Attr(Value::Map(Type::String(), {{"name", S("x")}}), "name"),
            Value());
}

TEST(ValueAccessTest, StringBoolIntNumber) {
  const Value v = Sample();
  EXPECT_EQ(StringAttr(v, "name"), "dev");
  EXPECT_EQ(StringAttr(v, "null_name"), std::nullopt);
  EXPECT_EQ(StringAttr(v, "unknown_name"), std::nullopt);
  EXPECT_EQ(StringAttr(v, "missing"), std::nullopt);
  EXPECT_EQ(StringAttr(v, "flag"), std::nullopt);  // wrong type
  EXPECT_EQ(BoolAttr(v, "flag"), true);
  EXPECT_EQ(BoolAttr(v, "name"), std::nullopt);
  EXPECT_EQ(IntAttr(v, "count"), 42);
  EXPECT_EQ(IntAttr(v, "name"), std::nullopt);
  EXPECT_EQ(NumberAttr(v, "ratio"), 2.5);
  EXPECT_EQ(NumberAttr(v, "count"), 42.0);
  EXPECT_EQ(NumberAttr(v, "flag"), std::nullopt);
}

TEST(ValueAccessTest, IntAttrIsNulloptWhenNotAnInt64) {
  const Value v = Sample();
  EXPECT_EQ(IntAttr(v, "ratio"), std::nullopt);
  EXPECT_EQ(IntAttr(v, "big"), std::nullopt);
}

TEST(ValueAccessTest, StringListAndMap) {
  const Value v = Sample();
  EXPECT_EQ(StringListAttr(v, "list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(StringListAttr(v, "set"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(StringListAttr(v, "tuple"), (std::vector<std::string>{"t"}));
  EXPECT_EQ(StringListAttr(v, "numbers"), (std::vector<std::string>{}));
  EXPECT_EQ(StringListAttr(v, "name"), std::nullopt);
  EXPECT_EQ(StringListAttr(v, "missing"), std::nullopt);
  EXPECT_EQ(StringMapAttr(v, "map"),
            (std::map<std::string, std::string>{{"k", "v"}}));
  EXPECT_EQ(StringMapAttr(v, "object"),
            (std::map<std::string, std::string>{{"k", "v"}}));
  EXPECT_EQ(StringMapAttr(v, "list"), std::nullopt);
  EXPECT_EQ(StringMapAttr(v, "missing"), std::nullopt);
}

TEST(ValueAccessTest, ElementsOf) {
  const Value v = Sample();
  // Every element, null and unknown ones included.
  EXPECT_EQ(ElementsOf(Attr(v, "list")).size(), 4u);
  EXPECT_EQ(ElementsOf(Attr(v, "set")).size(), 2u);
  EXPECT_EQ(ElementsOf(Attr(v, "tuple")).size(), 2u);
  EXPECT_TRUE(ElementsOf(Attr(v, "map")).empty());
  EXPECT_TRUE(ElementsOf(Attr(v, "missing")).empty());
  EXPECT_TRUE(ElementsOf(Value::Null(Type::List(Type::String()))).empty());
  EXPECT_TRUE(ElementsOf(Value::Unknown(Type::List(Type::String()))).empty());
}

TEST(ValueAccessTest, Builders) {
  EXPECT_EQ(StringList({"a", "b"}),
            Value::List(Type::String(), {S("a"), S("b")}));
  EXPECT_EQ(StringList({}), Value::List(Type::String(), {}));
  EXPECT_EQ(StringMap({{"k", "v"}}),
            Value::Map(Type::String(), {{"k", S("v")}}));
  EXPECT_EQ(OptionalString("x"), S("x"));
  EXPECT_EQ(OptionalString(std::nullopt), Value::Null(Type::String()));
}

}  // namespace
}  // namespace cvm::framework
