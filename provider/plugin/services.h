// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// go-plugin's process-level gRPC services that every plugin serves next to
// its own: plugin.GRPCController (Terraform's way to stop a plugin) and
// plugin.GRPCStdio (a stream go-plugin's client opens once after connecting).
// plugin.GRPCBroker is deliberately not served: tfplugin6 never uses it, and
// go-plugin's client ignores the UNIMPLEMENTED grpc++ answers for it.
// Part of plugin/.

#ifndef CVM_PROVIDER_PLUGIN_SERVICES_H_
#define CVM_PROVIDER_PLUGIN_SERVICES_H_

#include <functional>
#include <set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "proto/go_plugin.grpc.pb.h"
#include "proto/go_plugin.pb.h"

namespace cvm::plugin {

// plugin.GRPCController. Shutdown calls `request_shutdown` and replies OK;
// the caller of Serve stops the server afterwards from another thread (a
// grpc++ handler must not wait for its own server's shutdown). Thread-safe.
class ControllerService final : public ::plugin::GRPCController::Service {
 public:
  // `request_shutdown` must not block and must be callable from any thread,
  // any number of times.
  explicit ControllerService(std::function<void()> request_shutdown)
      : request_shutdown_(std::move(request_shutdown)) {}

  grpc::Status Shutdown(grpc::ServerContext* context,
                        const ::plugin::Empty* request,
                        ::plugin::Empty* response) override;

 private:
  std::function<void()> request_shutdown_;
};

// plugin.GRPCStdio. StreamStdio keeps each stream open without sending
// anything (this provider writes its logs to the real stderr, which go-plugin
// already captures) until the client cancels it or Shutdown is called.
// Uses the callback API, so an open stream holds no thread. Thread-safe.
class StdioService final : public ::plugin::GRPCStdio::CallbackService {
 public:
  StdioService() = default;
  // REQUIRES: no stream is open (the server has been shut down).
  ~StdioService() override = default;

  grpc::ServerWriteReactor<::plugin::StdioData>* StreamStdio(
      grpc::CallbackServerContext* context,
      const google::protobuf::Empty* request) override;

  // Ends every open stream with OK and makes later streams end at once, so
  // that grpc::Server::Shutdown does not wait for them. Idempotent.
  void Shutdown();

  // The number of streams not yet finished (for tests).
  int OpenStreamsForTesting();

 private:
  class Reactor;

  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  // Streams on which Finish has not been called yet.
  std::set<Reactor*> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cvm::plugin

#endif  // CVM_PROVIDER_PLUGIN_SERVICES_H_
