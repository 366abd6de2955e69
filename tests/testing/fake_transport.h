// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// FakeTransport: a kube::Transport for unit tests. It records every request,
// answers from canned replies (queued per route, or a sticky default), and
// can inject transport failures, dropped streams and streams that hang until
// cancelled. Thread-safe.
//
//   auto fake = std::make_unique<FakeTransport>();
//   FakeTransport* t = fake.get();
//   t->Push("GET", "/api/v1/namespaces/default/pods/p", Reply::Json(200, pod));
//   t->Push("GET", "/api/v1/namespaces/default/pods/p", Reply::Error(
//       absl::UnavailableError("connection reset")));
//   auto client = Client::Create(config, std::move(fake));
//   ... t->requests()[0].method ...

#ifndef CVM_TESTS_TESTING_FAKE_TRANSPORT_H_
#define CVM_TESTS_TESTING_FAKE_TRANSPORT_H_

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/kube/transport.h"

namespace cvm::testing {

// One canned answer.
struct Reply {
  int status = 200;
  std::string body;
  kube::HttpHeaders headers;
  // Non-OK: the exchange fails with this status (no response).
  absl::Status error;
  // For Stream with a 2xx status: the body is delivered as these chunks
  // (`body` is ignored). After them the stream ends normally, unless
  // `error_after_chunks` is set (a dropped stream) or `hang` is set (waits
  // until the request is cancelled or its timeout elapses).
  std::vector<std::string> chunks;
  absl::Status error_after_chunks;
  bool hang = false;

  static Reply Json(int status, const nlohmann::json& body,
                    kube::HttpHeaders headers = {}) {
    Reply r;
    r.status = status;
    r.body = body.dump();
    r.headers = std::move(headers);
    return r;
  }
  // A Kubernetes Status body.
  static Reply Status(int code, const std::string& reason,
                      const std::string& message,
                      nlohmann::json details = nullptr) {
    nlohmann::json body = {{"kind", "Status"},    {"apiVersion", "v1"},
                           {"status", "Failure"}, {"code", code},
                           {"reason", reason},    {"message", message}};
    if (!details.is_null()) body["details"] = details;
    return Json(code, body);
  }
  static Reply Error(absl::Status error) {
    Reply r;
    r.error = std::move(error);
    return r;
  }
  // A watch stream: one JSON event per line.
  static Reply Watch(const std::vector<nlohmann::json>& events) {
    Reply r;
    r.status = 200;
    for (const auto& e : events) r.chunks.push_back(e.dump() + "\n");
    return r;
  }
};

inline nlohmann::json WatchEvent(const std::string& type,
                                 const nlohmann::json& object) {
  return {{"type", type}, {"object", object}};
}

class FakeTransport : public kube::Transport {
 public:
  // Queues `reply` for requests whose method is `method` ("*" for any) and
  // whose path (with query) starts with `path_prefix`. Queued replies are
  // used once each, in order, before any default.
  void Push(const std::string& method, const std::string& path_prefix,
            Reply reply) {
    absl::MutexLock lock(&mu_);
    routes_.push_back({method, path_prefix, false, std::move(reply)});
  }
  // A reply used for every matching request once the queue has none.
  void SetDefault(const std::string& method, const std::string& path_prefix,
                  Reply reply) {
    absl::MutexLock lock(&mu_);
    routes_.push_back({method, path_prefix, true, std::move(reply)});
  }

  // Every request seen so far (cancel pointers cleared).
  std::vector<kube::HttpRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  int Count(const std::string& method, const std::string& path_prefix) const {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& r : requests_) {
      if ((method == "*" || r.method == method) &&
          absl::StartsWith(r.path, path_prefix)) {
        ++n;
      }
    }
    return n;
  }
  // Requests that have no queued or default reply left.
  int unmatched() const {
    absl::MutexLock lock(&mu_);
    return unmatched_;
  }

  absl::StatusOr<kube::HttpResponse> Send(
      const kube::HttpRequest& request) override {
    Reply reply = Take(request);
    if (!reply.error.ok()) return reply.error;
    kube::HttpResponse response;
    response.status = reply.status;
    response.headers = reply.headers;
    response.body = reply.body;
    if (!reply.chunks.empty()) {
      for (const auto& c : reply.chunks) response.body += c;
    }
    return response;
  }

  absl::StatusOr<kube::HttpResponse> Stream(
      const kube::HttpRequest& request,
      const kube::BodyChunkFn& on_chunk) override {
    Reply reply = Take(request);
    if (!reply.error.ok()) return reply.error;
    kube::HttpResponse response;
    response.status = reply.status;
    response.headers = reply.headers;
    if (reply.status < 200 || reply.status > 299) {
      response.body = reply.body;
      return response;
    }
    for (const auto& c : reply.chunks) {
      if (!on_chunk(c)) return response;
    }
    if (!reply.error_after_chunks.ok()) return reply.error_after_chunks;
    if (reply.hang) {
      absl::Time end = request.timeout == absl::InfiniteDuration()
                           ? absl::InfiniteFuture()
                           : absl::Now() + request.timeout;
      while (!kube::IsCancelled(request.cancel)) {
        if (absl::Now() >= end) {
          return absl::DeadlineExceededError("fake: stream timed out");
        }
        absl::SleepFor(absl::Milliseconds(2));
      }
      return absl::CancelledError("fake: stream cancelled");
    }
    return response;
  }

 private:
  struct Route {
    std::string method;
    std::string prefix;
    bool sticky;
    Reply reply;
  };

  // Records `request` and picks its reply (or an InternalError reply).
  Reply Take(const kube::HttpRequest& request) {
    absl::MutexLock lock(&mu_);
    kube::HttpRequest copy = request;
    copy.cancel = nullptr;
    requests_.push_back(std::move(copy));
    auto matches = [&](const Route& r) {
      return (r.method == "*" || r.method == request.method) &&
             absl::StartsWith(request.path, r.prefix);
    };
    for (auto it = routes_.begin(); it != routes_.end(); ++it) {
      if (!it->sticky && matches(*it)) {
        Reply reply = std::move(it->reply);
        routes_.erase(it);
        return reply;
      }
    }
    for (const Route& r : routes_) {
      if (r.sticky && matches(r)) return r.reply;
    }
    ++unmatched_;
    return Reply::Error(absl::InternalError(absl::StrCat(
        "FakeTransport: no reply for ", request.method, " ", request.path)));
  }

  mutable absl::Mutex mu_;
  std::deque<Route> routes_ ABSL_GUARDED_BY(mu_);
  std::vector<kube::HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  int unmatched_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cvm::testing

#endif  // CVM_TESTS_TESTING_FAKE_TRANSPORT_H_
