// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/cancel.h"

#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "provider/kube/clock.h"

namespace cvm::kube {
namespace {

TEST(CancelTokenTest, SleepEndsEarlyOnCancel) {
  CancelToken token;
  EXPECT_FALSE(token.cancelled());
  EXPECT_TRUE(token.SleepFor(absl::Milliseconds(1)));
  std::thread t([&] {
    absl::SleepFor(absl::Milliseconds(50));
    token.Cancel();
  });
  absl::Time start = absl::Now();
  EXPECT_FALSE(token.SleepFor(absl::Seconds(30)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  t.join();
  EXPECT_TRUE(token.cancelled());
  EXPECT_TRUE(IsCancelled(&token));
  EXPECT_FALSE(IsCancelled(nullptr));
}

TEST(RealClockTest, SleepHonoursCancel) {
  CancelToken token;
  EXPECT_TRUE(Clock::Real()->SleepFor(absl::Milliseconds(1), &token));
  EXPECT_TRUE(Clock::Real()->SleepFor(absl::ZeroDuration(), nullptr));
  token.Cancel();
  EXPECT_FALSE(Clock::Real()->SleepFor(absl::Hours(1), &token));
}

}  // namespace
}  // namespace cvm::kube
