// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to kube/: libcurl, loaded with dlopen, for CurlTransport
// (curl_transport.cc, curl_transfer.cc). Not part of the folder's contract;
// other folders must not include this header.
//
// libcurl is not linked: it is loaded the first time a transport is
// created. Its dependency tree (nghttp2, GSSAPI, LDAP, RTMP, SSH, PSL, IDN2,
// brotli, zstd, a second OpenSSL, ...) is some 30 shared libraries, and
// having the dynamic loader map and relocate them at exec would cost every
// provider start-up several milliseconds, although Terraform starts the
// provider about three times per plan and most starts (GetProviderSchema,
// validation) never talk to Kubernetes. <curl/curl.h> is included only for
// its types, constants and prototypes; every call goes through the table of
// function pointers below.

#ifndef CVM_PROVIDER_KUBE_INTERNAL_CURL_API_H_
#define CVM_PROVIDER_KUBE_INTERNAL_CURL_API_H_

#include <curl/curl.h>

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace cvm::kube::internal {

// The libcurl entry points the transport uses. Each member has the type of
// the function it stands for (from the prototypes in <curl/curl.h>), so
// calls are checked as if they were direct. Member names drop the "curl_"
// prefix: with GCC, curl.h defines curl_easy_setopt and friends as
// type-checking macros.
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
  decltype(&::curl_multi_wakeup) multi_wakeup;
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

// Which OpenSSL libcurl's calls go to. The release provider links OpenSSL
// statically and exports it (provider/CMakeLists.txt), so by default
// libcurl's OpenSSL calls bind to the provider's copy, already initialised
// by gRPC, and libcrypto.so.3's code is never run: one OpenSSL in memory.
enum class CurlOpenSsl {
  kChoose,  // the provider's copy if CurlMayUseExportedOpenSsl, else kItsOwn
  kItsOwn,  // libcurl's libssl.so.3 and libcrypto.so.3 (RTLD_DEEPBIND)
};

// Whether libraries built against the shared OpenSSL of version `shared`
// (OpenSSL_version_num; 0 if unknown) may call the provider's exported copy
// of version `exported`: same major and minor release (one ABI) and the
// shared one no newer, so every function they may import is in the
// provider's copy. Otherwise a newer function would bind to the shared
// library while the rest went to the provider's, mixing two OpenSSLs' state.
bool CurlMayUseExportedOpenSsl(unsigned long exported, unsigned long shared);

// The loaded shared objects, other than libssl.so.3 and libcrypto.so.3 and
// the executable, with a symbol relocation resolved into libssl.so.3 or
// libcrypto.so.3 (names as loaded): the users of the shared OpenSSL. With
// the provider's exported OpenSSL, libcurl's tree must have none. Reads the
// dynamic loader's tables (dl_iterate_phdr) and the objects' resolved
// relocations, so only sees bindings already made (RTLD_NOW loads).
// Thread-safe.
std::vector<std::string> SharedOpenSslUsers();

// Loads `soname` and fills `*api`. The library is never unloaded: handles
// and callbacks may outlive any one transport. With kChoose and the
// provider's exported OpenSSL, a libcurl whose tree would call the shared
// OpenSSL too (SharedOpenSslUsers not empty: it imports functions the
// provider does not export) is unloaded and loaded again as with kItsOwn.
// Errors: kFailedPrecondition naming the library and what is wrong
// (dlerror's text), or that such a libcurl could not be unloaded.
absl::Status LoadCurlApi(const char* soname, CurlApi* api, CurlOpenSsl openssl);

// Loads libcurl.so.4 into the process-wide table and runs
// curl_global_init, once per process; later calls return the first call's
// result. Thread-safe.
absl::Status LoadCurl();

// The CurlOpenSsl the first LoadCurl uses (default kChoose); for tests.
void SetCurlOpenSsl(CurlOpenSsl openssl);

// The process-wide table. REQUIRES: LoadCurl() returned OK (every
// CurlTransport method but Create runs only after that).
const CurlApi& Api();

// A blob option value that libcurl copies (CURL_BLOB_COPY), so `data` need
// only outlive the setopt call.
curl_blob Blob(const std::string& data);

}  // namespace cvm::kube::internal

#endif  // CVM_PROVIDER_KUBE_INTERNAL_CURL_API_H_
