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

}  // namespace
}  // namespace cvm::framework
