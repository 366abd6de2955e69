// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CurlTransport's set-up: options, the share handle, and the pool of
// configured easy handles. Transfers on them are in curl_transfer.cc;
// libcurl itself is reached through internal/curl_api.h.

#include "provider/kube/curl_transport.h"

#include <curl/curl.h>

#include <cstdlib>
#include <mutex>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/kube/internal/curl_api.h"
#include "provider/kube/internal/curl_handle.h"

namespace cvm::kube {

using internal::Api;
using internal::Blob;

// DNS cache and TLS sessions shared by every handle of one transport.
struct CurlTransport::Shared {
  CURLSH* share = nullptr;
  std::mutex locks[CURL_LOCK_DATA_LAST];

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Shared*>(user)->locks[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Shared*>(user)->locks[data].unlock();
  }
  ~Shared() {
    if (share != nullptr) Api().share_cleanup(share);
  }
};

CurlTransportOptions CurlTransport::OptionsFrom(const RestConfig& config) {
  CurlTransportOptions o;
  o.server = config.host;
  o.ca_pem = config.ca_pem;
  o.client_certificate_pem = config.client_certificate_pem;
  o.client_key_pem = config.client_key_pem;
  o.insecure = config.insecure;
  o.tls_server_name = config.tls_server_name;
  o.proxy_url = config.proxy_url;
  return o;
}

absl::StatusOr<std::unique_ptr<CurlTransport>> CurlTransport::Create(
    CurlTransportOptions options) {
  if (absl::Status s = internal::LoadCurl(); !s.ok()) return s;
  std::unique_ptr<CurlTransport> t(new CurlTransport(std::move(options)));
  if (absl::Status s = t->Init(); !s.ok()) return s;
  return t;
}

CurlTransport::CurlTransport(CurlTransportOptions options)
    : options_(std::move(options)) {}

CurlTransport::~CurlTransport() {
  loop_.reset();  // its connections, then the handles, then their share
  absl::MutexLock lock(&pool_mu_);
  idle_.clear();
}

absl::Status CurlTransport::Init() {
  const std::string& server = options_.server;
  if (!absl::StartsWith(server, "https://") &&
      !absl::StartsWith(server, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "server \"", server, "\" is not an http:// or https:// URL"));
  }
  url_base_ = server;
  while (absl::EndsWith(url_base_, "/")) url_base_.pop_back();

  if (!options_.tls_server_name.empty()) {
    CURLU* url = Api().url();
    if (url == nullptr) return absl::InternalError("curl_url failed");
    absl::Cleanup free_url = [url] { Api().url_cleanup(url); };
    if (Api().url_set(url, CURLUPART_URL, server.c_str(), 0) != CURLUE_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat("server \"", server, "\" is not a valid URL"));
    }
    char* host = nullptr;
    char* port = nullptr;
    char* path = nullptr;
    Api().url_get(url, CURLUPART_HOST, &host, 0);
    Api().url_get(url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    Api().url_get(url, CURLUPART_PATH, &path, 0);
    absl::Cleanup free_parts = [&] {
      Api().free(host);
      Api().free(port);
      Api().free(path);
    };
    if (host == nullptr || port == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("server \"", server, "\" has no host"));
    }
    std::string scheme =
        absl::StartsWith(server, "https://") ? "https" : "http";
    std::string prefix = path == nullptr ? "" : path;
    while (absl::EndsWith(prefix, "/")) prefix.pop_back();
    url_base_ = absl::StrCat(scheme, "://", options_.tls_server_name, ":", port,
                             prefix);
    connect_to_ =
        absl::StrCat(options_.tls_server_name, ":", port, ":", host, ":", port);
  }

  shared_ = std::make_unique<Shared>();
  shared_->share = Api().share_init();
  if (shared_->share == nullptr)
    return absl::InternalError("curl_share_init failed");
  Api().share_setopt(shared_->share, CURLSHOPT_LOCKFUNC, &Shared::Lock);
  Api().share_setopt(shared_->share, CURLSHOPT_UNLOCKFUNC, &Shared::Unlock);
  Api().share_setopt(shared_->share, CURLSHOPT_USERDATA, shared_.get());
  Api().share_setopt(shared_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  Api().share_setopt(shared_->share, CURLSHOPT_SHARE,
                     CURL_LOCK_DATA_SSL_SESSION);

  loop_ = std::make_unique<Loop>();
  if (absl::Status s = loop_->Start(); !s.ok()) return s;

  // Make one handle now so configuration errors surface at creation.
  absl::StatusOr<std::unique_ptr<Handle>> first = AcquireHandle();
  if (!first.ok()) return first.status();
  ReleaseHandle(std::move(*first));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CurlTransport::Handle>>
CurlTransport::AcquireHandle() {
  {
    absl::MutexLock lock(&pool_mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Handle> h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->easy = Api().easy_init();
  if (h->easy == nullptr) return absl::InternalError("curl_easy_init failed");
  CURL* e = h->easy;
  Api().easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  Api().easy_setopt(e, CURLOPT_ERRORBUFFER, h->error);
  Api().easy_setopt(e, CURLOPT_SHARE, shared_->share);
  Api().easy_setopt(
      e, CURLOPT_HTTP_VERSION,
      options_.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
  // A request started while the loop's first connection is still being
  // set up waits to learn whether it speaks HTTP/2 (and can carry this
  // request too) instead of opening a connection of its own.
  Api().easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  Api().easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  Api().easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
  Api().easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 15L);
  Api().easy_setopt(
      e, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  Api().easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  Api().easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  Api().easy_setopt(e, CURLOPT_NOPROGRESS, 1L);
  // Over HTTP/2 a request body goes through the handle's upload buffer,
  // allocated on first use and kept while the handle is pooled: 16 KiB (the
  // minimum) instead of 64 KiB, for request bodies of a few KiB.
  Api().easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16L * 1024);
  Api().easy_setopt(e, CURLOPT_HEADERFUNCTION, &internal::OnCurlHeader);
  Api().easy_setopt(e, CURLOPT_WRITEFUNCTION, &internal::OnCurlBody);
  if (options_.insecure) {
    Api().easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    Api().easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    Api().easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    Api().easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (!options_.ca_pem.empty()) {
    // The configured CA replaces the system store (as in client-go).
    Api().easy_setopt(e, CURLOPT_CAINFO, nullptr);
    Api().easy_setopt(e, CURLOPT_CAPATH, nullptr);
    curl_blob blob = Blob(options_.ca_pem);
    Api().easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!options_.client_certificate_pem.empty()) {
    curl_blob cert = Blob(options_.client_certificate_pem);
    curl_blob key = Blob(options_.client_key_pem);
    Api().easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    Api().easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
    Api().easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    Api().easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
  }
  if (!options_.proxy_url.empty()) {
    Api().easy_setopt(e, CURLOPT_PROXY, options_.proxy_url.c_str());
  }
  if (!connect_to_.empty()) {
    h->connect_to = Api().slist_append(nullptr, connect_to_.c_str());
    Api().easy_setopt(e, CURLOPT_CONNECT_TO, h->connect_to);
  }
  return h;
}

void CurlTransport::ReleaseHandle(std::unique_ptr<Handle> handle) {
  absl::MutexLock lock(&pool_mu_);
  if (static_cast<int>(idle_.size()) < options_.max_idle_handles) {
    idle_.push_back(std::move(handle));
  }
  // Otherwise `handle` is destroyed here, closing its connections.
}

CurlTransportStats CurlTransport::stats() const {
  CurlTransportStats s;
  s.requests = requests_.load();
  s.connections = connections_.load();
  s.http2 = http2_.load();
  return s;
}

namespace {
constexpr char kGnutlsNoImplicitInit[] = "GNUTLS_NO_IMPLICIT_INIT";
// Written only by PrepareEnvironmentForCurl, before any thread starts.
bool gnutls_variable_added = false;
}  // namespace

void PrepareEnvironmentForCurl() {
  if (std::getenv(kGnutlsNoImplicitInit) != nullptr) return;
  gnutls_variable_added = ::setenv(kGnutlsNoImplicitInit, "1", 0) == 0;
}

bool ProviderAddedEnvironmentVariable(std::string_view name) {
  return gnutls_variable_added && name == kGnutlsNoImplicitInit;
}

namespace curl_transport_internal {

absl::Status LoadLibraryForTest(const char* soname) {
  internal::CurlApi api;
  return internal::LoadCurlApi(soname, &api, internal::CurlOpenSsl::kChoose);
}

bool CurlMayUseExportedOpenSsl(unsigned long exported, unsigned long shared) {
  return internal::CurlMayUseExportedOpenSsl(exported, shared);
}

std::vector<std::string> SharedOpenSslUsers() {
  return internal::SharedOpenSslUsers();
}

void KeepCurlOnItsOwnOpenSslForTest() {
  internal::SetCurlOpenSsl(internal::CurlOpenSsl::kItsOwn);
}

}  // namespace curl_transport_internal
}  // namespace cvm::kube
