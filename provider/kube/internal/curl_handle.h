// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to kube/: CurlTransport's pooled handle and its event loop,
// shared by the unit that sets handles up (curl_transport.cc) and the one
// that runs transfers on them (curl_transfer.cc). Not part of the folder's
// contract; other folders must not include this header.

#ifndef CVM_PROVIDER_KUBE_INTERNAL_CURL_HANDLE_H_
#define CVM_PROVIDER_KUBE_INTERNAL_CURL_HANDLE_H_

#include <curl/curl.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "provider/kube/curl_transport.h"
#include "provider/kube/internal/curl_api.h"

namespace cvm::kube {

// One ready-to-use easy handle. Its connections live in the transport's
// loop (below), not in the handle.
struct CurlTransport::Handle {
  CURL* easy = nullptr;
  curl_slist* connect_to = nullptr;
  bool custom_identity = false;  // per-request client cert is set
  char error[CURL_ERROR_SIZE] = {};

  ~Handle() {
    if (easy != nullptr) internal::Api().easy_cleanup(easy);
    if (connect_to != nullptr) internal::Api().slist_free_all(connect_to);
  }
};

namespace internal {

// One request in flight on the loop: its easy handle and what the handle's
// callbacks fill in. The callbacks run on the loop thread; the request's
// thread reads `response` and `result` only after it has seen `done`.
struct CurlExchange {
  CURL* easy = nullptr;
  const CancelToken* cancel = nullptr;
  const BodyChunkFn* on_chunk = nullptr;  // null: buffer the whole body
  std::atomic<bool> abort{false};  // set by the request's thread: stop now

  // Written by the loop thread before `done`.
  HttpResponse response;
  bool status_known = false;
  bool streaming_2xx = false;
  bool too_large = false;
  CURLcode result = CURLE_OK;
  bool cancelled = false;

  absl::Mutex mu;
  std::string streamed ABSL_GUARDED_BY(mu);  // 2xx body not yet delivered
  bool done ABSL_GUARDED_BY(mu) = false;
};

}  // namespace internal

// The transport's one event loop: a thread that drives every transfer of
// the transport on one multi handle, so concurrent requests share its
// connection cache (and one HTTP/2 connection, multiplexed, when the server
// speaks HTTP/2). A request's thread hands its exchange to the loop and
// sleeps until the loop has a streamed chunk for it or the exchange is over;
// the request's callbacks (BodyChunkFn) still run on the request's thread.
//
// Cancellation: a CancelToken has no way to wake the loop, so while any
// running exchange has one the loop polls at most every kCancelPollMillis
// (one thread, not every request's); otherwise it sleeps until a socket,
// curl's own timer or Submit wakes it.
//
// Thread-safe: Submit and Wake from any thread. Destroying the loop stops
// its thread; REQUIRES: no exchange in progress.
struct CurlTransport::Loop {
  using Exchange = internal::CurlExchange;

  Loop();
  ~Loop();
  // Starts the thread. Errors: kInternal when curl_multi_init fails.
  absl::Status Start();
  // Starts `exchange` on the loop; it must stay alive until its `done` is
  // set (the loop's last touch of it).
  void Submit(Exchange* exchange);
  // Makes the loop look at its exchanges now (after one was aborted).
  void Wake();

 private:
  void Run();
  // Removes `exchange` from the multi handle and completes it.
  void Finish(Exchange* exchange, CURLcode result, bool cancelled);

  CURLM* multi_ = nullptr;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Exchange*> submitted_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The loop thread's own: exchanges in the multi handle.
  std::vector<Exchange*> running_;
};

namespace internal {

// CURLOPT_HEADERFUNCTION and CURLOPT_WRITEFUNCTION of every handle. Their
// user data is the exchange in progress (curl_transfer.cc), which
// CurlTransport::Perform sets per request.
size_t OnCurlHeader(char* data, size_t size, size_t n, void* user);
size_t OnCurlBody(char* data, size_t size, size_t n, void* user);

}  // namespace internal
}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_INTERNAL_CURL_HANDLE_H_
