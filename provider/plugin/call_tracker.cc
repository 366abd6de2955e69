// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/call_tracker.h"

#include <grpcpp/support/interceptor.h>

namespace cvm::plugin {
namespace {

bool IsZero(const int* n) { return *n == 0; }

}  // namespace

// Lives exactly as long as the call it was created for.
class CallTracker::Counter final : public grpc::experimental::Interceptor {
 public:
  explicit Counter(CallTracker* tracker) : tracker_(tracker) {
    absl::MutexLock lock(&tracker_->mu_);
    ++tracker_->active_;
  }
  ~Counter() override {
    absl::MutexLock lock(&tracker_->mu_);
    --tracker_->active_;
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  CallTracker* tracker_;
};

class CallTracker::Factory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(CallTracker* tracker) : tracker_(tracker) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new Counter(tracker_);
  }

 private:
  CallTracker* tracker_;
};

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallTracker::NewInterceptorFactory() {
  return std::make_unique<Factory>(this);
}

int CallTracker::active() const {
  absl::MutexLock lock(&mu_);
  return active_;
}

bool CallTracker::WaitUntilIdle(absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithDeadline(absl::Condition(&IsZero, &active_), deadline);
}

}  // namespace cvm::plugin
