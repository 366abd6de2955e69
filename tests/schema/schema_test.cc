// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/schema/schema.h"

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/printers.h"
#include "tests/testing/status_matchers.h"

namespace cvm::schema {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::HasSubstr;
using values::Type;
using values::Value;

NestedBlock MakeBlock(std::string name, NestedBlock::Nesting nesting,
                      std::vector<Attribute> attrs, int64_t min_items = 0,
                      int64_t max_items = 0) {
  NestedBlock nb;
  nb.type_name = std::move(name);
  nb.nesting = nesting;
  nb.block.attributes = std::move(attrs);
  nb.min_items = min_items;
  nb.max_items = max_items;
  return nb;
}

const Type kPortObject = Type::Object({{"port", Type::Number()}});

TEST(AttributeTest, ValueType) {
  struct Case {
    std::string name;
    Attribute attr;
    Type want;
  };
  const std::vector<Attribute> inner = {
      Attribute("port", Type::Number()).Optional()};
  const std::vector<Case> cases = {
      {"plain", Attribute("a", Type::String()).Optional(), Type::String()},
      {"collection", Attribute("a", Type::List(Type::Bool())).Optional(),
       Type::List(Type::Bool())},
      {"default type is dynamic", Attribute().Optional(), Type::Dynamic()},
      {"nested single",
       Attribute("a", Type::String())
           .Optional()
           .Nested(NestedObject::Nesting::kSingle, inner),
       kPortObject},
      {"nested list",
       Attribute("a", Type::String())
           .Optional()
           .Nested(NestedObject::Nesting::kList, inner),
       Type::List(kPortObject)},
      {"nested set",
       Attribute("a", Type::String())
           .Optional()
           .Nested(NestedObject::Nesting::kSet, inner),
       Type::Set(kPortObject)},
      {"nested map",
       Attribute("a", Type::String())
           .Optional()
           .Nested(NestedObject::Nesting::kMap, inner),
       Type::Map(kPortObject)},
      {"nested in nested",
       Attribute("a", Type::String())
           .Optional()
           .Nested(NestedObject::Nesting::kList,
                   {Attribute("b", Type::String())
                        .Optional()
                        .Nested(NestedObject::Nesting::kMap, inner)}),
       Type::List(Type::Object({{"b", Type::Map(kPortObject)}}))},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.attr.ValueType(), c.want);
  }
}

TEST(AttributeTest, SettersAndDescriptions) {
  Attribute a = Attribute("replicas", Type::Number())
                    .Default(Value::Int(1))
                    .RequiresReplace()
                    .UseStateForUnknown()
                    .Sensitive()
                    .Deprecated("use scale")
                    .DescribeMarkdown("Number of `replicas`.");
  EXPECT_TRUE(a.optional);
  EXPECT_TRUE(a.computed);
  EXPECT_FALSE(a.required);
  EXPECT_EQ(a.default_value, Value::Int(1));
  EXPECT_TRUE(a.requires_replace);
  EXPECT_TRUE(a.use_state_for_unknown);
  EXPECT_TRUE(a.sensitive);
  EXPECT_EQ(a.deprecation_message, "use scale");
  EXPECT_EQ(a.markdown_description, "Number of `replicas`.");
  EXPECT_EQ(a.description, "Number of replicas.");

  // An explicit plain description wins over the derived one.
  Attribute b = Attribute("x", Type::String())
                    .Describe("Plain.")
                    .DescribeMarkdown("`Marked`.");
  EXPECT_EQ(b.description, "Plain.");
  EXPECT_EQ(b.markdown_description, "`Marked`.");
}

TEST(BlockTest, ImpliedType) {
  const std::vector<Attribute> port = {
      Attribute("port", Type::Number()).Optional()};
  const std::vector<Attribute> dyn = {
      Attribute("any", Type::Dynamic()).Optional()};
  const Type dyn_object = Type::Object({{"any", Type::Dynamic()}});
  struct Case {
    std::string name;
    NestedBlock block;
    Type want;
  };
  const std::vector<Case> cases = {
      {"single", MakeBlock("b", NestedBlock::Nesting::kSingle, port),
       kPortObject},
      {"group", MakeBlock("b", NestedBlock::Nesting::kGroup, port),
       kPortObject},
      {"list", MakeBlock("b", NestedBlock::Nesting::kList, port),
       Type::List(kPortObject)},
      {"set", MakeBlock("b", NestedBlock::Nesting::kSet, port),
       Type::Set(kPortObject)},
      {"map", MakeBlock("b", NestedBlock::Nesting::kMap, port),
       Type::Map(kPortObject)},
      // Terraform's BlockTupleSpec/BlockObjectSpec: the element count and
      // types are only known per value, so the implied type is dynamic.
      {"list with dynamic", MakeBlock("b", NestedBlock::Nesting::kList, dyn),
       Type::Dynamic()},
      {"map with dynamic", MakeBlock("b", NestedBlock::Nesting::kMap, dyn),
       Type::Dynamic()},
      {"single with dynamic",
       MakeBlock("b", NestedBlock::Nesting::kSingle, dyn), dyn_object},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.block.ImpliedType(), c.want);
  }
}

TEST(BlockTest, ImpliedTypeOfWholeSchema) {
  Schema s;
  s.block.attributes = {
      Attribute("name", Type::String()).Required(),
      Attribute("tags", Type::Map(Type::String())).Optional(),
      Attribute("mounts", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kList,
                  {Attribute("target", Type::String()).Required()}),
  };
  NestedBlock rule = MakeBlock("rule", NestedBlock::Nesting::kList,
                               {Attribute("port", Type::Number()).Optional()});
  rule.block.block_types.push_back(
      MakeBlock("match", NestedBlock::Nesting::kSingle,
                {Attribute("host", Type::String()).Optional()}));
  s.block.block_types = {rule};
  EXPECT_EQ(
      s.ImpliedType(),
      Type::Object(
          {{"name", Type::String()},
           {"tags", Type::Map(Type::String())},
           {"mounts", Type::List(Type::Object({{"target", Type::String()}}))},
           {"rule",
            Type::List(Type::Object(
                {{"port", Type::Number()},
                 {"match", Type::Object({{"host", Type::String()}})}}))}}));
  EXPECT_EQ(s.block.FindAttribute("tags"), &s.block.attributes[1]);
  EXPECT_EQ(s.block.FindAttribute("rule"), nullptr);
  EXPECT_EQ(s.block.FindBlock("rule"), &s.block.block_types[0]);
  EXPECT_EQ(s.block.FindBlock("name"), nullptr);
}

// The implied types are computed once and kept; a copy starts afresh, so
// the copy-change-use way of deriving one schema from another still sees
// its own changes.
TEST(BlockTest, ImpliedTypeIsKeptAndCopiesStartAfresh) {
  Schema s;
  s.block.attributes = {Attribute("name", Type::String()).Required()};
  s.block.block_types = {
      MakeBlock("rule", NestedBlock::Nesting::kList,
                {Attribute("port", Type::Number())
                     .Optional()
                     .Nested(NestedObject::Nesting::kSet,
                             {Attribute("n", Type::Number()).Optional()})})};
  const Type first = s.ImpliedType();
  EXPECT_EQ(s.ImpliedType(), first);

  Schema copy = s;
  copy.block.attributes.push_back(Attribute("id", Type::String()).Computed());
  copy.block.block_types[0].nesting = NestedBlock::Nesting::kSet;
  copy.block.block_types[0].block.attributes[0].nested->nesting =
      NestedObject::Nesting::kList;
  const Type port_elem = Type::Object({{"n", Type::Number()}});
  EXPECT_EQ(copy.ImpliedType(),
            Type::Object({{"name", Type::String()},
                          {"id", Type::String()},
                          {"rule", Type::Set(Type::Object(
                                       {{"port", Type::List(port_elem)}}))}}));
  EXPECT_EQ(s.ImpliedType(), first);
  EXPECT_EQ(first,
            Type::Object({{"name", Type::String()},
                          {"rule", Type::List(Type::Object(
                                       {{"port", Type::Set(port_elem)}}))}}));

  Schema assigned;
  assigned = copy;
  assigned.block.attributes.pop_back();
  EXPECT_EQ(assigned.ImpliedType(),
            Type::Object({{"name", Type::String()},
                          {"rule", Type::Set(Type::Object(
                                       {{"port", Type::List(port_elem)}}))}}));
}

TEST(BlockTest, ConcurrentFirstImpliedTypeCallsAgree) {
  Schema s;
  for (int i = 0; i < 50; ++i) {
    s.block.attributes.push_back(
        Attribute("a" + std::to_string(i), Type::String()).Optional());
  }
  std::vector<Type> got(8);
  std::vector<std::thread> threads;
  for (Type& t : got) {
    threads.emplace_back([&s, &t] { t = s.ImpliedType(); });
  }
  for (std::thread& t : threads) t.join();
  for (const Type& t : got) EXPECT_EQ(t, got[0]);
  EXPECT_EQ(got[0].attributes().size(), 50u);
}

Schema WithAttrs(std::vector<Attribute> attrs) {
  Schema s;
  s.block.attributes = std::move(attrs);
  return s;
}

Schema WithBlocks(std::vector<NestedBlock> blocks) {
  Schema s;
  s.block.attributes = {Attribute("id", Type::String()).Computed()};
  s.block.block_types = std::move(blocks);
  return s;
}

TEST(SchemaTest, ValidateAcceptsValidSchemas) {
  Schema s = WithAttrs({
      Attribute("id", Type::String()).Computed().UseStateForUnknown(),
      Attribute("name", Type::String()).Required().RequiresReplace(),
      Attribute("size", Type::Number()).Default(Value::Int(3)),
      Attribute("token", Type::String()).Optional().WriteOnly(),
      Attribute("any", Type::Dynamic()).Optional(),
      Attribute("list_of_any", Type::List(Type::Dynamic())).Optional(),
      Attribute("ports", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kSet,
                  {Attribute("port", Type::Number()).Required()}),
  });
  s.version = 2;
  s.block.block_types = {
      MakeBlock("single", NestedBlock::Nesting::kSingle,
                {Attribute("a", Type::String()).Optional()}, 1, 1),
      MakeBlock("optional_single", NestedBlock::Nesting::kSingle,
                {Attribute("a", Type::String()).Optional()}),
      MakeBlock("group", NestedBlock::Nesting::kGroup,
                {Attribute("a", Type::String()).Optional()}),
      MakeBlock("list", NestedBlock::Nesting::kList,
                {Attribute("a", Type::String()).Optional()}, 1, 3),
      MakeBlock("unbounded", NestedBlock::Nesting::kList,
                {Attribute("a", Type::String()).Optional()}, 2, 0),
      MakeBlock("set", NestedBlock::Nesting::kSet,
                {Attribute("a", Type::String()).Optional()}),
      MakeBlock("map", NestedBlock::Nesting::kMap,
                {Attribute("a", Type::String()).Optional()}),
  };
  EXPECT_THAT(s.Validate(), IsOk());
  EXPECT_THAT(Schema().Validate(), IsOk());
}

TEST(SchemaTest, ValidateRejectsInvalidSchemas) {
  struct Case {
    std::string name;
    Schema schema;
    std::string want;  // substring of the message, naming the path
  };
  Schema negative_version;
  negative_version.version = -1;
  Schema nested_bad_name =
      WithBlocks({MakeBlock("outer", NestedBlock::Nesting::kList,
                            {Attribute("Inner", Type::String()).Optional()})});
  const std::vector<Case> cases = {
      {"required and optional",
       WithAttrs({Attribute("a", Type::String()).Required().Optional()}),
       "at a: cannot be both required and optional"},
      {"required and computed",
       WithAttrs({Attribute("a", Type::String()).Required().Computed()}),
       "at a: cannot be both required and computed"},
      {"none of required/optional/computed",
       WithAttrs({Attribute("a", Type::String())}),
       "at a: must be required, optional or computed"},
      {"upper-case name",
       WithAttrs({Attribute("Name", Type::String()).Optional()}),
       "at Name: name must match"},
      {"dash in name", WithAttrs({Attribute("a-b", Type::String()).Optional()}),
       "at a-b: name must match"},
      {"empty name", WithAttrs({Attribute("", Type::String()).Optional()}),
       "name must match"},
      {"duplicate attribute",
       WithAttrs({Attribute("a", Type::String()).Optional(),
                  Attribute("a", Type::Number()).Optional()}),
       "at a: duplicate name"},
      {"duplicate nested attribute",
       WithAttrs({Attribute("n", Type::String())
                      .Optional()
                      .Nested(NestedObject::Nesting::kSingle,
                              {Attribute("x", Type::String()).Optional(),
                               Attribute("x", Type::String()).Optional()})}),
       "at n.x: duplicate name"},
      {"duplicate block",
       WithBlocks({MakeBlock("b", NestedBlock::Nesting::kList, {}),
                   MakeBlock("b", NestedBlock::Nesting::kSet, {})}),
       "at b: duplicate block name"},
      {"block and attribute share a name",
       WithBlocks({MakeBlock("id", NestedBlock::Nesting::kList, {})}),
       "at id: a block and an attribute share this name"},
      {"bad block name",
       WithBlocks({MakeBlock("Rule", NestedBlock::Nesting::kList, {})}),
       "at Rule: name must match"},
      {"bad name inside a block", nested_bad_name,
       "at outer.Inner: name must match"},
      {"single min != max",
       WithBlocks({MakeBlock("s", NestedBlock::Nesting::kSingle, {}, 0, 1)}),
       "at s: single blocks need"},
      {"single max 2",
       WithBlocks({MakeBlock("s", NestedBlock::Nesting::kSingle, {}, 2, 2)}),
       "at s: single blocks need"},
      {"single negative",
       WithBlocks({MakeBlock("s", NestedBlock::Nesting::kSingle, {}, -1, -1)}),
       "at s: single blocks need"},
      {"group with limits",
       WithBlocks({MakeBlock("g", NestedBlock::Nesting::kGroup, {}, 1, 1)}),
       "at g: group and map blocks cannot set item limits"},
      {"map with limits",
       WithBlocks({MakeBlock("m", NestedBlock::Nesting::kMap, {}, 0, 2)}),
       "at m: group and map blocks cannot set item limits"},
      {"list min > max",
       WithBlocks({MakeBlock("l", NestedBlock::Nesting::kList, {}, 3, 2)}),
       "at l: min_items must not exceed max_items"},
      {"set negative min",
       WithBlocks({MakeBlock("l", NestedBlock::Nesting::kSet, {}, -1, 0)}),
       "at l: min_items must not exceed max_items"},
      {"default without optional+computed", WithAttrs({[] {
         Attribute a = Attribute("a", Type::String()).Optional();
         a.default_value = Value::String("x");
         return a;
       }()}),
       "at a: a default needs optional+computed"},
      {"default of the wrong type",
       WithAttrs({Attribute("a", Type::String()).Default(Value::Int(1))}),
       "at a: default is number, attribute is string"},
      {"write-only and computed",
       WithAttrs({Attribute("a", Type::String()).Computed().WriteOnly()}),
       "at a: write-only cannot be computed"},
      {"write-only in a set-nested attribute",
       WithAttrs(
           {Attribute("s", Type::String())
                .Optional()
                .Nested(
                    NestedObject::Nesting::kSet,
                    {Attribute("w", Type::String()).Optional().WriteOnly()})}),
       "at s.w: sets cannot contain dynamic or write-only attributes"},
      {"write-only in a set block",
       WithBlocks({MakeBlock(
           "s", NestedBlock::Nesting::kSet,
           {Attribute("w", Type::String()).Optional().WriteOnly()})}),
       "at s: set blocks cannot contain dynamic or write-only attributes"},
      {"write-only in a single block inside a set block",
       [] {
         NestedBlock outer = MakeBlock("s", NestedBlock::Nesting::kSet, {});
         outer.block.block_types.push_back(MakeBlock(
             "inner", NestedBlock::Nesting::kSingle,
             {Attribute("w", Type::String()).Optional().WriteOnly()}));
         return WithBlocks({outer});
       }(),
       "at s: set blocks cannot contain dynamic or write-only attributes"},
      {"dynamic in a set block",
       WithBlocks({MakeBlock("s", NestedBlock::Nesting::kSet,
                             {Attribute("d", Type::Dynamic()).Optional()})}),
       "at s: set blocks cannot contain dynamic or write-only attributes"},
      {"dynamic in a set-nested attribute",
       WithAttrs({Attribute("s", Type::String())
                      .Optional()
                      .Nested(NestedObject::Nesting::kSet,
                              {Attribute("d", Type::Dynamic()).Optional()})}),
       "at s.d: sets cannot contain dynamic or write-only attributes"},
      {"set of dynamic",
       WithAttrs({Attribute("s", Type::Set(Type::Dynamic())).Optional()}),
       "at s: sets cannot contain dynamic values"},
      {"negative version", negative_version, "negative version"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(c.schema.Validate(),
                StatusIs(absl::StatusCode::kInternal, HasSubstr(c.want)));
  }
}

TEST(ConformTest, FillsMissingAttributesAndBlocks) {
  Block block;
  block.attributes = {
      Attribute("name", Type::String()).Required(),
      Attribute("size", Type::Number()).Optional(),
      Attribute("mounts", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kList,
                  {Attribute("target", Type::String()).Required(),
                   Attribute("read_only", Type::Bool()).Optional()}),
  };
  const Type mount =
      Type::Object({{"read_only", Type::Bool()}, {"target", Type::String()}});
  NestedBlock rule = MakeBlock("rule", NestedBlock::Nesting::kList,
                               {Attribute("port", Type::Number()).Optional(),
                                Attribute("host", Type::String()).Optional()});
  const Type rule_type =
      Type::Object({{"port", Type::Number()}, {"host", Type::String()}});
  NestedBlock group = MakeBlock("group", NestedBlock::Nesting::kGroup,
                                {Attribute("g", Type::String()).Optional()});
  group.block.block_types.push_back(
      MakeBlock("inner", NestedBlock::Nesting::kSet,
                {Attribute("i", Type::String()).Optional()}));
  block.block_types = {
      rule,
      MakeBlock("single", NestedBlock::Nesting::kSingle,
                {Attribute("s", Type::String()).Optional()}),
      MakeBlock("set", NestedBlock::Nesting::kSet,
                {Attribute("s", Type::String()).Optional()}),
      MakeBlock("map", NestedBlock::Nesting::kMap,
                {Attribute("s", Type::String()).Optional()}),
      group,
  };
  const Type s_type = Type::Object({{"s", Type::String()}});
  const Type i_type = Type::Object({{"i", Type::String()}});
  const Value empty_group = Value::Object(
      {{"g", Value::Null(Type::String())}, {"inner", Value::Set(i_type, {})}});

  struct Case {
    std::string name;
    Value in;
    Value want;
  };
  const std::vector<Case> cases = {
      {"empty object", Value::Object({}),
       Value::Object({{"name", Value::Null(Type::String())},
                      {"size", Value::Null(Type::Number())},
                      {"mounts", Value::Null(Type::List(mount))},
                      {"rule", Value::List(rule_type, {})},
                      {"single", Value::Null(s_type)},
                      {"set", Value::Set(s_type, {})},
                      {"map", Value::Map(s_type, {})},
                      {"group", empty_group}})},
      {"partial values are completed, extra attributes dropped",
       Value::Object(
           {{"name", Value::String("dev")},
            {"stale", Value::Bool(true)},
            {"mounts",
             Value::List(Type::Object({{"target", Type::String()}}),
                         {Value::Object({{"target", Value::String("/a")}})})},
            {"rule", Value::List(Type::Object({{"port", Type::Number()}}),
                                 {Value::Object({{"port", Value::Int(80)}})})},
            {"single", Value::Object({})},
            {"map", Value::Map(Type::Object({}), {{"k", Value::Object({})}})},
            {"group", Value::Object({{"g", Value::String("x")}})}}),
       Value::Object(
           {{"name", Value::String("dev")},
            {"size", Value::Null(Type::Number())},
            {"mounts",
             Value::List(
                 mount,
                 {Value::Object({{"target", Value::String("/a")},
                                 {"read_only", Value::Null(Type::Bool())}})})},
            {"rule",
             Value::List(
                 rule_type,
                 {Value::Object({{"port", Value::Int(80)},
                                 {"host", Value::Null(Type::String())}})})},
            {"single", Value::Object({{"s", Value::Null(Type::String())}})},
            {"set", Value::Set(s_type, {})},
            {"map",
             Value::Map(
                 s_type,
                 {{"k", Value::Object({{"s", Value::Null(Type::String())}})}})},
            {"group", Value::Object({{"g", Value::String("x")},
                                     {"inner", Value::Set(i_type, {})}})}})},
      {"null blocks become empty collections",
       Value::Object({{"rule", Value::Null(Type::List(rule_type))},
                      {"set", Value::Null(Type::Set(s_type))},
                      {"group", Value::Null(group.ImpliedType())}}),
       Value::Object({{"name", Value::Null(Type::String())},
                      {"size", Value::Null(Type::Number())},
                      {"mounts", Value::Null(Type::List(mount))},
                      {"rule", Value::List(rule_type, {})},
                      {"single", Value::Null(s_type)},
                      {"set", Value::Set(s_type, {})},
                      {"map", Value::Map(s_type, {})},
                      {"group", empty_group}})},
      {"unknowns keep their place with the schema type",
       Value::Object({{"name", Value::Unknown(Type::Dynamic())},
                      {"rule", Value::Unknown(Type::Dynamic())},
                      {"single", Value::Unknown(Type::Dynamic())}}),
       Value::Object({{"name", Value::Unknown(Type::String())},
                      {"size", Value::Null(Type::Number())},
                      {"mounts", Value::Null(Type::List(mount))},
                      {"rule", Value::Unknown(Type::List(rule_type))},
                      {"single", Value::Unknown(s_type)},
                      {"set", Value::Set(s_type, {})},
                      {"map", Value::Map(s_type, {})},
                      {"group", empty_group}})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Value got = Conform(block, c.in);
    EXPECT_EQ(got, c.want);
    EXPECT_EQ(got.type(), block.ImpliedType());
  }
  EXPECT_EQ(EmptyObject(block), cases[0].want);
  EXPECT_EQ(Conform(block, Value::Null(Type::Dynamic())),
            Value::Null(block.ImpliedType()));
  EXPECT_EQ(Conform(block, Value::Unknown(Type::Dynamic())),
            Value::Unknown(block.ImpliedType()));
}

TEST(ConformTest, DynamicListBlockConformsToATuple) {
  Block block;
  block.block_types = {MakeBlock("b", NestedBlock::Nesting::kList,
                                 {Attribute("any", Type::Dynamic()).Optional(),
                                  Attribute("n", Type::Number()).Optional()})};
  Value in = Value::Object(
      {{"b", Value::Tuple({Value::Object({{"any", Value::String("x")}}),
                           Value::Object({{"any", Value::Int(1)}})})}});
  Value want = Value::Object(
      {{"b",
        Value::Tuple({Value::Object({{"any", Value::String("x")},
                                     {"n", Value::Null(Type::Number())}}),
                      Value::Object({{"any", Value::Int(1)},
                                     {"n", Value::Null(Type::Number())}})})}});
  EXPECT_EQ(Conform(block, in), want);
  EXPECT_EQ(EmptyObject(block), Value::Object({{"b", Value::Tuple({})}}));
}

}  // namespace
}  // namespace cvm::schema
