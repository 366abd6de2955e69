// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/internal/curl_api.h"

#include <dlfcn.h>

#include <atomic>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"

namespace cvm::kube::internal {
namespace {

// The soname of libcurl 7.x/8.x (Debian package libcurl4, the OpenSSL
// flavour the provider is built and tested with).
constexpr char kCurlLibrary[] = "libcurl.so.4";

// Resolves `name` in `library` into `*fn`. Returns false if it is missing.
template <typename Fn>
bool Resolve(void* library, const char* name, Fn* fn) {
  *fn = reinterpret_cast<Fn>(::dlsym(library, name));
  return *fn != nullptr;
}

// The process-wide table, filled by LoadCurl.
CurlApi g_api;
std::atomic<CurlOpenSsl> g_openssl{CurlOpenSsl::kChoose};

using VersionFn = unsigned long (*)();

// OpenSSL_version_num of `library`'s own copy (dlsym on a handle searches
// that object and its dependencies), or 0.
unsigned long VersionOf(void* library) {
  auto fn =
      reinterpret_cast<VersionFn>(::dlsym(library, "OpenSSL_version_num"));
  return fn != nullptr ? fn() : 0;
}

// libcurl's TLS libraries, in dependency order; libssh2 uses OpenSSL too.
constexpr const char* kOpenSslUsers[] = {"libcrypto.so.3", "libssl.so.3",
                                         "libssh2.so.1"};

// The provider's own OpenSSL_version_num when this executable exports its
// OpenSSL (cvm_export_static_openssl in provider/CMakeLists.txt), else null
// (test and sanitizer builds link the shared OpenSSL, which libcurl then
// shares as it is).
VersionFn ExportedOpenSslVersion() {
  auto found =
      reinterpret_cast<VersionFn>(::dlsym(RTLD_DEFAULT, "OpenSSL_version_num"));
  Dl_info here;
  Dl_info there;
  if (found == nullptr ||
      ::dladdr(reinterpret_cast<void*>(&ExportedOpenSslVersion), &here) == 0 ||
      ::dladdr(reinterpret_cast<void*>(found), &there) == 0) {
    return nullptr;
  }
  return here.dli_fbase == there.dli_fbase ? found : nullptr;
}

}  // namespace

bool CurlMayUseExportedOpenSsl(unsigned long exported, unsigned long shared) {
  constexpr int kPatchBits = 20;  // 0xMNN00PP0: major 4 bits, minor 8 bits
  return shared != 0 && exported >> kPatchBits == shared >> kPatchBits &&
         shared <= exported;
}

absl::Status LoadCurlApi(const char* soname, CurlApi* api,
                         CurlOpenSsl openssl) {
  bool own = openssl == CurlOpenSsl::kItsOwn;
  if (VersionFn exported = ExportedOpenSslVersion(); exported != nullptr) {
    // libcrypto.so.3 first and deep-bound, whatever is decided: it is not
    // linked -Bsymbolic, so its calls to its own functions would otherwise
    // bind to the provider's copy. Absent: libcurl's load reports it.
    void* shared =
        ::dlopen(kOpenSslUsers[0], RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    own = own || (shared != nullptr &&
                  !CurlMayUseExportedOpenSsl(exported(), VersionOf(shared)));
  }
  int flags = RTLD_NOW | RTLD_LOCAL;
  if (own) {
    // Each TLS library binds to its own dependencies before the provider's
    // exported copy.
    flags |= RTLD_DEEPBIND;
    for (const char* library : kOpenSslUsers) {
      ::dlopen(library, flags);  // a missing one is libcurl's load's error
    }
  }
  void* library = ::dlopen(soname, flags);
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
      CVM_CURL_RESOLVE(multi_wakeup),
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
      // curl_multi_wakeup (7.68) is the newest function used; the blob
      // options need 7.77.
      return absl::FailedPreconditionError(
          absl::StrCat(soname, " has no ", symbol.name,
                       "; the provider needs libcurl 7.77 or later"));
    }
  }
  return absl::OkStatus();
}

const CurlApi& Api() { return g_api; }

absl::Status LoadCurl() {
  static absl::once_flag once;
  static absl::Status* status = nullptr;  // Never freed: lives as long as
                                          // the library it describes.
  absl::call_once(once, [] {
    status =
        new absl::Status(LoadCurlApi(kCurlLibrary, &g_api, g_openssl.load()));
    if (!status->ok()) return;
    CURLcode result = g_api.global_init(CURL_GLOBAL_DEFAULT);
    if (result != CURLE_OK) {
      *status = absl::InternalError(absl::StrCat("curl_global_init failed: ",
                                                 g_api.easy_strerror(result)));
    }
  });
  return *status;
}

void SetCurlOpenSsl(CurlOpenSsl openssl) { g_openssl.store(openssl); }

curl_blob Blob(const std::string& data) {
  curl_blob blob;
  blob.data = const_cast<char*>(data.data());
  blob.len = data.size();
  blob.flags = CURL_BLOB_COPY;
  return blob;
}

}  // namespace cvm::kube::internal
