// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/path.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cvm::values {
namespace {

TEST(PathTest, ToString) {
  struct Case {
    Path path;
    std::string want;
  };
  const std::vector<Case> cases = {
      {Path(), ""},
      {Path::FromAttr("cpu").Attr("limit"), "cpu.limit"},
      {Path().Attr("mounts").Index(0).Attr("target"), "mounts[0].target"},
      {Path::FromAttr("labels").Key("app"), R"(labels["app"])"},
      {Path::FromAttr("labels").Key(R"(a"b\c)"), R"(labels["a\"b\\c"])"},
      {Path().Index(3), "[3]"},
      {Path().Key("k").Attr("a"), R"(["k"].a)"},
      {Path({AttributeStep{"rule"}, IndexStep{0}, AttributeStep{"port"}}),
       "rule[0].port"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(c.path.ToString(), c.want);
  }
}

TEST(PathTest, StepsAndPrefix) {
  Path p = Path::FromAttr("rule").Index(0).Attr("port");
  EXPECT_EQ(p.steps(),
            (std::vector<PathStep>{AttributeStep{"rule"}, IndexStep{0},
                                   AttributeStep{"port"}}));
  EXPECT_FALSE(p.empty());
  EXPECT_TRUE(Path().empty());
  EXPECT_TRUE(p.HasPrefix(Path()));
  EXPECT_TRUE(p.HasPrefix(Path::FromAttr("rule")));
  EXPECT_TRUE(p.HasPrefix(Path::FromAttr("rule").Index(0)));
  EXPECT_TRUE(p.HasPrefix(p));
  EXPECT_FALSE(p.HasPrefix(Path::FromAttr("rule").Index(1)));
  EXPECT_FALSE(p.HasPrefix(Path::FromAttr("rule").Key("0")));
  EXPECT_FALSE(Path::FromAttr("rule").HasPrefix(p));
  // Attr does not modify the original.
  Path base = Path::FromAttr("a");
  Path longer = base.Attr("b");
  EXPECT_EQ(base.steps().size(), 1u);
  EXPECT_EQ(longer.steps().size(), 2u);
  EXPECT_EQ(longer, Path::FromAttr("a").Attr("b"));
  EXPECT_NE(longer, Path::FromAttr("a").Key("b"));
  EXPECT_LT(Path::FromAttr("a"), Path::FromAttr("b"));
}

TEST(PathTest, ValueAtPath) {
  Value rule = Value::Object({{"port", Value::Int(80)}});
  Value root = Value::Object({
      {"name", Value::String("alpha")},
      {"rule", Value::List(rule.type(), {rule})},
      {"tags", Value::Map(Type::String(), {{"app", Value::String("web")}})},
      {"pair", Value::Tuple({Value::Bool(true), Value::String("x")})},
      {"gone", Value::Null(rule.type())},
      {"later", Value::Unknown(rule.type())},
      {"set", Value::Set(Type::String(), {Value::String("a")})},
  });
  struct Case {
    std::string name;
    Path path;
    std::optional<Value> want;
  };
  const std::vector<Case> cases = {
      {"root", Path(), root},
      {"attribute", Path::FromAttr("name"), Value::String("alpha")},
      {"list element", Path::FromAttr("rule").Index(0), rule},
      {"nested", Path::FromAttr("rule").Index(0).Attr("port"), Value::Int(80)},
      {"map key", Path::FromAttr("tags").Key("app"), Value::String("web")},
      {"tuple element", Path::FromAttr("pair").Index(1), Value::String("x")},
      {"ends at null", Path::FromAttr("gone"), Value::Null(rule.type())},
      {"ends at unknown", Path::FromAttr("later"), Value::Unknown(rule.type())},
      {"missing attribute", Path::FromAttr("nope"), std::nullopt},
      {"index out of range", Path::FromAttr("rule").Index(1), std::nullopt},
      {"negative index", Path::FromAttr("rule").Index(-1), std::nullopt},
      {"missing key", Path::FromAttr("tags").Key("db"), std::nullopt},
      {"through null", Path::FromAttr("gone").Attr("port"), std::nullopt},
      {"through unknown", Path::FromAttr("later").Attr("port"), std::nullopt},
      {"attribute of a list", Path::FromAttr("rule").Attr("port"),
       std::nullopt},
      {"index into a map", Path::FromAttr("tags").Index(0), std::nullopt},
      {"index into a set", Path::FromAttr("set").Index(0), std::nullopt},
      {"key into a string", Path::FromAttr("name").Key("x"), std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ValueAtPath(root, c.path), c.want);
  }
}

}  // namespace
}  // namespace cvm::values
