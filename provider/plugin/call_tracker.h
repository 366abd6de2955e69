// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Counts the gRPC calls a server has in progress, through a server
// interceptor. Serve uses it to stop promptly: grpc::Server::Shutdown(deadline)
// waits not only for calls but also for every client connection to close, so
// Serve first waits (up to its grace period) for the calls alone, then shuts
// the server down with an immediate deadline. Part of plugin/.

#ifndef CVM_PROVIDER_PLUGIN_CALL_TRACKER_H_
#define CVM_PROVIDER_PLUGIN_CALL_TRACKER_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cvm::plugin {

// Thread-safe.
class CallTracker {
 public:
  CallTracker() = default;
  CallTracker(const CallTracker&) = delete;
  CallTracker& operator=(const CallTracker&) = delete;

  // Returns an interceptor factory for grpc::ServerBuilder::experimental()
  // .SetInterceptorCreators. A call counts from the moment grpc++ matches it
  // to a method until grpc++ destroys its context (after its status is sent).
  // The factory borrows *this: REQUIRES: *this outlives the server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory();

  // The number of calls in progress.
  int active() const;

  // Blocks until no call is in progress or until `deadline`. Returns true if
  // no call is in progress.
  bool WaitUntilIdle(absl::Time deadline) const;

 private:
  class Factory;
  class Counter;

  mutable absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cvm::plugin

#endif  // CVM_PROVIDER_PLUGIN_CALL_TRACKER_H_
