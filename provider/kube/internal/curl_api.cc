// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/internal/curl_api.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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

// A loaded object as dl_iterate_phdr describes it.
struct LoadedObject {
  std::string name;  // as loaded; "" for the executable
  ElfW(Addr) base;
  const ElfW(Dyn)* dynamic;
  std::vector<std::pair<uintptr_t, uintptr_t>> segments;  // [begin, end)
};

std::vector<LoadedObject> LoadedObjects() {
  std::vector<LoadedObject> objects;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        LoadedObject object{info->dlpi_name != nullptr ? info->dlpi_name : "",
                            info->dlpi_addr, nullptr, {}};
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& phdr = info->dlpi_phdr[i];
          uintptr_t begin = info->dlpi_addr + phdr.p_vaddr;
          if (phdr.p_type == PT_LOAD) {
            object.segments.emplace_back(begin, begin + phdr.p_memsz);
          } else if (phdr.p_type == PT_DYNAMIC) {
            object.dynamic = reinterpret_cast<const ElfW(Dyn)*>(begin);
          }
        }
        static_cast<std::vector<LoadedObject>*>(out)->push_back(
            std::move(object));
        return 0;
      },
      &objects);
  return objects;
}

bool IsOpenSsl(const std::string& name) {
  const char* base = std::strrchr(name.c_str(), '/');
  base = base != nullptr ? base + 1 : name.c_str();
  return std::strncmp(base, "libssl.so.", 10) == 0 ||
         std::strncmp(base, "libcrypto.so.", 13) == 0;
}

// The address a d_ptr entry of `object`'s dynamic section stands for: glibc
// stores most of them relocated, some not.
uintptr_t DynamicAddress(const LoadedObject& object, ElfW(Addr) ptr) {
  return ptr < object.base ? ptr + object.base : ptr;
}

// The relocation types that bind a word to a symbol's address.
#if defined(__x86_64__)
constexpr unsigned kSymbolRelocations[] = {R_X86_64_64, R_X86_64_GLOB_DAT,
                                           R_X86_64_JUMP_SLOT};
#elif defined(__aarch64__)
constexpr unsigned kSymbolRelocations[] = {
    R_AARCH64_ABS64, R_AARCH64_GLOB_DAT, R_AARCH64_JUMP_SLOT};
#else
#error "SharedOpenSslUsers: add this architecture's symbol relocation types"
#endif

// Whether a symbol relocation of `object` resolved into `targets`' segments.
bool BindsInto(const LoadedObject& object,
               const std::vector<std::pair<uintptr_t, uintptr_t>>& targets) {
  uintptr_t tables[2] = {0, 0};
  size_t sizes[2] = {0, 0};
  for (const ElfW(Dyn)* d = object.dynamic; d->d_tag != DT_NULL; ++d) {
    switch (d->d_tag) {
      case DT_RELA: tables[0] = DynamicAddress(object, d->d_un.d_ptr); break;
      case DT_RELASZ: sizes[0] = d->d_un.d_val; break;
      case DT_JMPREL: tables[1] = DynamicAddress(object, d->d_un.d_ptr); break;
      case DT_PLTRELSZ: sizes[1] = d->d_un.d_val; break;
      default: break;
    }
  }
  for (int t = 0; t < 2; ++t) {
    if (tables[t] == 0) continue;
    const auto* rela = reinterpret_cast<const ElfW(Rela)*>(tables[t]);
    for (size_t i = 0; i < sizes[t] / sizeof(ElfW(Rela)); ++i) {
      const unsigned type = ELF64_R_TYPE(rela[i].r_info);
      if (ELF64_R_SYM(rela[i].r_info) == 0 ||
          std::find(std::begin(kSymbolRelocations),
                    std::end(kSymbolRelocations),
                    type) == std::end(kSymbolRelocations)) {
        continue;
      }
      uintptr_t value = *reinterpret_cast<const uintptr_t*>(
          object.base + rela[i].r_offset);
      for (const auto& [begin, end] : targets) {
        if (value >= begin && value < end) return true;
      }
    }
  }
  return false;
}

// Whether `object` lists libssl or libcrypto among its DT_NEEDED.
bool NeedsOpenSsl(const LoadedObject& object) {
  if (object.dynamic == nullptr) return false;
  const char* strings = nullptr;
  for (const ElfW(Dyn)* d = object.dynamic; d->d_tag != DT_NULL; ++d) {
    if (d->d_tag == DT_STRTAB) {
      strings = reinterpret_cast<const char*>(
          DynamicAddress(object, d->d_un.d_ptr));
    }
  }
  if (strings == nullptr) return false;
  for (const ElfW(Dyn)* d = object.dynamic; d->d_tag != DT_NULL; ++d) {
    if (d->d_tag == DT_NEEDED && IsOpenSsl(strings + d->d_un.d_val)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> SharedOpenSslUsers() {
  std::vector<LoadedObject> objects = LoadedObjects();
  std::vector<std::pair<uintptr_t, uintptr_t>> openssl;
  for (const LoadedObject& object : objects) {
    if (IsOpenSsl(object.name)) {
      openssl.insert(openssl.end(), object.segments.begin(),
                     object.segments.end());
    }
  }
  std::vector<std::string> users;
  if (openssl.empty()) return users;
  for (const LoadedObject& object : objects) {
    if (object.name.empty() || object.dynamic == nullptr ||
        IsOpenSsl(object.name) || object.name.find("linux-vdso") == 0) {
      continue;
    }
    if (BindsInto(object, openssl)) users.push_back(object.name);
  }
  return users;
}

bool CurlMayUseExportedOpenSsl(unsigned long exported, unsigned long shared) {
  constexpr int kPatchBits = 20;  // 0xMNN00PP0: major 4 bits, minor 8 bits
  return shared != 0 && exported >> kPatchBits == shared >> kPatchBits &&
         shared <= exported;
}

namespace {

// The objects loaded now that were not in `before` (names) and need
// libssl or libcrypto, other than those two themselves.
std::vector<std::string> NewOpenSslUsers(const std::set<std::string>& before) {
  std::vector<std::string> users;
  for (const LoadedObject& object : LoadedObjects()) {
    if (!before.contains(object.name) && !IsOpenSsl(object.name) &&
        NeedsOpenSsl(object)) {
      users.push_back(object.name);
    }
  }
  return users;
}

}  // namespace

absl::Status LoadCurlApi(const char* soname, CurlApi* api,
                         CurlOpenSsl openssl) {
  bool own = openssl == CurlOpenSsl::kItsOwn;
  const VersionFn exported = ExportedOpenSslVersion();
  if (exported != nullptr) {
    // libcrypto.so.3 and libssl.so.3 first and deep-bound, whatever is
    // decided: they are not linked -Bsymbolic, so their calls to their own
    // functions would otherwise bind to the provider's copy, and they are
    // never unloaded (-z nodelete), so they must be right for both choices.
    // Absent: libcurl's load reports it.
    void* shared =
        ::dlopen(kOpenSslUsers[0], RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    ::dlopen(kOpenSslUsers[1], RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    own = own || (shared != nullptr &&
                  !CurlMayUseExportedOpenSsl(exported(), VersionOf(shared)));
  }
  void* library = nullptr;
  if (!own) {
    std::set<std::string> before;
    for (LoadedObject& object : LoadedObjects()) {
      before.insert(std::move(object.name));
    }
    library = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    std::vector<std::string> users;
    if (library != nullptr && exported != nullptr &&
        !(users = SharedOpenSslUsers()).empty()) {
      // The provider exports only the OpenSSL functions the libcurl it was
      // built with (and its dependencies) import; this one imports more.
      // Unloaded again, it is loaded below on its own OpenSSL, unless an
      // OpenSSL user it brought stays loaded with its mixed bindings.
      ::dlclose(library);
      library = nullptr;
      if (std::vector<std::string> stuck = NewOpenSslUsers(before);
          !stuck.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            soname, " and its dependencies call OpenSSL functions the "
            "provider does not export (", absl::StrJoin(users, ", "),
            ") and ", absl::StrJoin(stuck, ", "), " could not be unloaded to "
            "use their own OpenSSL instead; rebuild the provider on this "
            "machine"));
      }
      own = true;
    }
  }
  if (own) {
    // Each TLS library binds to its own dependencies before the provider's
    // exported copy.
    const int flags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
    for (const char* user : kOpenSslUsers) {
      ::dlopen(user, flags);  // a missing one is libcurl's load's error
    }
    library = ::dlopen(soname, flags);
  }
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
