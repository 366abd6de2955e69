// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Authenticator: the credentials to put on the next request, from a static
// token, a token file (re-read when it changes, e.g. a rotated
// service-account token) or an exec plugin (cached until its
// expirationTimestamp, re-run after a 401). Used by Client. Part of kube/.

#ifndef CVM_PROVIDER_KUBE_AUTHENTICATOR_H_
#define CVM_PROVIDER_KUBE_AUTHENTICATOR_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "provider/kube/cancel.h"
#include "provider/kube/clock.h"
#include "provider/kube/config.h"

namespace cvm::kube {

// What goes on one request. Holds secrets: never log it.
struct Credentials {
  std::string token;                   // "Authorization: Bearer <token>"
  std::string client_certificate_pem;  // from an exec plugin only
  std::string client_key_pem;
};

// Thread-safe. At most one exec plugin runs at a time; concurrent callers
// wait for its result.
class Authenticator {
 public:
  // Copies what it needs from `config`. `clock` must outlive this.
  Authenticator(const RestConfig& config, Clock* clock);

  // The credentials for a request now. Static certificates of the
  // RestConfig are the transport's business and are not returned here.
  // Errors: from re-reading the token file (kNotFound, ...) or running the
  // exec plugin (see RunExecPlugin / ParseExecCredential).
  absl::StatusOr<Credentials> Get(absl::Time deadline,
                                  const CancelToken* cancel);

  // Called after a 401 for a request made with `used`. Drops cached
  // credentials and returns true when fresh ones may differ (exec plugin or
  // token file), false when retrying cannot help (static token, none).
  bool InvalidateAfterUnauthorized(const Credentials& used);

  // How many times the exec plugin has run (for tests and Stats()).
  int64_t exec_runs() const { return exec_runs_.load(); }

 private:
  absl::StatusOr<Credentials> FromTokenFileLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Credentials> FromExecLocked(absl::Time deadline,
                                             const CancelToken* cancel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RestConfig config_;
  Clock* const clock_;
  std::atomic<int64_t> exec_runs_{0};

  absl::Mutex mu_;
  // Token file cache: content and the stat identity it was read at.
  std::string file_token_ ABSL_GUARDED_BY(mu_);
  std::string file_stamp_ ABSL_GUARDED_BY(mu_);
  // Exec cache.
  std::optional<Credentials> exec_cached_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Time> exec_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_AUTHENTICATOR_H_
