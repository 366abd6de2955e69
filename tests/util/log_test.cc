// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/util/log.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cvm::util {
namespace {

TEST(ParseLogLevelTest, AcceptsTerraformLevelNames) {
  struct Case {
    const char* text;
    LogLevel want;
  };
  const std::vector<Case> cases = {
      {"TRACE", LogLevel::kTrace}, {"json", LogLevel::kTrace},
      {"debug", LogLevel::kDebug}, {"Info", LogLevel::kInfo},
      {"WARN", LogLevel::kWarn},   {"error", LogLevel::kError},
      {"off", LogLevel::kOff},     {"", LogLevel::kOff},
      {"verbose", LogLevel::kOff},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ParseLogLevel(c.text), c.want);
  }
}

TEST(FormatLogLineTest, IsOneHclogJsonObjectWithEscapedFields) {
  std::string line = FormatLogLine(LogLevel::kWarn, "say \"hi\"\n",
                                   {{"tf_rpc", "PlanResourceChange"}},
                                   "2026-11-28T22:25:16.525000Z");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto parsed = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << line;
  EXPECT_EQ(parsed, nlohmann::json({{"@level", "warn"},
                                    {"@message", "say \"hi\"\n"},
                                    {"@module", "cvm"},
                                    {"@timestamp", "2026-11-28T22:25:16.525000Z"},
                                    {"tf_rpc", "PlanResourceChange"}}));
}

TEST(LoggerTest, DropsLinesBelowItsLevel) {
  Logger logger(LogLevel::kInfo);
  std::vector<std::string> lines;
  logger.SetSinkForTesting(
      [&lines](std::string_view l) { lines.emplace_back(l); });
  logger.Log(LogLevel::kDebug, "hidden");
  logger.Log(LogLevel::kError, "shown");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], ::testing::HasSubstr("\"@message\":\"shown\""));
  EXPECT_EQ(lines[0].back(), '\n');
}

TEST(LoggerTest, OffLevelLogsNothing) {
  Logger logger(LogLevel::kOff);
  int count = 0;
  logger.SetSinkForTesting([&count](std::string_view) { ++count; });
  logger.Log(LogLevel::kError, "x");
  EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace cvm::util
