// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CurlTransport: the production Transport, on libcurl. This header does not
// include curl; only its implementation (curl_transport.cc, curl_transfer.cc
// and kube/internal/curl_*) does. Part of kube/.
//
// libcurl is loaded at run time (dlopen of libcurl.so.4) when the first
// transport is created, not linked: its ~30 dependent shared libraries would
// otherwise be loaded at every provider start, including the many starts
// that never reach Kubernetes (GetProviderSchema, validation). A process that
// creates no transport never maps libcurl.
//
// What it does:
//  * One event loop per transport: a thread that drives every request on
//    one curl multi handle, so all requests share one connection cache. A
//    request's thread hands the request to the loop and sleeps until the
//    answer (or, for Stream, the next part of the body) is there; Stream's
//    callback runs on the request's thread. Configured easy handles are
//    pooled (mutex-guarded) and reused across requests.
//  * HTTP/2 when the server offers it over TLS (CURL_HTTP_VERSION_2TLS):
//    concurrent requests, watches included, are multiplexed over one
//    connection, as client-go does. Over HTTP/1.1 each concurrent request
//    has a connection of its own, and idle ones are reused. DNS results and
//    TLS sessions are shared across handles (a curl share handle), so a new
//    connection resumes the TLS session.
//  * TLS: verification on unless `insecure`. A configured CA (PEM,
//    CURLOPT_CAINFO_BLOB) replaces the system store, as client-go does;
//    client certificate and key come from PEM blobs (CURLOPT_SSLCERT_BLOB /
//    CURLOPT_SSLKEY_BLOB), per request when an exec plugin supplies them
//    (curl reuses a connection only for a request with the same client
//    certificate). All of this is set once when a handle is made, not per
//    request.
//  * tls_server_name: libcurl 7.88 has no SNI-override option, so the
//    request URL uses tls_server_name as its host (which sets SNI, the name
//    the certificate is checked against, and the Host header) and
//    CURLOPT_CONNECT_TO sends the connection to the configured host and
//    port.
//  * proxy_url: CURLOPT_PROXY (http, https, socks5). Without it libcurl
//    honours http_proxy/https_proxy/no_proxy as Go's ProxyFromEnvironment
//    does.
//  * Timeouts and cancellation: CURLOPT_TIMEOUT_MS per request. While a
//    request with a CancelToken runs, the loop checks the tokens every
//    50 ms, so a cancelled watch returns within ~50-100 ms.

#ifndef CVM_PROVIDER_KUBE_CURL_TRANSPORT_H_
#define CVM_PROVIDER_KUBE_CURL_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "provider/kube/config.h"
#include "provider/kube/transport.h"

namespace cvm::kube {

struct CurlTransportOptions {
  std::string server;  // "https://10.0.0.1:6443" (a path prefix is kept)
  std::string ca_pem;  // empty: the system CA store
  std::string client_certificate_pem;
  std::string client_key_pem;
  bool insecure = false;
  std::string tls_server_name;
  std::string proxy_url;
  bool http2 = true;
  int max_idle_handles = 32;  // handles kept for reuse beyond this are freed
  absl::Duration connect_timeout = absl::Seconds(10);
};

// Counters for tests and benchmarks.
struct CurlTransportStats {
  int64_t requests = 0;     // transfers started
  int64_t connections = 0;  // new connections opened (CURLINFO_NUM_CONNECTS)
  int64_t http2 = 0;        // responses received over HTTP/2
};

// Thread-safe. Owns its curl handles; destroying it closes every
// connection. REQUIRES: no Send/Stream in progress at destruction.
class CurlTransport final : public Transport {
 public:
  // The first call in a process loads libcurl.so.4 and runs
  // curl_global_init; later calls reuse that (thread-safe).
  // Errors: kFailedPrecondition when libcurl.so.4 cannot be loaded or lacks
  // a function the transport needs (the message names the library, the
  // package to install and the loader's error), and every later call then
  // returns the same error; kInvalidArgument when the server is not an
  // http(s) URL, or tls_server_name is given with a server URL curl cannot
  // parse; kInternal when libcurl cannot be initialized.
  static absl::StatusOr<std::unique_ptr<CurlTransport>> Create(
      CurlTransportOptions options);

  // The options for a RestConfig's server, TLS and proxy settings.
  static CurlTransportOptions OptionsFrom(const RestConfig& config);

  ~CurlTransport() override;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;
  absl::StatusOr<HttpResponse> Stream(const HttpRequest& request,
                                      const BodyChunkFn& on_chunk) override;

  CurlTransportStats stats() const;

 private:
  struct Handle;
  struct Loop;
  struct Shared;

  explicit CurlTransport(CurlTransportOptions options);
  absl::Status Init();
  absl::StatusOr<std::unique_ptr<Handle>> AcquireHandle();
  void ReleaseHandle(std::unique_ptr<Handle> handle);
  absl::StatusOr<HttpResponse> Perform(const HttpRequest& request,
                                       const BodyChunkFn* on_chunk);

  const CurlTransportOptions options_;
  std::string url_base_;    // scheme://host[:port][/prefix] used in URLs
  std::string connect_to_;  // CURLOPT_CONNECT_TO entry, or empty
  std::unique_ptr<Shared> shared_;
  std::unique_ptr<Loop> loop_;  // destroyed first (~CurlTransport)

  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<Handle>> idle_ ABSL_GUARDED_BY(pool_mu_);

  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> http2_{0};
};

// Adds GNUTLS_NO_IMPLICIT_INIT=1 to the process environment unless it is
// set already. Debian's libcurl.so.4 (the OpenSSL flavour) also loads
// GnuTLS, through librtmp, and GnuTLS initializes itself when loaded: about
// 1 MiB resident in every process that talks to the API server, for a
// library that is never called. Call once from main, before any thread
// starts (setenv is not thread-safe) and before the first transport.
// Exec credential plugins do not inherit what this adds
// (ProviderAddedEnvironmentVariable).
void PrepareEnvironmentForCurl();

// True if `name` is a variable PrepareEnvironmentForCurl added (it was not
// in the environment the provider was started with). Thread-safe once
// PrepareEnvironmentForCurl has returned.
bool ProviderAddedEnvironmentVariable(std::string_view name);

namespace curl_transport_internal {

// Loads `soname` and resolves every libcurl function CurlTransport calls,
// into a table of its own (transports keep using theirs); for tests of the
// loading errors. The library stays loaded. Errors: kFailedPrecondition,
// as CurlTransport::Create's.
absl::Status LoadLibraryForTest(const char* soname);

// internal::CurlMayUseExportedOpenSsl, for its unit test: whether libcurl
// may call the OpenSSL the provider binary exports (version `exported`)
// when the shared one is version `shared` (OpenSSL_version_num values).
bool CurlMayUseExportedOpenSsl(unsigned long exported, unsigned long shared);

// internal::SharedOpenSslUsers, for its unit test: the loaded objects
// (other than OpenSSL's own and the executable) bound to libssl.so.3 or
// libcrypto.so.3.
std::vector<std::string> SharedOpenSslUsers();

// Makes the process's libcurl, when first loaded, keep its own OpenSSL
// (what happens when the shared one is newer than the provider's). Call
// before the first CurlTransport::Create; afterwards it has no effect.
void KeepCurlOnItsOwnOpenSslForTest();

}  // namespace curl_transport_internal
}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_CURL_TRANSPORT_H_
