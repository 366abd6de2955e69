// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// kube::Client's construction and request execution: every call goes
// through Execute, which applies the rate limit, credentials, retry rules
// (client.h) and error mapping. The verbs are in client_requests.cc, the
// waits in client_wait.cc.

#include "provider/kube/client.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "provider/kube/curl_transport.h"
#include "provider/kube/errors.h"
#include "provider/kube/internal/client_call.h"
#include "provider/util/log.h"
#include "provider/util/status_macros.h"

namespace cvm::kube {
namespace {

// A Retry-After longer than this is treated as this long.
constexpr int kMaxRetryAfterSeconds = 120;

std::optional<int> RetryAfterSeconds(const HttpResponse& response) {
  std::optional<std::string> value = response.Header("retry-after");
  if (!value.has_value()) return std::nullopt;
  int seconds = 0;
  if (!absl::SimpleAtoi(*value, &seconds) || seconds < 0) return std::nullopt;
  return std::min(seconds, kMaxRetryAfterSeconds);
}

absl::Status Cancelled(absl::string_view context) {
  return absl::CancelledError(absl::StrCat(context, ": cancelled"));
}

// The error of a call whose deadline came before its next try.
absl::Status DeadlinePassed(absl::string_view context,
                            const absl::Status& last_error) {
  if (!last_error.ok()) {
    return absl::DeadlineExceededError(absl::StrCat(
        context, ": deadline exceeded; last error: ", last_error.message()));
  }
  return absl::DeadlineExceededError(
      absl::StrCat(context, ": deadline exceeded"));
}

// Logs one request at debug level (method, path, status, duration since
// `sent`); the clock is read only when debug logging is on.
void LogRequest(const std::string& method, const std::string& path,
                const absl::StatusOr<HttpResponse>& response, Clock* clock,
                absl::Time sent) {
  if (!util::Logger::Default().Enabled(util::LogLevel::kDebug)) return;
  std::string status_text =
      response.ok()
          ? absl::StrCat(response->status)
          : std::string(absl::StatusCodeToString(response.status().code()));
  std::string ms = absl::StrCat(absl::ToInt64Milliseconds(clock->Now() - sent));
  util::LogDebug("kube request", {{"method", method},
                                  {"path", path},
                                  {"status", status_text},
                                  {"duration_ms", ms}});
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Create(
    RestConfig config, std::unique_ptr<Transport> transport,
    ClientHooks hooks) {
  if (config.host.empty()) {
    return absl::InvalidArgumentError("kube client: the server host is empty");
  }
  if (config.burst < 1) config.burst = 1;
  if (transport == nullptr) {
    CVM_ASSIGN_OR_RETURN(
        std::unique_ptr<CurlTransport> curl,
        CurlTransport::Create(CurlTransport::OptionsFrom(config)));
    transport = std::move(curl);
  }
  util::LogDebug("kube: client created", {{"config", config.Describe()}});
  return std::unique_ptr<Client>(
      new Client(std::move(config), std::move(transport), std::move(hooks)));
}

Client::Client(RestConfig config, std::unique_ptr<Transport> transport,
               ClientHooks hooks)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      clock_(hooks.clock != nullptr ? hooks.clock : Clock::Real()),
      retry_(hooks.retry),
      limiter_(config_.qps, config_.burst, clock_),
      auth_(config_, clock_),
      random_(std::move(hooks.random)),
      prng_(std::random_device{}()) {}

Client::~Client() = default;

void Client::Count(Verb verb) { counts_[static_cast<int>(verb)].fetch_add(1); }

ClientStats Client::Stats() const {
  ClientStats s;
  s.get = counts_[static_cast<int>(Verb::kGet)].load();
  s.list = counts_[static_cast<int>(Verb::kList)].load();
  s.watch = counts_[static_cast<int>(Verb::kWatch)].load();
  s.create = counts_[static_cast<int>(Verb::kCreate)].load();
  s.apply = counts_[static_cast<int>(Verb::kApply)].load();
  s.del = counts_[static_cast<int>(Verb::kDelete)].load();
  s.other = counts_[static_cast<int>(Verb::kOther)].load();
  s.retries = retries_.load();
  s.auth_refreshes = auth_refreshes_.load();
  s.exec_runs = auth_.exec_runs();
  s.throttled = absl::Nanoseconds(throttled_ns_.load());
  return s;
}

absl::Duration Client::Backoff(int attempt) {
  absl::Duration d = retry_.initial_backoff * std::pow(2.0, attempt);
  d = std::min(d, retry_.max_backoff);
  double r;
  {
    absl::MutexLock lock(&random_mu_);
    r = random_ ? random_()
                : std::uniform_real_distribution<double>(0, 1)(prng_);
  }
  // "Equal jitter": half fixed, half random.
  return d / 2 + d / 2 * r;
}

HttpRequest Client::NewRequest(const Call& call, const Credentials& creds,
                               absl::Duration remaining) const {
  HttpRequest request;
  request.method = call.method;
  request.path = call.path;
  request.body = call.body;
  request.cancel = call.opts.cancel;
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("User-Agent", config_.user_agent);
  if (!call.content_type.empty()) {
    request.headers.emplace_back("Content-Type", call.content_type);
  }
  if (!creds.token.empty()) {
    request.headers.emplace_back("Authorization",
                                 absl::StrCat("Bearer ", creds.token));
  }
  request.client_certificate_pem = creds.client_certificate_pem;
  request.client_key_pem = creds.client_key_pem;
  request.timeout =
      call.streaming ? remaining : std::min(config_.request_timeout, remaining);
  return request;
}

absl::Status Client::ApiStatus(const Call& call, const HttpResponse& response,
                               std::optional<int> retry_after) const {
  ApiError error = ParseApiError(response.status, response.body);
  error.verb = call.method;
  error.object = call.object;
  error.server = config_.host;
  error.retry_after_seconds = retry_after;
  return ToStatus(error);
}

absl::StatusOr<HttpResponse> Client::Execute(const Call& call,
                                             const BodyChunkFn* on_chunk) {
  const std::string context =
      absl::StrCat(call.method, " ", call.object, " on ", config_.host);
  const absl::Time deadline = call.opts.deadline;
  const CancelToken* cancel = call.opts.cancel;
  bool refreshed_auth = false;
  absl::Status last_error;
  for (int attempt = 0;; ++attempt) {
    if (IsCancelled(cancel)) return Cancelled(context);
    absl::Time start = clock_->Now();
    if (start >= deadline) return DeadlinePassed(context, last_error);
    absl::Status limited = limiter_.Acquire(deadline, cancel);
    if (!limited.ok()) return util::Annotate(limited, context);
    absl::Time now = clock_->Now();
    if (now > start)
      throttled_ns_.fetch_add(absl::ToInt64Nanoseconds(now - start));

    absl::StatusOr<Credentials> creds = auth_.Get(deadline, cancel);
    if (!creds.ok()) {
      return util::Annotate(creds.status(),
                            absl::StrCat(context, ": getting credentials"));
    }
    HttpRequest request = NewRequest(call, *creds, deadline - now);

    Count(call.verb);
    absl::Time sent = clock_->Now();
    absl::StatusOr<HttpResponse> response =
        on_chunk != nullptr ? transport_->Stream(request, *on_chunk)
                            : transport_->Send(request);
    LogRequest(call.method, call.path, response, clock_, sent);

    bool more = attempt + 1 < retry_.max_attempts;
    if (!response.ok()) {
      const absl::Status& s = response.status();
      if (absl::IsCancelled(s) || IsCancelled(cancel))
        return Cancelled(context);
      bool retryable =
          IsConnectFailure(s) ||
          (call.idempotent && !call.streaming && absl::IsUnavailable(s));
      if (!retryable || !more) return util::Annotate(s, context);
      last_error = s;
      absl::Duration wait = Backoff(attempt);
      if (clock_->Now() + wait >= deadline) return util::Annotate(s, context);
      retries_.fetch_add(1);
      if (!clock_->SleepFor(wait, cancel)) return Cancelled(context);
      continue;
    }

    const int code = response->status;
    if (code >= 200 && code <= 299) return response;

    if (code == 401 && !refreshed_auth &&
        auth_.InvalidateAfterUnauthorized(*creds)) {
      refreshed_auth = true;
      auth_refreshes_.fetch_add(1);
      --attempt;  // a credential refresh is not a retry
      continue;
    }

    std::optional<int> retry_after = RetryAfterSeconds(*response);
    absl::Status status = ApiStatus(call, *response, retry_after);
    bool server_error = code >= 500 && code != 501;
    bool retryable = code == 429 || (server_error && retry_after.has_value()) ||
                     (server_error && call.idempotent &&
                      !absl::IsInvalidArgument(status));
    if (!retryable || !more) return status;
    absl::Duration wait = retry_after.has_value() ? absl::Seconds(*retry_after)
                                                  : Backoff(attempt);
    if (clock_->Now() + wait >= deadline) return status;
    last_error = status;
    retries_.fetch_add(1);
    if (!clock_->SleepFor(wait, cancel)) return Cancelled(context);
  }
}

}  // namespace cvm::kube
