// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to kube/: CurlTransport's pooled handle, shared by the unit that
// sets handles up (curl_transport.cc) and the one that runs transfers on
// them (curl_transfer.cc). Not part of the folder's contract; other folders
// must not include this header.

#ifndef CVM_PROVIDER_KUBE_INTERNAL_CURL_HANDLE_H_
#define CVM_PROVIDER_KUBE_INTERNAL_CURL_HANDLE_H_

#include <curl/curl.h>

#include <cstddef>

#include "provider/kube/curl_transport.h"
#include "provider/kube/internal/curl_api.h"

namespace cvm::kube {

// One ready-to-use easy handle with the multi handle that drives it (and
// holds its connection cache).
struct CurlTransport::Handle {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  curl_slist* connect_to = nullptr;
  bool custom_identity = false;  // per-request client cert is set
  char error[CURL_ERROR_SIZE] = {};

  ~Handle() {
    if (multi != nullptr) internal::Api().multi_cleanup(multi);
    if (easy != nullptr) internal::Api().easy_cleanup(easy);
    if (connect_to != nullptr) internal::Api().slist_free_all(connect_to);
  }
};

namespace internal {

// CURLOPT_HEADERFUNCTION and CURLOPT_WRITEFUNCTION of every handle. Their
// user data is the transfer in progress (curl_transfer.cc), which
// CurlTransport::Perform sets per request.
size_t OnCurlHeader(char* data, size_t size, size_t n, void* user);
size_t OnCurlBody(char* data, size_t size, size_t n, void* user);

}  // namespace internal
}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_INTERNAL_CURL_HANDLE_H_
