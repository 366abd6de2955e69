// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/value.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::values {
namespace {

Value Num(const std::string& text) {
  absl::StatusOr<values::Number> n = values::Number::Parse(text);
  EXPECT_TRUE(n.ok()) << text;
  return Value::Number(n.ok() ? *n : values::Number());
}

Value Str(const char* s) { return Value::String(s); }

TEST(ValueTest, ScalarsAndState) {
  Value s = Str("dev");
  EXPECT_TRUE(s.IsKnown());
  EXPECT_FALSE(s.IsNull());
  EXPECT_FALSE(s.IsUnknown());
  EXPECT_EQ(s.type(), Type::String());
  EXPECT_EQ(s.AsString(), "dev");

  EXPECT_EQ(Value::Int(-7).AsNumber(), values::Number::FromInt64(-7));
  EXPECT_EQ(Value::Int(-7).type(), Type::Number());
  EXPECT_TRUE(Value::Bool(true).AsBool());

  Value null = Value::Null(Type::String());
  EXPECT_TRUE(null.IsNull());
  EXPECT_EQ(null.type(), Type::String());
  EXPECT_TRUE(null.refinements().empty());

  Value def;
  EXPECT_TRUE(def.IsNull());
  EXPECT_EQ(def.type(), Type::Dynamic());

  Value unknown = Value::Unknown(Type::Number());
  EXPECT_TRUE(unknown.IsUnknown());
  EXPECT_TRUE(unknown.refinements().empty());
}

// An expected type is only ever a shortcut: the value's type is still the
// one its attributes give.
TEST(ValueTest, ObjectWithAnExpectedTypeHasItsAttributesType) {
  const std::map<std::string, Value> attrs = {
      {"name", Str("dev")}, {"size", Value::Null(Type::Number())}};
  const Type derived =
      Type::Object({{"name", Type::String()}, {"size", Type::Number()}});
  struct Case {
    std::string name;
    Type expected;
  };
  const std::vector<Case> cases = {
      {"the same type", derived},
      {"a dynamic attribute",
       Type::Object({{"name", Type::Dynamic()}, {"size", Type::Number()}})},
      {"another attribute type",
       Type::Object({{"name", Type::Bool()}, {"size", Type::Number()}})},
      {"another attribute name",
       Type::Object({{"name", Type::String()}, {"sise", Type::Number()}})},
      {"one attribute more", Type::Object({{"name", Type::String()},
                                           {"size", Type::Number()},
                                           {"tags", Type::String()}})},
      {"an optional attribute",
       Type::Object({{"name", Type::String()}, {"size", Type::Number()}},
                    {"size"})},
      {"not an object", Type::Map(Type::String())},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Value v = Value::Object(attrs, c.expected);
    EXPECT_EQ(v.type(), derived);
    EXPECT_EQ(v.type().optional_attributes().size(), 0u);
    EXPECT_EQ(v, Value::Object(attrs));
  }
}

TEST(ValueTest, ObjectDerivesItsType) {
  Value v =
      Value::Object({{"name", Str("dev")},
                     {"size", Value::Null(Type::Number())},
                     {"tags", Value::Map(Type::String(), {})},
                     {"pair", Value::Tuple({Value::Bool(true), Str("x")})}});
  EXPECT_EQ(
      v.type(),
      Type::Object({{"name", Type::String()},
                    {"size", Type::Number()},
                    {"tags", Type::Map(Type::String())},
                    {"pair", Type::Tuple({Type::Bool(), Type::String()})}}));
  EXPECT_EQ(v.GetAttr("name").AsString(), "dev");
  EXPECT_EQ(v.Length(), 4u);
  // Absent attributes read as a null of type dynamic.
  EXPECT_TRUE(v.GetAttr("nope").IsNull());
  EXPECT_EQ(v.GetAttr("nope").type(), Type::Dynamic());

  Value w = v.WithAttr("size", Value::Int(3));
  EXPECT_EQ(w.GetAttr("size"), Value::Int(3));
  EXPECT_TRUE(v.GetAttr("size").IsNull());  // v is unchanged
  Value x = v.WithAttr("extra", Value::Bool(false));
  EXPECT_EQ(x.type().attributes().at("extra"), Type::Bool());
  EXPECT_EQ(x.Length(), 5u);
}

// The rvalue WithAttr updates in place only what nothing else shares, and
// gives the object the type Object() would.
TEST(ValueTest, WithAttrOnAnRvalueLeavesCopiesAlone) {
  const Value original = Value::Object(
      {{"name", Str("dev")}, {"size", Value::Null(Type::Number())}});
  Value copy = original;
  Value moved = std::move(copy).WithAttr("name", Str("prod"));
  EXPECT_EQ(original.GetAttr("name"), Str("dev"));  // shared: copied first
  EXPECT_EQ(moved.GetAttr("name"), Str("prod"));

  // Unshared now: every update lands in the one object.
  for (int i = 0; i < 3; ++i) {
    moved = std::move(moved).WithAttr("size", Value::Int(i));
  }
  Value alias = moved;
  moved = std::move(moved).WithAttr("name", Str("again"));
  EXPECT_EQ(alias.GetAttr("name"), Str("prod"));  // alias made it shared
  EXPECT_EQ(moved,
            Value::Object({{"name", Str("again")}, {"size", Value::Int(2)}}));

  // A value of another type, or a new attribute, changes the type.
  Value retyped = std::move(moved).WithAttr("size", Str("big"));
  EXPECT_EQ(retyped.type(),
            Type::Object({{"name", Type::String()}, {"size", Type::String()}}));
  Value added = std::move(retyped).WithAttr("tag", Value::Bool(true));
  EXPECT_EQ(added, Value::Object({{"name", Str("again")},
                                  {"size", Str("big")},
                                  {"tag", Value::Bool(true)}}));
}

TEST(ValueTest, SetsAreCanonical) {
  Value a =
      Value::Set(Type::String(), {Str("b"), Str("a"), Str("b"), Str("c")});
  Value b = Value::Set(Type::String(), {Str("c"), Str("a"), Str("b")});
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.Length(), 3u);
  EXPECT_EQ(a.Elements()[0], Str("a"));
  EXPECT_EQ(a.Elements()[2], Str("c"));

  // Numbers are compared by value: 1.50 == 1.5.
  Value n = Value::Set(Type::Number(),
                       {Num("1.50"), Num("10"), Num("1.5"), Num("-3")});
  ASSERT_EQ(n.Length(), 3u);
  EXPECT_EQ(n.Elements()[0], Num("-3"));
  EXPECT_EQ(n.Elements()[1], Num("1.5"));

  // Unknown elements may stand for different values, so they stay distinct.
  Value u =
      Value::Set(Type::String(), {Value::Unknown(Type::String()), Str("x"),
                                  Value::Unknown(Type::String())});
  EXPECT_EQ(u.Length(), 3u);
  EXPECT_EQ(u, Value::Set(Type::String(),
                          {Value::Unknown(Type::String()),
                           Value::Unknown(Type::String()), Str("x")}));

  // Sets of objects dedup structurally.
  Value o1 = Value::Object({{"p", Value::Int(1)}});
  Value o2 = Value::Object({{"p", Value::Int(2)}});
  Value so = Value::Set(o1.type(), {o2, o1, o2, o1});
  EXPECT_EQ(so.Length(), 2u);
  EXPECT_EQ(so.Elements()[0], o1);

  EXPECT_NE(Value::Set(Type::String(), {Str("a")}),
            Value::List(Type::String(), {Str("a")}));
}

TEST(ValueTest, Equality) {
  struct Case {
    std::string name;
    Value a;
    Value b;
    bool equal;
    bool equal_ignoring_refinements;
  };
  Refinements not_null;
  not_null.not_null = true;
  Refinements prefix;
  prefix.string_prefix = "pre-";
  const std::vector<Case> cases = {
      {"same string", Str("a"), Str("a"), true, true},
      {"different string", Str("a"), Str("b"), false, false},
      {"numbers by value", Num("1.0"), Value::Int(1), true, true},
      {"null vs unknown", Value::Null(Type::String()),
       Value::Unknown(Type::String()), false, false},
      {"null types differ", Value::Null(Type::String()),
       Value::Null(Type::Number()), false, false},
      {"unknowns", Value::Unknown(Type::String()),
       Value::Unknown(Type::String()), true, true},
      {"refined vs plain", Value::Unknown(Type::String(), prefix),
       Value::Unknown(Type::String()), false, true},
      {"refined differently", Value::Unknown(Type::String(), prefix),
       Value::Unknown(Type::String(), not_null), false, true},
      {"nested refinement",
       Value::Object({{"a", Value::Unknown(Type::String(), prefix)}}),
       Value::Object({{"a", Value::Unknown(Type::String())}}), false, true},
      {"list vs tuple", Value::List(Type::String(), {Str("a")}),
       Value::Tuple({Str("a")}), false, false},
      {"list order", Value::List(Type::String(), {Str("a"), Str("b")}),
       Value::List(Type::String(), {Str("b"), Str("a")}), false, false},
      {"maps", Value::Map(Type::Number(), {{"k", Value::Int(1)}}),
       Value::Map(Type::Number(), {{"k", Value::Int(1)}}), true, true},
      {"map values differ", Value::Map(Type::Number(), {{"k", Value::Int(1)}}),
       Value::Map(Type::Number(), {{"k", Value::Int(2)}}), false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.a == c.b, c.equal);
    EXPECT_EQ(c.b == c.a, c.equal);
    EXPECT_EQ(c.a.EqualIgnoringRefinements(c.b), c.equal_ignoring_refinements);
  }
}

TEST(ValueTest, UnknownRefinementsAreCanonical) {
  Refinements all;
  all.not_null = true;
  all.string_prefix = "p";
  all.number_lower = {values::Number::FromInt64(1), true};
  all.number_upper = {values::Number::FromInt64(9), false};
  all.length_lower = 1;
  all.length_upper = 5;

  Refinements want_string;
  want_string.not_null = true;
  want_string.string_prefix = "p";
  EXPECT_EQ(Value::Unknown(Type::String(), all).refinements(), want_string);

  Refinements want_number;
  want_number.not_null = true;
  want_number.number_lower = all.number_lower;
  want_number.number_upper = all.number_upper;
  EXPECT_EQ(Value::Unknown(Type::Number(), all).refinements(), want_number);

  Refinements want_list;
  want_list.not_null = true;
  want_list.length_lower = 1;
  want_list.length_upper = 5;
  EXPECT_EQ(Value::Unknown(Type::List(Type::String()), all).refinements(),
            want_list);

  Refinements want_object;
  want_object.not_null = true;
  EXPECT_EQ(Value::Unknown(Type::Object({}), all).refinements(), want_object);

  EXPECT_TRUE(Value::Unknown(Type::Dynamic(), all).refinements().empty());

  Refinements maybe_null;
  maybe_null.not_null = false;
  maybe_null.string_prefix = "";
  EXPECT_TRUE(Value::Unknown(Type::String(), maybe_null).refinements().empty());
  EXPECT_EQ(Value::Unknown(Type::String(), maybe_null),
            Value::Unknown(Type::String()));
}

TEST(ValueTest, IsWhollyKnown) {
  struct Case {
    std::string name;
    Value v;
    bool want;
  };
  const std::vector<Case> cases = {
      {"string", Str("a"), true},
      {"null", Value::Null(Type::String()), true},
      {"unknown", Value::Unknown(Type::String()), false},
      {"empty list", Value::List(Type::String(), {}), true},
      {"list with unknown",
       Value::List(Type::String(), {Str("a"), Value::Unknown(Type::String())}),
       false},
      {"object with null", Value::Object({{"a", Value::Null(Type::Number())}}),
       true},
      {"deep unknown",
       Value::Object(
           {{"a", Value::Map(Type::List(Type::Number()),
                             {{"k", Value::List(
                                        Type::Number(),
                                        {Value::Unknown(Type::Number())})}})}}),
       false},
      {"tuple", Value::Tuple({Str("a"), Value::Int(1)}), true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.v.IsWhollyKnown(), c.want);
  }
}

TEST(ValueTest, DebugString) {
  struct Case {
    Value v;
    std::string want;
  };
  Refinements r;
  r.not_null = true;
  r.string_prefix = "pre-";
  Refinements nr;
  nr.number_lower = {values::Number::FromInt64(0), true};
  nr.number_upper = {values::Number::FromInt64(10), false};
  Refinements lr;
  lr.length_lower = 1;
  lr.length_upper = 3;
  const std::vector<Case> cases = {
      {Value::Object(
           {{"a", Value::Int(1)},
            {"b", Value::List(Type::String(),
                              {Str("x"), Value::Unknown(Type::String())})}}),
       R"({"a" = 1, "b" = ["x", (unknown)]})"},
      {Value::Null(Type::String()), "null"},
      {Value::Bool(false), "false"},
      {Num("0.1"), "0.1"},
      {Str("say \"hi\"\n"), R"("say \"hi\"\n")"},
      {Value::Set(Type::Number(), {Value::Int(2), Value::Int(1)}),
       "toset([1, 2])"},
      {Value::Map(Type::Bool(), {{"k", Value::Bool(true)}}), R"({"k" = true})"},
      {Value::Tuple({}), "[]"},
      {Value::Unknown(Type::String(), r),
       R"((unknown, not null, prefix "pre-"))"},
      {Value::Unknown(Type::Number(), nr), "(unknown, >= 0, < 10)"},
      {Value::Unknown(Type::Set(Type::String()), lr),
       "(unknown, length >= 1, length <= 3)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(c.v.DebugString(), c.want);
  }
}

TEST(ValueTest, LengthAndMisuseAreSafe) {
  EXPECT_EQ(Value::List(Type::String(), {Str("a"), Str("b")}).Length(), 2u);
  EXPECT_EQ(Value::Map(Type::String(), {{"a", Str("b")}}).Length(), 1u);
  EXPECT_EQ(Value::Null(Type::List(Type::String())).Length(), 0u);
  EXPECT_EQ(Value::Unknown(Type::List(Type::String())).Length(), 0u);
  // Accessors against their REQUIRES yield empty results, not crashes.
  Value null = Value::Null(Type::String());
  EXPECT_EQ(null.AsString(), "");
  EXPECT_EQ(null.AsNumber(), values::Number());
  EXPECT_FALSE(null.AsBool());
  EXPECT_TRUE(null.Elements().empty());
  EXPECT_TRUE(null.Entries().empty());
  EXPECT_TRUE(null.GetAttr("x").IsNull());
}

}  // namespace
}  // namespace cvm::values
