// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/clock.h"

namespace cvm::kube {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }

  bool SleepFor(absl::Duration d, const CancelToken* cancel) override {
    if (IsCancelled(cancel)) return false;
    if (d <= absl::ZeroDuration()) return true;
    if (cancel == nullptr) {
      absl::SleepFor(d);
      return true;
    }
    return cancel->SleepFor(d);
  }
};

}  // namespace

Clock* Clock::Real() {
  static Clock* clock = new RealClock;
  return clock;
}

}  // namespace cvm::kube
