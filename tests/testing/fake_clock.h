// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// FakeClock: a kube::Clock whose time moves only when told to or when
// someone sleeps on it (a sleep advances time at once and is recorded), so
// rate-limit and back-off tests run in microseconds. Thread-safe.

#ifndef CVM_TESTS_TESTING_FAKE_CLOCK_H_
#define CVM_TESTS_TESTING_FAKE_CLOCK_H_

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "provider/kube/clock.h"

namespace cvm::testing {

class FakeClock : public kube::Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1800000000))
      : now_(start) {}

  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  bool SleepFor(absl::Duration d, const kube::CancelToken* cancel) override {
    if (kube::IsCancelled(cancel)) return false;
    absl::MutexLock lock(&mu_);
    sleeps_.push_back(d);
    if (d > absl::ZeroDuration()) now_ += d;
    return true;
  }

  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

  std::vector<absl::Duration> sleeps() const {
    absl::MutexLock lock(&mu_);
    return sleeps_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Duration> sleeps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cvm::testing

#endif  // CVM_TESTS_TESTING_FAKE_CLOCK_H_
