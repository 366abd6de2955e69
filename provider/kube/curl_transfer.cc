// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CurlTransport's transfers (Send, Stream): one request on a pooled handle
// (curl_transport.cc), driven by the transport's event loop (Loop, below),
// which runs every transfer of the transport on one multi handle.

#include <curl/curl.h>
#include <pthread.h>

#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "provider/kube/curl_transport.h"
#include "provider/kube/internal/curl_api.h"
#include "provider/kube/internal/curl_handle.h"

namespace cvm::kube {

using internal::Api;
using internal::Blob;

namespace {

constexpr size_t kMaxBody = size_t{512} << 20;  // 512 MiB
// While an exchange with a CancelToken runs, the loop looks at the tokens
// this often; a cancelled request returns within about this long.
constexpr int kCancelPollMillis = 50;
// Otherwise the loop sleeps until a socket, curl's timer or Submit wakes it;
// this only bounds how long a lost wake-up could go unnoticed.
constexpr int kIdlePollMillis = 1000;

bool IsTlsError(CURLcode code) {
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

bool IsConnectError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return true;
    default:
      return false;
  }
}

// Sets the request's method and body on `e`.
void SetMethod(CURL* e, const HttpRequest& request) {
  const bool has_body = !request.body.empty() || request.method == "POST" ||
                        request.method == "PUT" || request.method == "PATCH";
  if (!has_body) {
    Api().easy_setopt(e, CURLOPT_HTTPGET, 1L);
    Api().easy_setopt(
        e, CURLOPT_CUSTOMREQUEST,
        request.method == "GET" ? nullptr : request.method.c_str());
  } else {
    Api().easy_setopt(e, CURLOPT_POST, 1L);
    Api().easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                      static_cast<curl_off_t>(request.body.size()));
    Api().easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
    Api().easy_setopt(
        e, CURLOPT_CUSTOMREQUEST,
        request.method == "POST" ? nullptr : request.method.c_str());
  }
}

// The request's header list (without "Expect: 100-continue"); the caller
// frees it once the transfer is over.
curl_slist* HeaderList(const HttpRequest& request) {
  curl_slist* headers = Api().slist_append(nullptr, "Expect:");
  for (const auto& [name, value] : request.headers) {
    std::string line = absl::StrCat(name, ": ", value);
    headers = Api().slist_append(headers, line.c_str());
  }
  return headers;
}

// CURLOPT_TIMEOUT_MS for `timeout`: 0 (none) when infinite, else at least 1.
long TimeoutMillis(absl::Duration timeout) {
  long timeout_ms = 0;  // none
  if (timeout != absl::InfiniteDuration()) {
    timeout_ms = static_cast<long>(
        std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout)));
  }
  return timeout_ms;
}

// Sets the request's own client certificate (an exec plugin's) on `e`, or
// puts back the transport's after a request that had its own.
// `*custom_identity` tracks which of the two the handle holds.
void SetClientIdentity(CURL* e, const HttpRequest& request,
                       const CurlTransportOptions& options,
                       bool* custom_identity) {
  if (!request.client_certificate_pem.empty()) {
    curl_blob cert = Blob(request.client_certificate_pem);
    curl_blob key = Blob(request.client_key_pem);
    Api().easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    Api().easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
    Api().easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    Api().easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
    *custom_identity = true;
  } else if (*custom_identity) {
    if (options.client_certificate_pem.empty()) {
      Api().easy_setopt(e, CURLOPT_SSLCERT_BLOB, nullptr);
      Api().easy_setopt(e, CURLOPT_SSLKEY_BLOB, nullptr);
    } else {
      curl_blob cert = Blob(options.client_certificate_pem);
      curl_blob key = Blob(options.client_key_pem);
      Api().easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
      Api().easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
    }
    *custom_identity = false;
  }
}

// What Send/Stream return for a finished transfer: the response, or the
// error `result` stands for (`detail` is curl's message, `where` names the
// request).
absl::StatusOr<HttpResponse> TransferResult(const std::string& where,
                                            bool stopped,
                                            internal::CurlExchange& x,
                                            const std::string& detail) {
  const CURLcode result = x.result;
  if (x.cancelled) {
    return absl::CancelledError(absl::StrCat(where, ": cancelled"));
  }
  if (result == CURLE_OK || stopped) return std::move(x.response);
  if (x.too_large) {
    return absl::ResourceExhaustedError(
        absl::StrCat(where, ": response body larger than 512 MiB"));
  }
  if (result == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(
        absl::StrCat(where, ": timed out: ", detail));
  }
  if (IsTlsError(result)) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, ": TLS error: ", detail));
  }
  absl::Status status =
      absl::UnavailableError(absl::StrCat(where, ": ", detail));
  if (IsConnectError(result)) status = MarkConnectFailure(status);
  return status;
}

}  // namespace

namespace internal {

size_t OnCurlHeader(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<CurlExchange*>(user);
  size_t len = size * n;
  absl::string_view line(data, len);
  line = absl::StripAsciiWhitespace(line);
  if (absl::StartsWith(line, "HTTP/")) {
    x->response.headers.clear();  // a new response (e.g. after 100 Continue)
    return len;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return len;
  std::string name = absl::AsciiStrToLower(line.substr(0, colon));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  x->response.headers.emplace_back(std::move(name), std::move(value));
  return len;
}

size_t OnCurlBody(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<CurlExchange*>(user);
  size_t len = size * n;
  if (x->abort.load(std::memory_order_relaxed)) return 0;
  if (!x->status_known) {
    long code = 0;
    Api().easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    x->response.status = static_cast<int>(code);
    x->streaming_2xx = x->on_chunk != nullptr && code >= 200 && code <= 299;
    x->status_known = true;
  }
  if (x->streaming_2xx) {
    absl::MutexLock lock(&x->mu);
    if (x->streamed.size() + len > kMaxBody) {
      x->too_large = true;
      return 0;
    }
    x->streamed.append(data, len);  // wakes the request's thread
    return len;
  }
  if (x->response.body.size() + len > kMaxBody) {
    x->too_large = true;
    return 0;
  }
  x->response.body.append(data, len);
  return len;
}

}  // namespace internal

CurlTransport::Loop::Loop() = default;

CurlTransport::Loop::~Loop() {
  if (thread_.joinable()) {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    Api().multi_wakeup(multi_);
    thread_.join();
  }
  if (multi_ != nullptr) Api().multi_cleanup(multi_);
}

absl::Status CurlTransport::Loop::Start() {
  multi_ = Api().multi_init();
  if (multi_ == nullptr) return absl::InternalError("curl_multi_init failed");
  thread_ = std::thread([this] { Run(); });
  ::pthread_setname_np(thread_.native_handle(), "cvm-curl-loop");
  return absl::OkStatus();
}

void CurlTransport::Loop::Submit(Exchange* exchange) {
  {
    absl::MutexLock lock(&mu_);
    submitted_.push_back(exchange);
  }
  Api().multi_wakeup(multi_);
}

void CurlTransport::Loop::Wake() { Api().multi_wakeup(multi_); }

void CurlTransport::Loop::Finish(Exchange* x, CURLcode result, bool cancelled) {
  Api().multi_remove_handle(multi_, x->easy);
  running_.erase(std::find(running_.begin(), running_.end(), x));
  x->result = result;
  x->cancelled = cancelled;
  absl::MutexLock lock(&x->mu);
  x->done = true;  // the loop's last touch of `x`
}

void CurlTransport::Loop::Run() {
  std::vector<Exchange*> submitted;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      submitted.swap(submitted_);
    }
    for (Exchange* x : submitted) {
      running_.push_back(x);
      if (Api().multi_add_handle(multi_, x->easy) != CURLM_OK) {
        Finish(x, CURLE_FAILED_INIT, false);
      }
    }
    submitted.clear();

    int still_running = 0;
    Api().multi_perform(multi_, &still_running);
    int left = 0;
    while (CURLMsg* msg = Api().multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      char* x = nullptr;
      Api().easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
      // Finish invalidates `msg`: read its result first.
      CURLcode result = msg->data.result;
      Finish(reinterpret_cast<Exchange*>(x), result, false);
    }

    bool cancellable = false;
    for (size_t i = 0; i < running_.size();) {
      Exchange* x = running_[i];
      if (IsCancelled(x->cancel) || x->abort.load()) {
        Finish(x, CURLE_ABORTED_BY_CALLBACK, IsCancelled(x->cancel));
        continue;  // Finish removed running_[i]
      }
      cancellable = cancellable || x->cancel != nullptr;
      ++i;
    }
    Api().multi_poll(multi_, nullptr, 0,
                     cancellable ? kCancelPollMillis : kIdlePollMillis,
                     nullptr);
  }
}

absl::StatusOr<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  return Perform(request, nullptr);
}

absl::StatusOr<HttpResponse> CurlTransport::Stream(
    const HttpRequest& request, const BodyChunkFn& on_chunk) {
  return Perform(request, &on_chunk);
}

absl::StatusOr<HttpResponse> CurlTransport::Perform(
    const HttpRequest& request, const BodyChunkFn* on_chunk) {
  if (IsCancelled(request.cancel)) {
    return absl::CancelledError("request cancelled before it was sent");
  }
  absl::StatusOr<std::unique_ptr<Handle>> acquired = AcquireHandle();
  if (!acquired.ok()) return acquired.status();
  std::unique_ptr<Handle> h = std::move(*acquired);
  CURL* e = h->easy;
  h->error[0] = '\0';

  const std::string url = absl::StrCat(url_base_, request.path);
  Api().easy_setopt(e, CURLOPT_URL, url.c_str());
  SetMethod(e, request);
  curl_slist* headers = HeaderList(request);
  absl::Cleanup free_headers = [headers] { Api().slist_free_all(headers); };
  Api().easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  Api().easy_setopt(e, CURLOPT_TIMEOUT_MS, TimeoutMillis(request.timeout));
  SetClientIdentity(e, request, options_, &h->custom_identity);

  internal::CurlExchange x;
  x.easy = e;
  x.cancel = request.cancel;
  x.on_chunk = on_chunk;
  Api().easy_setopt(e, CURLOPT_PRIVATE, &x);
  Api().easy_setopt(e, CURLOPT_HEADERDATA, &x);
  Api().easy_setopt(e, CURLOPT_WRITEDATA, &x);

  requests_.fetch_add(1);
  loop_->Submit(&x);
  // Hand streamed chunks to `on_chunk` here, on the request's thread, until
  // the loop is done with the exchange.
  bool stopped = false;
  std::string chunk;
  while (true) {
    bool done = false;
    {
      absl::MutexLock lock(&x.mu);
      auto ready = [&x]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(x.mu) {
        return x.done || !x.streamed.empty();
      };
      x.mu.Await(absl::Condition(&ready));
      chunk.swap(x.streamed);
      done = x.done;
    }
    if (!chunk.empty() && !stopped && !(*on_chunk)(chunk)) {
      stopped = true;
      x.abort.store(true);
      loop_->Wake();
    }
    chunk.clear();
    if (done) break;
  }

  long connects = 0;
  Api().easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
  connections_.fetch_add(connects);
  long version = 0;
  Api().easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
  if (version == CURL_HTTP_VERSION_2_0) http2_.fetch_add(1);
  long code = 0;
  Api().easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  x.response.status = static_cast<int>(code);
  std::string detail = h->error[0] != '\0' ? std::string(h->error)
                                           : Api().easy_strerror(x.result);
  ReleaseHandle(std::move(h));

  const std::string where = absl::StrCat(request.method, " ", url_base_);
  return TransferResult(where, stopped, x, detail);
}

}  // namespace cvm::kube
