// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Transport: the one seam between the Kubernetes client and the network.
// The client builds HttpRequests (method, path and query, headers, body) and
// a Transport sends them to the one API server it was made for. Production
// uses the libcurl implementation (curl_transport.h); unit tests use
// tests/testing/fake_transport.h. Part of kube/.
//
// A Transport knows nothing of Kubernetes: no retries, no rate limits, no
// status mapping beyond "the exchange failed". Those live in Client.

#ifndef CVM_PROVIDER_KUBE_TRANSPORT_H_
#define CVM_PROVIDER_KUBE_TRANSPORT_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "provider/kube/cancel.h"

namespace cvm::kube {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One request. Plain value; the Transport does not keep it after Send or
// Stream returns.
struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string path;            // "/api/v1/pods?limit=500"; starts with '/'
  HttpHeaders headers;         // added to the transport's own headers
  std::string body;            // sent when non-empty (or for POST/PUT/PATCH)
  // Whole-exchange limit (connect, send, response, and for Stream the
  // entire body). InfiniteDuration means none.
  absl::Duration timeout = absl::InfiniteDuration();
  // Optional; when cancelled the exchange stops within ~100 ms.
  const CancelToken* cancel = nullptr;
  // TLS client identity (PEM) for this request only, e.g. from an exec
  // credential plugin; empty means the transport's own (if any). Secret:
  // never logged.
  std::string client_certificate_pem;
  std::string client_key_pem;
};

struct HttpResponse {
  int status = 0;       // HTTP status code
  HttpHeaders headers;  // names lower-cased, in arrival order
  std::string body;     // whole body (Send) or non-2xx body (Stream)

  // The value of the first header named `name` (case-insensitive), or
  // nullopt.
  std::optional<std::string> Header(absl::string_view name) const;
};

// Receives the body of a streamed 2xx response, chunk by chunk, in order.
// Returning false stops the exchange; Stream then returns OK with the
// response read so far.
using BodyChunkFn = std::function<bool(absl::string_view chunk)>;

// Sends requests to one API server. Implementations must be thread-safe:
// the client calls Send/Stream from many threads at once.
class Transport {
 public:
  virtual ~Transport() = default;

  // Sends `request` and reads the whole response. An HTTP error status
  // (4xx, 5xx) is a successful exchange: it returns OK with that status.
  // Errors (each message names the failure, never credentials):
  //   kUnavailable: the connection failed or dropped; when nothing was sent
  //     the status carries the connect-failure mark (IsConnectFailure);
  //   kDeadlineExceeded: request.timeout elapsed;
  //   kCancelled: request.cancel was cancelled;
  //   kFailedPrecondition: TLS set-up or verification failed (not transient).
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;

  // Like Send, but a 2xx body is handed to `on_chunk` as it arrives instead
  // of being buffered (HttpResponse::body stays empty); a non-2xx body is
  // buffered as in Send. Used for watches. A stream that the server ends
  // normally returns OK; one that drops mid-body returns kUnavailable.
  virtual absl::StatusOr<HttpResponse> Stream(const HttpRequest& request,
                                              const BodyChunkFn& on_chunk) = 0;
};

// Marks `status` as a failure to connect (the request never left this
// process), which makes even non-idempotent requests safe to retry.
absl::Status MarkConnectFailure(absl::Status status);

// True when `status` carries the MarkConnectFailure mark.
bool IsConnectFailure(const absl::Status& status);

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_TRANSPORT_H_
