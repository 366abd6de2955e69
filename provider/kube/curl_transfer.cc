// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CurlTransport's transfers (Send, Stream): one request on a pooled handle
// (curl_transport.cc), driven by the handle's multi handle in a loop that
// polls at most kPollMillis at a time and checks the request's CancelToken.

#include <curl/curl.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/kube/curl_transport.h"
#include "provider/kube/internal/curl_api.h"
#include "provider/kube/internal/curl_handle.h"

namespace cvm::kube {

using internal::Api;
using internal::Blob;

namespace {

constexpr size_t kMaxBody = size_t{512} << 20;  // 512 MiB
constexpr long kPollMillis = 50;

// State of one transfer, shared with the callbacks.
struct Transfer {
  CURL* easy = nullptr;
  const BodyChunkFn* on_chunk = nullptr;
  HttpResponse response;
  bool status_known = false;
  bool streaming_2xx = false;
  bool stopped = false;  // on_chunk returned false
  bool too_large = false;
};

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

// Drives `e` (already added to `multi`) until the transfer ends or `cancel`
// fires (then `*cancelled`). Returns the transfer's result.
CURLcode RunTransfer(CURLM* multi, CURL* e, const CancelToken* cancel,
                     bool* cancelled) {
  CURLcode result = CURLE_OK;
  int running = 1;
  while (true) {
    CURLMcode mc = Api().multi_perform(multi, &running);
    if (mc != CURLM_OK) {
      result = CURLE_RECV_ERROR;
      break;
    }
    if (running == 0) break;
    if (IsCancelled(cancel)) {
      *cancelled = true;
      break;
    }
    Api().multi_poll(multi, nullptr, 0, kPollMillis, nullptr);
  }
  if (!*cancelled && running == 0) {
    int left = 0;
    while (CURLMsg* msg = Api().multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == e) {
        result = msg->data.result;
      }
    }
  }
  return result;
}

// What Send/Stream return for a finished transfer: the response, or the
// error `result` stands for (`detail` is curl's message, `where` names the
// request).
absl::StatusOr<HttpResponse> TransferResult(const std::string& where,
                                            bool cancelled, CURLcode result,
                                            Transfer& transfer,
                                            const std::string& detail) {
  if (cancelled) {
    return absl::CancelledError(absl::StrCat(where, ": cancelled"));
  }
  if (result == CURLE_OK || (result == CURLE_WRITE_ERROR && transfer.stopped)) {
    return std::move(transfer.response);
  }
  if (transfer.too_large) {
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
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  absl::string_view line(data, len);
  line = absl::StripAsciiWhitespace(line);
  if (absl::StartsWith(line, "HTTP/")) {
    t->response.headers.clear();  // a new response (e.g. after 100 Continue)
    return len;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return len;
  std::string name = absl::AsciiStrToLower(line.substr(0, colon));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  t->response.headers.emplace_back(std::move(name), std::move(value));
  return len;
}

size_t OnCurlBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (!t->status_known) {
    long code = 0;
    Api().easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    t->response.status = static_cast<int>(code);
    t->streaming_2xx = t->on_chunk != nullptr && code >= 200 && code <= 299;
    t->status_known = true;
  }
  if (t->streaming_2xx) {
    if (!(*t->on_chunk)(absl::string_view(data, len))) {
      t->stopped = true;
      return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    return len;
  }
  if (t->response.body.size() + len > kMaxBody) {
    t->too_large = true;
    return 0;
  }
  t->response.body.append(data, len);
  return len;
}

}  // namespace internal

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

  Transfer transfer;
  transfer.easy = e;
  transfer.on_chunk = on_chunk;
  Api().easy_setopt(e, CURLOPT_HEADERDATA, &transfer);
  Api().easy_setopt(e, CURLOPT_WRITEDATA, &transfer);

  requests_.fetch_add(1);
  bool cancelled = false;
  if (Api().multi_add_handle(h->multi, e) != CURLM_OK) {
    ReleaseHandle(std::move(h));
    return absl::InternalError("curl_multi_add_handle failed");
  }
  CURLcode result = RunTransfer(h->multi, e, request.cancel, &cancelled);
  Api().multi_remove_handle(h->multi, e);

  long code = 0;
  Api().easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  long connects = 0;
  Api().easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
  connections_.fetch_add(connects);
  long version = 0;
  Api().easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
  if (version == CURL_HTTP_VERSION_2_0) http2_.fetch_add(1);
  std::string detail =
      h->error[0] != '\0' ? std::string(h->error) : Api().easy_strerror(result);
  ReleaseHandle(std::move(h));

  transfer.response.status = static_cast<int>(code);
  const std::string where = absl::StrCat(request.method, " ", url_base_);
  return TransferResult(where, cancelled, result, transfer, detail);
}

}  // namespace cvm::kube
