// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// A token-bucket rate limiter (client-go's flowcontrol semantics): the
// bucket holds up to `burst` tokens and refills at `qps` tokens per second;
// each request takes one. Part of kube/.

#ifndef CVM_PROVIDER_KUBE_RATE_LIMITER_H_
#define CVM_PROVIDER_KUBE_RATE_LIMITER_H_

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "provider/kube/cancel.h"
#include "provider/kube/clock.h"

namespace cvm::kube {

// Thread-safe. Waiters are served in the order they reserve.
class RateLimiter {
 public:
  // `qps` <= 0 disables limiting. REQUIRES: burst >= 1. `clock` must outlive
  // the limiter; the bucket starts full.
  RateLimiter(double qps, int burst, Clock* clock);

  // Reserves one token and returns how long the caller must wait before
  // using it (zero when one was available). Never blocks.
  absl::Duration Reserve();

  // Takes one token, sleeping (on the clock) until it is available.
  // Errors: kDeadlineExceeded (nothing taken) when the wait would end after
  // `deadline`; kCancelled when `cancel` fires during the wait.
  absl::Status Acquire(absl::Time deadline, const CancelToken* cancel);

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  // Refills and returns the wait for one token at `now` without taking it.
  absl::Duration WaitAtLocked(absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double qps_;
  const int burst_;
  Clock* const clock_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);  // may go negative (reservations)
  absl::Time last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_RATE_LIMITER_H_
