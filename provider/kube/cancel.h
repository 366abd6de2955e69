// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CancelToken: a one-way "stop now" flag shared between the code that waits
// (watches, retry back-offs, rate-limit waits, exec plugins) and the code
// that wants them to stop (Terraform's StopProvider). Part of kube/.

#ifndef CVM_PROVIDER_KUBE_CANCEL_H_
#define CVM_PROVIDER_KUBE_CANCEL_H_

#include <atomic>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cvm::kube {

// A flag that goes from "not cancelled" to "cancelled" once and never back.
// Thread-safe: Cancel() may be called from any thread while others wait.
class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Marks the token cancelled and wakes every SleepFor() in progress.
  void Cancel() {
    absl::MutexLock lock(&mu_);
    cancelled_.store(true, std::memory_order_release);
  }

  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // Sleeps for `d` or until Cancel(), whichever comes first. Returns true
  // when the full duration elapsed, false when cancelled.
  bool SleepFor(absl::Duration d) const {
    absl::MutexLock lock(&mu_);
    auto is_cancelled = [this]() {
      return cancelled_.load(std::memory_order_acquire);
    };
    return !mu_.AwaitWithTimeout(absl::Condition(&is_cancelled), d);
  }

 private:
  mutable absl::Mutex mu_;
  std::atomic<bool> cancelled_{false};
};

// True when `token` is non-null and cancelled.
inline bool IsCancelled(const CancelToken* token) {
  return token != nullptr && token->cancelled();
}

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_CANCEL_H_
