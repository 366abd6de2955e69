// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/environment.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::plugin {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ParseProtocolVersionsTest, ValidLists) {
  struct Case {
    std::string name;
    std::string input;
    std::set<int> want;
  };
  const std::vector<Case> cases = {
      {"terraform", "5,6", {5, 6}},
      {"any order", "6,5", {5, 6}},
      {"only six", "6", {6}},
      {"only five", "5", {5}},
      {"blanks", " 5 , 6 ", {5, 6}},
      {"duplicates", "6,6,5", {5, 6}},
      {"unset", "", {}},
      {"blank", "   ", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::set<int>> got = ParseProtocolVersions(c.input);
    ASSERT_THAT(got, IsOk());
    EXPECT_THAT(*got, Eq(c.want));
  }
}

TEST(ParseProtocolVersionsTest, InvalidLists) {
  for (const std::string input :
       {"5,x", "5,,6", "6,", "-6", "+6", "6.0", "99999999999999999999"}) {
    SCOPED_TRACE(input);
    EXPECT_THAT(ParseProtocolVersions(input),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("PLUGIN_PROTOCOL_VERSIONS")));
  }
}

TEST(ParsePortRangeTest, Valid) {
  struct Case {
    std::string name;
    std::string min;
    std::string max;
    PortRange want;
  };
  const std::vector<Case> cases = {
      {"terraform", "10000", "25000", {10000, 25000}},
      {"unset", "", "", {0, 0}},
      {"single", "12345", "12345", {12345, 12345}},
      {"only max", "", "20", {0, 20}},
      {"blanks", " 1 ", " 2 ", {1, 2}},
      {"edges", "0", "65535", {0, 65535}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<PortRange> got = ParsePortRange(c.min, c.max);
    ASSERT_THAT(got, IsOk());
    EXPECT_THAT(*got, Eq(c.want));
  }
}

TEST(ParsePortRangeTest, Invalid) {
  EXPECT_THAT(ParsePortRange("abc", "10"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PLUGIN_MIN_PORT")));
  EXPECT_THAT(ParsePortRange("10", "65536"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PLUGIN_MAX_PORT")));
  EXPECT_THAT(ParsePortRange("-1", "10"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PLUGIN_MIN_PORT")));
  EXPECT_THAT(ParsePortRange("20", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("greater than PLUGIN_MAX_PORT")));
  EXPECT_THAT(ParsePortRange("25000", "10000"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PLUGIN_MIN_PORT value of 25000 is greater "
                                 "than PLUGIN_MAX_PORT value of 10000")));
}

TEST(EnvironmentConstantsTest, CookieAndMessage) {
  EXPECT_THAT(kMagicCookieKey, Eq("TF_PLUGIN_MAGIC_COOKIE"));
  EXPECT_THAT(kMagicCookieValue.size(), Eq(64u));
  EXPECT_THAT(kNotAPluginMessage,
              Eq("This binary is a plugin. These are not meant to be executed "
                 "directly.\nPlease execute the program that consumes these "
                 "plugins, which will\nload any plugins automatically\n"));
}

TEST(GetEnvTest, UnsetIsEmpty) {
  EXPECT_THAT(GetEnv("CVM_PLUGIN_TEST_SURELY_UNSET_VARIABLE"), IsEmpty());
}

}  // namespace
}  // namespace cvm::plugin
