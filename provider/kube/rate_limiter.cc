// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/rate_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cvm::kube {

RateLimiter::RateLimiter(double qps, int burst, Clock* clock)
    : qps_(qps),
      burst_(std::max(burst, 1)),
      clock_(clock),
      tokens_(static_cast<double>(std::max(burst, 1))),
      last_(clock->Now()) {}

absl::Duration RateLimiter::WaitAtLocked(absl::Time now) {
  if (now > last_) {
    tokens_ = std::min<double>(
        burst_, tokens_ + absl::ToDoubleSeconds(now - last_) * qps_);
    last_ = now;
  }
  if (tokens_ >= 1) return absl::ZeroDuration();
  return absl::Seconds((1 - tokens_) / qps_);
}

absl::Duration RateLimiter::Reserve() {
  if (qps_ <= 0) return absl::ZeroDuration();
  absl::MutexLock lock(&mu_);
  absl::Duration wait = WaitAtLocked(clock_->Now());
  tokens_ -= 1;
  return wait;
}

absl::Status RateLimiter::Acquire(absl::Time deadline,
                                  const CancelToken* cancel) {
  if (qps_ <= 0) return absl::OkStatus();
  absl::Duration wait;
  {
    absl::MutexLock lock(&mu_);
    absl::Time now = clock_->Now();
    wait = WaitAtLocked(now);
    if (now + wait > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("client-side rate limit (qps ", qps_, ", burst ", burst_,
                       ") would delay the request ", absl::FormatDuration(wait),
                       ", past its deadline"));
    }
    tokens_ -= 1;
  }
  if (wait > absl::ZeroDuration() && !clock_->SleepFor(wait, cancel)) {
    // Give the reservation back: the caller is not sending.
    absl::MutexLock lock(&mu_);
    tokens_ += 1;
    return absl::CancelledError("cancelled while waiting for the rate limiter");
  }
  return absl::OkStatus();
}

}  // namespace cvm::kube
