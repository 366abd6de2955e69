// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The only file of the project that includes curl.
//
// libcurl is not linked: it is loaded with dlopen the first time a transport
// is created. Its dependency tree (nghttp2, GSSAPI, LDAP, RTMP, SSH, PSL,
// IDN2, brotli, zstd, a second OpenSSL, ...) is some 30 shared libraries, and
// having the dynamic loader map and relocate them at exec cost every
// provider start-up several milliseconds, although Terraform starts the
// provider about three times per plan and most starts (GetProviderSchema,
// validation) never talk to Kubernetes. <curl/curl.h> is included only for
// its types, constants and prototypes; every call goes through the table of
// function pointers below.

#include "provider/kube/curl_transport.h"

#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cvm::kube {
namespace {

constexpr size_t kMaxBody = size_t{512} << 20;  // 512 MiB
constexpr long kPollMillis = 50;

// The soname of libcurl 7.x/8.x (Debian package libcurl4, the OpenSSL
// flavour the provider is built and tested with).
constexpr char kCurlLibrary[] = "libcurl.so.4";

// The libcurl entry points this file uses. Each member has the type of the
// function it stands for (from the prototypes in <curl/curl.h>), so calls are
// checked as if they were direct. Member names drop the "curl_" prefix: with
// GCC, curl.h defines curl_easy_setopt and friends as type-checking macros.
struct CurlApi {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_poll) multi_poll;
  decltype(&::curl_multi_info_read) multi_info_read;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_cleanup) multi_cleanup;
  decltype(&::curl_share_init) share_init;
  decltype(&::curl_share_setopt) share_setopt;
  decltype(&::curl_share_cleanup) share_cleanup;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_url) url;
  decltype(&::curl_url_set) url_set;
  decltype(&::curl_url_get) url_get;
  decltype(&::curl_url_cleanup) url_cleanup;
  decltype(&::curl_free) free;
};

// Resolves `name` in `library` into `*fn`. Returns false if it is missing.
template <typename Fn>
bool Resolve(void* library, const char* name, Fn* fn) {
  *fn = reinterpret_cast<Fn>(::dlsym(library, name));
  return *fn != nullptr;
}

// Loads `soname` and fills `*api`. The library is never unloaded: handles
// and callbacks may outlive any one transport. Errors: kFailedPrecondition
// naming the library and what is wrong (dlerror's text).
absl::Status LoadCurlApi(const char* soname, CurlApi* api) {
  void* library = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* error = ::dlerror();
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot load ", soname,
        ", which the provider needs to talk to the Kubernetes API server "
        "(on Debian and Ubuntu it is in the libcurl4 package): ",
        error != nullptr ? error : "unknown error"));
  }
  struct {
    const char* name;
    bool ok;
  } const symbols[] = {
#define CVM_CURL_RESOLVE(member) \
  {"curl_" #member, Resolve(library, "curl_" #member, &api->member)}
      CVM_CURL_RESOLVE(global_init),
      CVM_CURL_RESOLVE(easy_strerror),
      CVM_CURL_RESOLVE(easy_init),
      CVM_CURL_RESOLVE(easy_setopt),
      CVM_CURL_RESOLVE(easy_getinfo),
      CVM_CURL_RESOLVE(easy_cleanup),
      CVM_CURL_RESOLVE(multi_init),
      CVM_CURL_RESOLVE(multi_add_handle),
      CVM_CURL_RESOLVE(multi_perform),
      CVM_CURL_RESOLVE(multi_poll),
      CVM_CURL_RESOLVE(multi_info_read),
      CVM_CURL_RESOLVE(multi_remove_handle),
      CVM_CURL_RESOLVE(multi_cleanup),
      CVM_CURL_RESOLVE(share_init),
      CVM_CURL_RESOLVE(share_setopt),
      CVM_CURL_RESOLVE(share_cleanup),
      CVM_CURL_RESOLVE(slist_append),
      CVM_CURL_RESOLVE(slist_free_all),
      CVM_CURL_RESOLVE(url),
      CVM_CURL_RESOLVE(url_set),
      CVM_CURL_RESOLVE(url_get),
      CVM_CURL_RESOLVE(url_cleanup),
      CVM_CURL_RESOLVE(free),
#undef CVM_CURL_RESOLVE
  };
  for (const auto& symbol : symbols) {
    if (!symbol.ok) {
      // curl_multi_poll (7.66) is the newest function used; the blob
      // options need 7.77.
      return absl::FailedPreconditionError(
          absl::StrCat(soname, " has no ", symbol.name,
                       "; the provider needs libcurl 7.77 or later"));
    }
  }
  return absl::OkStatus();
}

// The process-wide table, filled by LoadCurl.
CurlApi g_api;

// The table. REQUIRES: LoadCurl() returned OK (every CurlTransport method
// but Create runs only after that).
const CurlApi& Api() { return g_api; }

// Loads libcurl and runs curl_global_init, once per process; later calls
// return the first call's result. Thread-safe.
absl::Status LoadCurl() {
  static absl::once_flag once;
  static absl::Status* status = nullptr;  // Never freed: lives as long as
                                          // the library it describes.
  absl::call_once(once, [] {
    status = new absl::Status(LoadCurlApi(kCurlLibrary, &g_api));
    if (!status->ok()) return;
    CURLcode result = g_api.global_init(CURL_GLOBAL_DEFAULT);
    if (result != CURLE_OK) {
      *status = absl::InternalError(absl::StrCat("curl_global_init failed: ",
                                                 g_api.easy_strerror(result)));
    }
  });
  return *status;
}

curl_blob Blob(const std::string& data) {
  curl_blob blob;
  blob.data = const_cast<char*>(data.data());
  blob.len = data.size();
  blob.flags = CURL_BLOB_COPY;
  return blob;
}

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

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
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

size_t OnBody(char* data, size_t size, size_t n, void* user) {
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

}  // namespace

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

// One ready-to-use easy handle with the multi handle that drives it (and
// holds its connection cache).
struct CurlTransport::Handle {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  curl_slist* connect_to = nullptr;
  bool custom_identity = false;  // per-request client cert is set
  char error[CURL_ERROR_SIZE] = {};

  ~Handle() {
    if (multi != nullptr) Api().multi_cleanup(multi);
    if (easy != nullptr) Api().easy_cleanup(easy);
    if (connect_to != nullptr) Api().slist_free_all(connect_to);
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
  if (absl::Status s = LoadCurl(); !s.ok()) return s;
  std::unique_ptr<CurlTransport> t(new CurlTransport(std::move(options)));
  if (absl::Status s = t->Init(); !s.ok()) return s;
  return t;
}

CurlTransport::CurlTransport(CurlTransportOptions options)
    : options_(std::move(options)) {}

CurlTransport::~CurlTransport() {
  absl::MutexLock lock(&pool_mu_);
  idle_.clear();  // handles before the share they use
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
  h->multi = Api().multi_init();
  if (h->easy == nullptr || h->multi == nullptr) {
    return absl::InternalError("curl_easy_init/curl_multi_init failed");
  }
  CURL* e = h->easy;
  Api().easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  Api().easy_setopt(e, CURLOPT_ERRORBUFFER, h->error);
  Api().easy_setopt(e, CURLOPT_SHARE, shared_->share);
  Api().easy_setopt(
      e, CURLOPT_HTTP_VERSION,
      options_.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
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
  Api().easy_setopt(e, CURLOPT_HEADERFUNCTION, &OnHeader);
  Api().easy_setopt(e, CURLOPT_WRITEFUNCTION, &OnBody);
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

  curl_slist* headers = Api().slist_append(nullptr, "Expect:");
  for (const auto& [name, value] : request.headers) {
    std::string line = absl::StrCat(name, ": ", value);
    headers = Api().slist_append(headers, line.c_str());
  }
  absl::Cleanup free_headers = [headers] { Api().slist_free_all(headers); };
  Api().easy_setopt(e, CURLOPT_HTTPHEADER, headers);

  long timeout_ms = 0;  // none
  if (request.timeout != absl::InfiniteDuration()) {
    timeout_ms = static_cast<long>(
        std::max<int64_t>(1, absl::ToInt64Milliseconds(request.timeout)));
  }
  Api().easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);

  if (!request.client_certificate_pem.empty()) {
    curl_blob cert = Blob(request.client_certificate_pem);
    curl_blob key = Blob(request.client_key_pem);
    Api().easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    Api().easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
    Api().easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    Api().easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
    h->custom_identity = true;
  } else if (h->custom_identity) {
    if (options_.client_certificate_pem.empty()) {
      Api().easy_setopt(e, CURLOPT_SSLCERT_BLOB, nullptr);
      Api().easy_setopt(e, CURLOPT_SSLKEY_BLOB, nullptr);
    } else {
      curl_blob cert = Blob(options_.client_certificate_pem);
      curl_blob key = Blob(options_.client_key_pem);
      Api().easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
      Api().easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
    }
    h->custom_identity = false;
  }

  Transfer transfer;
  transfer.easy = e;
  transfer.on_chunk = on_chunk;
  Api().easy_setopt(e, CURLOPT_HEADERDATA, &transfer);
  Api().easy_setopt(e, CURLOPT_WRITEDATA, &transfer);

  requests_.fetch_add(1);
  bool cancelled = false;
  CURLcode result = CURLE_OK;
  if (Api().multi_add_handle(h->multi, e) != CURLM_OK) {
    ReleaseHandle(std::move(h));
    return absl::InternalError("curl_multi_add_handle failed");
  }
  int running = 1;
  while (true) {
    CURLMcode mc = Api().multi_perform(h->multi, &running);
    if (mc != CURLM_OK) {
      result = CURLE_RECV_ERROR;
      break;
    }
    if (running == 0) break;
    if (IsCancelled(request.cancel)) {
      cancelled = true;
      break;
    }
    Api().multi_poll(h->multi, nullptr, 0, kPollMillis, nullptr);
  }
  if (!cancelled && running == 0) {
    int left = 0;
    while (CURLMsg* msg = Api().multi_info_read(h->multi, &left)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == e) {
        result = msg->data.result;
      }
    }
  }
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
  CurlApi api;
  return LoadCurlApi(soname, &api);
}

}  // namespace curl_transport_internal
}  // namespace cvm::kube
