// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Clock: the time source of kube/ (rate limiter, retry back-off, waits,
// credential expiry), behind an interface so tests can run hours of virtual
// time in microseconds. Part of kube/.

#ifndef CVM_PROVIDER_KUBE_CLOCK_H_
#define CVM_PROVIDER_KUBE_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "provider/kube/cancel.h"

namespace cvm::kube {

// Thread-safe (implementations must be).
class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() = 0;

  // Sleeps for `d` (returns immediately for d <= 0). Returns false when
  // `cancel` (may be null) was cancelled before or during the sleep, true
  // otherwise.
  virtual bool SleepFor(absl::Duration d, const CancelToken* cancel) = 0;

  // The wall clock. Never null, never destroyed.
  static Clock* Real();
};

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_CLOCK_H_
