// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/protocol/convert.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/printers.h"
#include "tests/testing/status_matchers.h"

namespace cvm::protocol {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using schema::Attribute;
using schema::NestedBlock;
using schema::NestedObject;
using ::testing::HasSubstr;
using values::Path;
using values::Type;
using values::Value;

Value S(const char* s) { return Value::String(s); }

// Bytes of a string literal, embedded NULs included.
template <size_t N>
std::string B(const char (&s)[N]) {
  return std::string(s, N - 1);
}

const Type kType =
    Type::Object({{"name", Type::String()}, {"size", Type::Number()}});

TEST(DynamicValueTest, MsgpackWinsOverJson) {
  tfplugin6::DynamicValue dv;
  // {"name" = "a", "size" = 1}
  dv.set_msgpack(
      B("\x82\xa4name\xa1"
        "a\xa4size\x01"));
  dv.set_json(R"({"name":"from json","size":2})");
  CVM_ASSERT_OK_AND_ASSIGN(Value v, FromDynamicValue(dv, kType));
  EXPECT_EQ(v, Value::Object({{"name", S("a")}, {"size", Value::Int(1)}}));
}

TEST(DynamicValueTest, JsonWhenNoMsgpack) {
  tfplugin6::DynamicValue dv;
  dv.set_json(R"({"name":"j","size":2})");
  CVM_ASSERT_OK_AND_ASSIGN(Value v, FromDynamicValue(dv, kType));
  EXPECT_EQ(v, Value::Object({{"name", S("j")}, {"size", Value::Int(2)}}));
}

TEST(DynamicValueTest, EmptyIsNullOfTheType) {
  CVM_ASSERT_OK_AND_ASSIGN(Value v,
                           FromDynamicValue(tfplugin6::DynamicValue(), kType));
  EXPECT_EQ(v, Value::Null(kType));
}

TEST(DynamicValueTest, MalformedIsInvalidArgument) {
  tfplugin6::DynamicValue dv;
  dv.set_msgpack("\x82\xa4name");
  EXPECT_THAT(FromDynamicValue(dv, kType),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  tfplugin6::DynamicValue js;
  js.set_json("{");
  EXPECT_THAT(FromDynamicValue(js, kType),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
}

TEST(DynamicValueTest, EncodeRoundTripsAndUsesMsgpack) {
  const Value v = Value::Object({{"name", Value::Unknown(Type::String())},
                                 {"size", Value::Null(Type::Number())}});
  tfplugin6::DynamicValue dv;
  ASSERT_THAT(ToDynamicValue(v, kType, &dv), IsOk());
  EXPECT_TRUE(dv.json().empty());
  EXPECT_EQ(dv.msgpack(), B("\x82\xa4name\xd4\x00\x00\xa4size\xc0"));
  CVM_ASSERT_OK_AND_ASSIGN(Value back, FromDynamicValue(dv, kType));
  EXPECT_EQ(back, v);

  tfplugin6::DynamicValue null_dv;
  ASSERT_THAT(ToDynamicValue(Value::Null(kType), kType, &null_dv), IsOk());
  EXPECT_EQ(null_dv.msgpack(), "\xc0");
}

TEST(DynamicValueTest, EncodeRejectsAValueOfAnotherType) {
  tfplugin6::DynamicValue dv;
  EXPECT_THAT(ToDynamicValue(Value::Object({{"name", Value::Int(1)},
                                            {"size", Value::Int(1)}}),
                             kType, &dv),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
}

// A list block with a dynamic attribute travels as a dynamic value holding
// a tuple, as Terraform encodes it; before the schema fix the implied type
// was an empty tuple and no block could be encoded.
TEST(DynamicValueTest, DynamicListBlockRoundTrips) {
  schema::Block block;
  NestedBlock nb;
  nb.type_name = "b";
  nb.nesting = NestedBlock::Nesting::kList;
  nb.block.attributes = {Attribute("any", Type::Dynamic()).Optional()};
  block.block_types = {nb};
  const Value v = schema::Conform(
      block,
      Value::Object(
          {{"b", Value::Tuple({Value::Object({{"any", S("x")}}),
                               Value::Object({{"any", Value::Int(1)}})})}}));
  tfplugin6::DynamicValue dv;
  ASSERT_THAT(ToDynamicValue(v, block.ImpliedType(), &dv), IsOk());
  CVM_ASSERT_OK_AND_ASSIGN(Value back,
                           FromDynamicValue(dv, block.ImpliedType()));
  EXPECT_EQ(back, v);
}

TEST(AttributePathTest, RoundTrip) {
  const Path p = Path::FromAttr("rule").Index(2).Attr("labels").Key("app");
  tfplugin6::AttributePath proto;
  ToAttributePath(p, &proto);
  ASSERT_EQ(proto.steps_size(), 4);
  EXPECT_EQ(proto.steps(0).attribute_name(), "rule");
  EXPECT_EQ(proto.steps(1).selector_case(),
            tfplugin6::AttributePath::Step::kElementKeyInt);
  EXPECT_EQ(proto.steps(1).element_key_int(), 2);
  EXPECT_EQ(proto.steps(2).attribute_name(), "labels");
  EXPECT_EQ(proto.steps(3).selector_case(),
            tfplugin6::AttributePath::Step::kElementKeyString);
  EXPECT_EQ(proto.steps(3).element_key_string(), "app");
  EXPECT_EQ(FromAttributePath(proto), p);
  EXPECT_EQ(FromAttributePath(tfplugin6::AttributePath()), Path());
}

TEST(DiagnosticsTest, ToDiagnostics) {
  framework::Diagnostics diags;
  diags.AddError("E", "error detail");
  diags.AddAttributeWarning(Path::FromAttr("rule").Index(0).Attr("port"), "W",
                            "warning detail");
  diags.AddAttributeError(Path(), "Root", "an empty path is no path");
  google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic> out;
  ToDiagnostics(diags, &out);
  ASSERT_EQ(out.size(), 3);
  EXPECT_EQ(out[0].severity(), tfplugin6::Diagnostic::ERROR);
  EXPECT_EQ(out[0].summary(), "E");
  EXPECT_EQ(out[0].detail(), "error detail");
  EXPECT_FALSE(out[0].has_attribute());
  EXPECT_EQ(out[1].severity(), tfplugin6::Diagnostic::WARNING);
  EXPECT_EQ(out[1].summary(), "W");
  ASSERT_TRUE(out[1].has_attribute());
  EXPECT_EQ(FromAttributePath(out[1].attribute()),
            Path::FromAttr("rule").Index(0).Attr("port"));
  EXPECT_FALSE(out[2].has_attribute());
}

TEST(DiagnosticsTest, InvalidUtf8BecomesReplacementCharacters) {
  // Terraform refuses a response whose strings are not UTF-8, and
  // diagnostics quote configuration values, which may carry raw bytes.
  framework::Diagnostics diags;
  diags.AddAttributeError(Path::FromAttr("labels").Key("k\xff"),
                          "Bad \xc3", "\"dev\xff\xfe\" is not valid; caf\xc3\xa9");
  diags.AddError("Overlong and surrogate", "\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 ok");
  google::protobuf::RepeatedPtrField<tfplugin6::Diagnostic> out;
  ToDiagnostics(diags, &out);
  ASSERT_EQ(out.size(), 2);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(out[0].summary(), "Bad " + fffd);
  EXPECT_EQ(out[0].detail(),
            "\"dev" + fffd + fffd + "\" is not valid; caf\xc3\xa9");
  EXPECT_EQ(out[0].attribute().steps(1).element_key_string(), "k" + fffd);
  EXPECT_EQ(out[1].detail(), fffd + fffd + " " + fffd + fffd + fffd + " " +
                                 fffd + fffd + fffd + fffd + " ok");
}

TEST(SchemaTest, ToSchema) {
  schema::Schema s;
  s.version = 3;
  s.block.markdown_description = "The `thing`.";
  s.block.attributes = {
      Attribute("name", Type::String()).Required().Describe("Plain text."),
      Attribute("tags", Type::Map(Type::String()))
          .Optional()
          .DescribeMarkdown("Tags, `k = v`."),
      Attribute("id", Type::String()).Computed().Sensitive(),
      Attribute("token", Type::String()).Optional().WriteOnly().Deprecated("x"),
      Attribute("mounts", Type::String())
          .Optional()
          .Nested(NestedObject::Nesting::kList,
                  {Attribute("target", Type::String()).Required()}),
  };
  NestedBlock rule;
  rule.type_name = "rule";
  rule.nesting = NestedBlock::Nesting::kSet;
  rule.min_items = 1;
  rule.max_items = 4;
  rule.block.description = "A rule.";
  rule.block.deprecation_message = "Use policy.";
  rule.block.attributes = {Attribute("port", Type::Number()).Required()};
  NestedBlock group;
  group.type_name = "group";
  group.nesting = NestedBlock::Nesting::kGroup;
  s.block.block_types = {rule, group};

  tfplugin6::Schema out;
  ToSchema(s, &out);
  EXPECT_EQ(out.version(), 3);
  const tfplugin6::Schema::Block& b = out.block();
  EXPECT_EQ(b.version(), 3);
  EXPECT_EQ(b.description(), "The `thing`.");
  EXPECT_EQ(b.description_kind(), tfplugin6::MARKDOWN);
  ASSERT_EQ(b.attributes_size(), 5);

  const auto& name = b.attributes(0);
  EXPECT_EQ(name.name(), "name");
  EXPECT_EQ(name.type(), "\"string\"");
  EXPECT_TRUE(name.required());
  EXPECT_FALSE(name.optional() || name.computed() || name.sensitive() ||
               name.write_only() || name.deprecated());
  EXPECT_EQ(name.description(), "Plain text.");
  EXPECT_EQ(name.description_kind(), tfplugin6::PLAIN);

  const auto& tags = b.attributes(1);
  EXPECT_EQ(tags.type(), R"(["map","string"])");
  EXPECT_TRUE(tags.optional());
  EXPECT_EQ(tags.description(), "Tags, `k = v`.");
  EXPECT_EQ(tags.description_kind(), tfplugin6::MARKDOWN);

  const auto& id = b.attributes(2);
  EXPECT_TRUE(id.computed());
  EXPECT_TRUE(id.sensitive());

  const auto& token = b.attributes(3);
  EXPECT_TRUE(token.write_only());
  EXPECT_TRUE(token.deprecated());

  const auto& mounts = b.attributes(4);
  EXPECT_EQ(mounts.type(), "");  // nested_type instead
  ASSERT_TRUE(mounts.has_nested_type());
  EXPECT_EQ(mounts.nested_type().nesting(), tfplugin6::Schema::Object::LIST);
  ASSERT_EQ(mounts.nested_type().attributes_size(), 1);
  EXPECT_EQ(mounts.nested_type().attributes(0).name(), "target");
  EXPECT_EQ(mounts.nested_type().attributes(0).type(), "\"string\"");
  EXPECT_TRUE(mounts.nested_type().attributes(0).required());

  ASSERT_EQ(b.block_types_size(), 2);
  const auto& r = b.block_types(0);
  EXPECT_EQ(r.type_name(), "rule");
  EXPECT_EQ(r.nesting(), tfplugin6::Schema::NestedBlock::SET);
  EXPECT_EQ(r.min_items(), 1);
  EXPECT_EQ(r.max_items(), 4);
  EXPECT_EQ(r.block().description(), "A rule.");
  EXPECT_EQ(r.block().description_kind(), tfplugin6::PLAIN);
  EXPECT_TRUE(r.block().deprecated());
  ASSERT_EQ(r.block().attributes_size(), 1);
  EXPECT_EQ(r.block().attributes(0).type(), "\"number\"");
  const auto& g = b.block_types(1);
  EXPECT_EQ(g.nesting(), tfplugin6::Schema::NestedBlock::GROUP);
  EXPECT_TRUE(g.has_block());  // always present, even when empty
}

TEST(SchemaTest, EveryNestingMode) {
  struct Case {
    NestedBlock::Nesting in;
    tfplugin6::Schema::NestedBlock::NestingMode want;
  };
  for (const Case& c : std::vector<Case>{
           {NestedBlock::Nesting::kSingle,
            tfplugin6::Schema::NestedBlock::SINGLE},
           {NestedBlock::Nesting::kList, tfplugin6::Schema::NestedBlock::LIST},
           {NestedBlock::Nesting::kSet, tfplugin6::Schema::NestedBlock::SET},
           {NestedBlock::Nesting::kMap, tfplugin6::Schema::NestedBlock::MAP},
           {NestedBlock::Nesting::kGroup,
            tfplugin6::Schema::NestedBlock::GROUP},
       }) {
    SCOPED_TRACE(static_cast<int>(c.in));
    schema::Schema s;
    NestedBlock nb;
    nb.type_name = "b";
    nb.nesting = c.in;
    s.block.block_types = {nb};
    tfplugin6::Schema out;
    ToSchema(s, &out);
    EXPECT_EQ(out.block().block_types(0).nesting(), c.want);
  }
  struct ObjCase {
    NestedObject::Nesting in;
    tfplugin6::Schema::Object::NestingMode want;
  };
  for (const ObjCase& c : std::vector<ObjCase>{
           {NestedObject::Nesting::kSingle, tfplugin6::Schema::Object::SINGLE},
           {NestedObject::Nesting::kList, tfplugin6::Schema::Object::LIST},
           {NestedObject::Nesting::kSet, tfplugin6::Schema::Object::SET},
           {NestedObject::Nesting::kMap, tfplugin6::Schema::Object::MAP},
       }) {
    SCOPED_TRACE(static_cast<int>(c.in));
    schema::Schema s;
    s.block.attributes = {
        Attribute("a", Type::String())
            .Optional()
            .Nested(c.in, {Attribute("x", Type::String()).Optional()})};
    tfplugin6::Schema out;
    ToSchema(s, &out);
    EXPECT_EQ(out.block().attributes(0).nested_type().nesting(), c.want);
  }
}

}  // namespace
}  // namespace cvm::protocol
