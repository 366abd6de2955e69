// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/rate_limiter.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::FakeClock;
using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RateLimiterTest, BurstIsFreeThenOneTokenPerInterval) {
  FakeClock clock;
  RateLimiter limiter(/*qps=*/10, /*burst=*/3, &clock);
  std::vector<absl::Duration> waits;
  for (int i = 0; i < 6; ++i) waits.push_back(limiter.Reserve());
  // 3 free, then each reservation queues 100 ms behind the previous one.
  EXPECT_THAT(waits,
              ElementsAre(absl::ZeroDuration(), absl::ZeroDuration(),
                          absl::ZeroDuration(), absl::Milliseconds(100),
                          absl::Milliseconds(200), absl::Milliseconds(300)));
}

TEST(RateLimiterTest, RefillsWithTimeUpToBurst) {
  FakeClock clock;
  RateLimiter limiter(/*qps=*/2, /*burst=*/2, &clock);
  EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
  clock.Advance(absl::Milliseconds(250));  // half a token
  EXPECT_EQ(limiter.Reserve(), absl::Milliseconds(250));
  clock.Advance(absl::Hours(1));  // refills to burst, not beyond
  EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve(), absl::Milliseconds(500));
}

TEST(RateLimiterTest, AcquireSleepsOnTheClock) {
  FakeClock clock;
  RateLimiter limiter(/*qps=*/5, /*burst=*/1, &clock);
  absl::Time start = clock.Now();
  for (int i = 0; i < 11; ++i) {
    ASSERT_THAT(limiter.Acquire(absl::InfiniteFuture(), nullptr), IsOk());
  }
  // 1 free + 10 at 200 ms each.
  EXPECT_EQ(clock.Now() - start, absl::Seconds(2));
}

TEST(RateLimiterTest, AcquireRefusesToWaitPastTheDeadline) {
  FakeClock clock;
  RateLimiter limiter(/*qps=*/1, /*burst=*/1, &clock);
  ASSERT_THAT(limiter.Acquire(absl::InfiniteFuture(), nullptr), IsOk());
  EXPECT_THAT(limiter.Acquire(clock.Now() + absl::Milliseconds(500), nullptr),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("client-side rate limit (qps 1, burst 1)")));
  // Nothing was taken: a token is available after one second.
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(limiter.Reserve(), absl::ZeroDuration());
}

TEST(RateLimiterTest, AcquireHonoursCancel) {
  FakeClock clock;
  RateLimiter limiter(/*qps=*/1, /*burst=*/1, &clock);
  CancelToken cancel;
  ASSERT_THAT(limiter.Acquire(absl::InfiniteFuture(), &cancel), IsOk());
  cancel.Cancel();
  EXPECT_THAT(
      limiter.Acquire(absl::InfiniteFuture(), &cancel),
      StatusIs(absl::StatusCode::kCancelled, HasSubstr("rate limiter")));
}

TEST(RateLimiterTest, ZeroQpsDisablesLimiting) {
  FakeClock clock;
  RateLimiter limiter(/*qps=*/0, /*burst=*/1, &clock);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(limiter.Reserve(), absl::ZeroDuration());
}

}  // namespace
}  // namespace cvm::kube
