// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/services.h"

#include <vector>

#include "provider/util/log.h"

namespace cvm::plugin {

grpc::Status ControllerService::Shutdown(grpc::ServerContext* context,
                                         const ::plugin::Empty* request,
                                         ::plugin::Empty* response) {
  util::LogDebug("plugin.GRPCController/Shutdown received");
  request_shutdown_();
  return grpc::Status::OK;
}

// One open StreamStdio call. Finish is called exactly once: by OnCancel, by
// StdioService::Shutdown, or at once when the service is already shut down;
// whoever removes the reactor from `open_` (under the mutex) calls it.
// Deletes itself in OnDone.
class StdioService::Reactor final
    : public grpc::ServerWriteReactor<::plugin::StdioData> {
 public:
  explicit Reactor(StdioService* service) : service_(service) {
    bool finish_now;
    {
      absl::MutexLock lock(&service_->mu_);
      finish_now = service_->shut_down_;
      if (!finish_now) service_->open_.insert(this);
    }
    if (finish_now) Finish(grpc::Status::OK);
  }

  void OnCancel() override {
    bool was_open;
    {
      absl::MutexLock lock(&service_->mu_);
      was_open = service_->open_.erase(this) > 0;
    }
    if (was_open) Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override { delete this; }

 private:
  StdioService* service_;
};

grpc::ServerWriteReactor<::plugin::StdioData>* StdioService::StreamStdio(
    grpc::CallbackServerContext* context,
    const google::protobuf::Empty* request) {
  return new Reactor(this);
}

void StdioService::Shutdown() {
  std::vector<Reactor*> to_finish;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    to_finish.assign(open_.begin(), open_.end());
    open_.clear();
  }
  // Outside the lock: a reaction may run inline and take the mutex.
  for (Reactor* reactor : to_finish) reactor->Finish(grpc::Status::OK);
}

int StdioService::OpenStreamsForTesting() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(open_.size());
}

}  // namespace cvm::plugin
