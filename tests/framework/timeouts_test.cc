// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/timeouts.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::framework {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using values::Value;

TEST(ParseDurationTest, GoDurations) {
  struct Case {
    std::string text;
    double seconds;
  };
  const std::vector<Case> cases = {
      {"1h30m", 5400},    {"30s", 30},         {"10m", 600},
      {"1h", 3600},       {"1.5h", 5400},      {"2h45m30s", 9930},
      {"500ms", 0.5},     {".5s", 0.5},        {"1m0s", 60},
      {"0s", 0},          {"1500us", 0.0015},  {"1500µs", 0.0015},
      {"1500μs", 0.0015}, {"2000000000ns", 2}, {"1h1h", 7200},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<absl::Duration> got = ParseDuration(c.text);
    ASSERT_THAT(got, IsOk());
    EXPECT_NEAR(absl::ToDoubleSeconds(*got), c.seconds, 1e-9);
    EXPECT_THAT(IsDuration()(Value::String(c.text)), IsOk());
  }
}

TEST(ParseDurationTest, RejectsWithExamples) {
  const std::vector<std::string> cases = {
      "",   "10",    "1d", "h",    "1h30", "1.2.3s", "1 h", "-5m",
      "5M", "1hour", ".s", "1e3s", "ms",   "00",     "0",
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text);
    const auto want =
        StatusIs(absl::StatusCode::kInvalidArgument,
                 "\"" + text +
                     "\" is not a duration: use a number with a unit, such as "
                     "\"30s\", \"10m\" or \"1h30m\"");
    EXPECT_THAT(ParseDuration(text), want);
    EXPECT_THAT(IsDuration()(Value::String(text)), want);
  }
}

TEST(TimeoutsBlockTest, OneOptionalDurationPerOperation) {
  const schema::NestedBlock b = TimeoutsBlock(
      {{"create", "10m", "(includes waiting)"}, {"delete", "5m", ""}});
  EXPECT_EQ(b.type_name, "timeouts");
  EXPECT_EQ(b.nesting, schema::NestedBlock::Nesting::kSingle);
  ASSERT_EQ(b.block.attributes.size(), 2u);
  EXPECT_EQ(b.block.attributes[0].name, "create");
  EXPECT_TRUE(b.block.attributes[0].optional);
  EXPECT_EQ(b.block.attributes[0].markdown_description,
            "Default `10m` (includes waiting).");
  EXPECT_EQ(b.block.attributes[1].markdown_description, "Default `5m`.");
}

TEST(TimeoutOfTest, TheConfiguredLimitOrTheFallback) {
  const Value configured = Value::Object(
      {{"timeouts",
        Value::Object({{"create", Value::String("90s")},
                       {"delete", Value::Null(values::Type::String())}})}});
  EXPECT_EQ(TimeoutOf(configured, "create", absl::Minutes(10)),
            absl::Seconds(90));
  EXPECT_EQ(TimeoutOf(configured, "delete", absl::Minutes(5)),
            absl::Minutes(5));
  EXPECT_EQ(TimeoutName(configured, "create", "10m"), "timeouts.create (90s)");
  EXPECT_EQ(TimeoutName(configured, "delete", "5m"), "timeouts.delete (5m)");
  const Value none =
      Value::Object({{"timeouts", Value::Null(values::Type::Object(
                                      {{"create", values::Type::String()}}))}});
  EXPECT_EQ(TimeoutOf(none, "create", absl::Minutes(10)), absl::Minutes(10));
}

}  // namespace
}  // namespace cvm::framework
