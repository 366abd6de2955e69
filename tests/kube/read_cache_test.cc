// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/read_cache.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace cvm::kube {
namespace {

using ::cvm::testing::FakeClock;
using ::cvm::testing::StatusIs;

const ObjectRef kSettings{"v1", "ConfigMap", "coder", "cvm-cluster-settings"};
const ObjectRef kOtherNamespace{"v1", "ConfigMap", "team-b",
                                "cvm-cluster-settings"};

// A fetch that counts its calls and answers `answer`.
struct CountingFetch {
  absl::StatusOr<nlohmann::json> answer = nlohmann::json{{"n", 1}};
  int calls = 0;
  absl::StatusOr<nlohmann::json> operator()() {
    ++calls;
    return answer;
  }
};

TEST(ReadCacheTest, ReusesAResultWithinTheTtl) {
  FakeClock clock;
  ReadCache cache(absl::Seconds(10), &clock);
  CountingFetch fetch;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<nlohmann::json> got =
        cache.Get(kSettings, [&] { return fetch(); });
    ASSERT_TRUE(got.ok());
    EXPECT_EQ((*got)["n"], 1);
    clock.Advance(absl::Seconds(1));
  }
  EXPECT_EQ(fetch.calls, 1);
}

TEST(ReadCacheTest, FetchesAgainAfterTheTtl) {
  FakeClock clock;
  ReadCache cache(absl::Seconds(10), &clock);
  CountingFetch fetch;
  ASSERT_TRUE(cache.Get(kSettings, [&] { return fetch(); }).ok());
  clock.Advance(absl::Seconds(10));
  fetch.answer = nlohmann::json{{"n", 2}};
  absl::StatusOr<nlohmann::json> got =
      cache.Get(kSettings, [&] { return fetch(); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["n"], 2);
  EXPECT_EQ(fetch.calls, 2);
}

TEST(ReadCacheTest, KeysByObject) {
  FakeClock clock;
  ReadCache cache(absl::Seconds(10), &clock);
  CountingFetch fetch;
  ASSERT_TRUE(cache.Get(kSettings, [&] { return fetch(); }).ok());
  ASSERT_TRUE(cache.Get(kOtherNamespace, [&] { return fetch(); }).ok());
  ASSERT_TRUE(cache.Get(kSettings, [&] { return fetch(); }).ok());
  EXPECT_EQ(fetch.calls, 2);
}

TEST(ReadCacheTest, RemembersNotFound) {
  FakeClock clock;
  ReadCache cache(absl::Seconds(10), &clock);
  CountingFetch fetch;
  fetch.answer = absl::NotFoundError("configmaps coder/x not found");
  EXPECT_THAT(cache.Get(kSettings, [&] { return fetch(); }),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(cache.Get(kSettings, [&] { return fetch(); }),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_EQ(fetch.calls, 1);
}

TEST(ReadCacheTest, NeverRemembersOtherErrors) {
  FakeClock clock;
  ReadCache cache(absl::Seconds(10), &clock);
  CountingFetch fetch;
  fetch.answer = absl::UnavailableError("connection refused");
  EXPECT_THAT(cache.Get(kSettings, [&] { return fetch(); }),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  fetch.answer = nlohmann::json{{"n", 3}};
  absl::StatusOr<nlohmann::json> got =
      cache.Get(kSettings, [&] { return fetch(); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["n"], 3);
  EXPECT_EQ(fetch.calls, 2);
}

TEST(ReadCacheTest, InvalidateMakesTheNextGetFetch) {
  FakeClock clock;
  ReadCache cache(absl::Seconds(10), &clock);
  CountingFetch fetch;
  ASSERT_TRUE(cache.Get(kSettings, [&] { return fetch(); }).ok());
  cache.Invalidate();
  fetch.answer = nlohmann::json{{"n", 2}};
  absl::StatusOr<nlohmann::json> got =
      cache.Get(kSettings, [&] { return fetch(); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["n"], 2);
  EXPECT_EQ(fetch.calls, 2);
}

// A fetch that was under way when Invalidate ran answered from before the
// caller's write: it must not be reused.
TEST(ReadCacheTest, AFetchOverlappingInvalidateIsNotReused) {
  FakeClock clock;
  ReadCache cache(absl::Seconds(10), &clock);
  std::atomic<int> calls = 0;
  ASSERT_TRUE(cache
                  .Get(kSettings,
                       [&]() -> absl::StatusOr<nlohmann::json> {
                         ++calls;
                         cache.Invalidate();  // a write lands meanwhile
                         return nlohmann::json{{"n", 1}};
                       })
                  .ok());
  absl::StatusOr<nlohmann::json> got =
      cache.Get(kSettings, [&]() -> absl::StatusOr<nlohmann::json> {
        ++calls;
        return nlohmann::json{{"n", 2}};
      });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["n"], 2);
  EXPECT_EQ(calls, 2);
}

TEST(ReadCacheTest, ConcurrentMissesShareOneFetch) {
  FakeClock clock;
  ReadCache cache(absl::Seconds(10), &clock);
  std::atomic<int> calls = 0;
  absl::Notification first_fetch_started;
  absl::Notification release;
  std::vector<std::thread> threads;
  std::atomic<int> ok = 0;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<nlohmann::json> got =
          cache.Get(kSettings, [&]() -> absl::StatusOr<nlohmann::json> {
            ++calls;
            if (!first_fetch_started.HasBeenNotified()) {
              first_fetch_started.Notify();
            }
            release.WaitForNotification();
            return nlohmann::json{{"n", 1}};
          });
      if (got.ok()) ++ok;
    });
  }
  first_fetch_started.WaitForNotification();
  absl::SleepFor(absl::Milliseconds(50));  // let the others queue up
  release.Notify();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace cvm::kube
