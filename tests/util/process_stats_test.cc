// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// util/process_stats: the stats line format and appending. The process
// contract of CVM_STATS_FILE is tested in stats_file_process_test.cc.

#include "provider/util/process_stats.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_files.h"

namespace cvm::util {
namespace {

using ::cvm::testing::ReadFile;
using ::cvm::testing::TempPath;

TEST(ProcessStatsTest, FormatStatsLineIsOneJsonLine) {
  ProcessUsage usage{.user_us = 1500, .sys_us = 250, .max_rss_kib = 8192,
                     .ru_maxrss_kib = 65536};
  EXPECT_EQ(FormatStatsLine(42, usage, {{"get", 3}, {"apply", 7}}),
            "{\"pid\":42,\"user_us\":1500,\"sys_us\":250,\"max_rss_kib\":8192,"
            "\"ru_maxrss_kib\":65536,\"requests\":{\"get\":3,\"apply\":7}}\n");
  EXPECT_EQ(FormatStatsLine(1, ProcessUsage{}, {}),
            "{\"pid\":1,\"user_us\":0,\"sys_us\":0,\"max_rss_kib\":0,"
            "\"ru_maxrss_kib\":0,\"requests\":{}}\n");
}

TEST(ProcessStatsTest, SelfUsageSeesThisProcess) {
  // Burn a little CPU so user time is visibly non-zero.
  volatile uint64_t sink = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
  while (std::chrono::steady_clock::now() < until) sink = sink + 1;
  ProcessUsage usage = SelfUsage();
  EXPECT_GT(usage.user_us + usage.sys_us, 0);
  EXPECT_GT(usage.max_rss_kib, 100);  // a gtest binary is more than 100 KiB
  EXPECT_GT(usage.ru_maxrss_kib, 100);
}

TEST(ProcessStatsTest, AppendLineAppends) {
  std::string path = TempPath("process_stats_append");
  std::remove(path.c_str());
  ASSERT_TRUE(AppendLine(path, "a\n").ok());
  ASSERT_TRUE(AppendLine(path, "b\n").ok());
  EXPECT_EQ(ReadFile(path), "a\nb\n");
  std::remove(path.c_str());
}

TEST(ProcessStatsTest, AppendLineReportsUnwritablePath) {
  absl::Status status = AppendLine("/nonexistent-dir/stats", "x\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("/nonexistent-dir/stats"));
}


}  // namespace
}  // namespace cvm::util
