// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/diagnostics.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/printers.h"

namespace cvm::framework {
namespace {

using ::testing::ElementsAre;
using values::Path;

constexpr Diagnostic::Severity kError = Diagnostic::Severity::kError;
constexpr Diagnostic::Severity kWarning = Diagnostic::Severity::kWarning;

TEST(DiagnosticsTest, AddKeepsOrderSeverityAndPath) {
  Diagnostics d;
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.HasError());
  d.AddWarning("W", "warned");
  EXPECT_FALSE(d.HasError());
  d.AddAttributeWarning(Path::FromAttr("old"), "Deprecated", "use new");
  EXPECT_FALSE(d.HasError());
  d.AddError("E", "failed");
  EXPECT_TRUE(d.HasError());
  d.AddAttributeError(Path::FromAttr("rule").Index(0).Attr("port"), "Bad",
                      "port out of range");
  EXPECT_EQ(d.size(), 4u);
  EXPECT_FALSE(d.empty());
  EXPECT_THAT(
      d.items(),
      ElementsAre(
          Diagnostic{kWarning, "W", "warned", std::nullopt},
          Diagnostic{kWarning, "Deprecated", "use new", Path::FromAttr("old")},
          Diagnostic{kError, "E", "failed", std::nullopt},
          Diagnostic{kError, "Bad", "port out of range",
                     Path::FromAttr("rule").Index(0).Attr("port")}));
}

TEST(DiagnosticsTest, AddStatusUsesTheMessageAsDetail) {
  Diagnostics d;
  d.AddStatus("Unable to Create Workspace",
              absl::NotFoundError("namespace \"dev\" not found"));
  EXPECT_THAT(d.items(), ElementsAre(Diagnostic{
                             kError, "Unable to Create Workspace",
                             "namespace \"dev\" not found", std::nullopt}));
}

TEST(DiagnosticsTest, AppendKeepsBothInOrder) {
  Diagnostics a;
  a.AddWarning("first", "");
  Diagnostics b;
  b.AddError("second", "");
  b.AddWarning("third", "");
  a.Append(b);
  a.Append(Diagnostics());
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a.items()[0].summary, "first");
  EXPECT_EQ(a.items()[1].summary, "second");
  EXPECT_EQ(a.items()[2].summary, "third");
  EXPECT_TRUE(a.HasError());
  EXPECT_EQ(b.size(), 2u);  // unchanged
}

TEST(DiagnosticsTest, ToStringOneLinePerDiagnostic) {
  Diagnostics d;
  EXPECT_EQ(d.ToString(), "");
  d.AddError("Boom", "it broke");
  d.AddAttributeWarning(Path::FromAttr("labels").Key("app"), "Odd", "check it");
  EXPECT_EQ(d.ToString(),
            "error: Boom: it broke\n"
            "warning at labels[\"app\"]: Odd: check it\n");
}

// A block "rule" (list) of an attribute "port", and a nested attribute
// "mounts" (list of objects with "target").
schema::Block PointingSchema() {
  schema::Block root;
  root.attributes = {
      schema::Attribute("name", values::Type::String()).Optional(),
      schema::Attribute("mounts", values::Type::String())
          .Optional()
          .Nested(schema::NestedObject::Nesting::kList,
                  {schema::Attribute("target", values::Type::String())})};
  schema::NestedBlock rule;
  rule.type_name = "rule";
  rule.nesting = schema::NestedBlock::Nesting::kList;
  rule.block.attributes = {
      schema::Attribute("port", values::Type::Number()).Optional()};
  root.block_types = {rule};
  return root;
}

TEST(PointableAtConfigTest, CutsPathsIntoANestedAttributesObject) {
  Diagnostics in;
  in.AddAttributeError(Path::FromAttr("mounts").Index(1).Attr("target"),
                       "Bad Target", "must be absolute");
  in.AddAttributeWarning(Path::FromAttr("rule").Index(0).Attr("port"),
                         "Odd Port", "below 1024");
  in.AddAttributeError(Path::FromAttr("name"), "Bad Name", "empty");
  in.AddError("No Path", "whole resource");
  const Diagnostics out = PointableAtConfig(PointingSchema(), in);
  ASSERT_EQ(out.size(), 4u);
  // Into the nested attribute: cut after the index, named in the detail.
  EXPECT_EQ(out.items()[0].path, Path::FromAttr("mounts").Index(1));
  EXPECT_EQ(out.items()[0].detail, "mounts[1].target: must be absolute");
  // Along a block and one attribute: kept, as is the severity.
  EXPECT_EQ(out.items()[1].path, Path::FromAttr("rule").Index(0).Attr("port"));
  EXPECT_EQ(out.items()[1].detail, "below 1024");
  EXPECT_EQ(out.items()[1].severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(out.items()[2].path, Path::FromAttr("name"));
  EXPECT_FALSE(out.items()[3].path.has_value());
}

}  // namespace
}  // namespace cvm::framework
