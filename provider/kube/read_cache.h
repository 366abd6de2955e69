// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// ReadCache: remembers the result of reading an object for a short time, so
// that the objects every workspace call consults (the namespace's settings
// ConfigMap, the Namespace, the RuntimeClass) are read once per process and
// namespace instead of once per workspace: Terraform plans, refreshes and
// applies hundreds of workspaces in one provider process. Part of kube/.
//
// Only successes and kNotFound are remembered; any other error is returned
// to its caller and the next Get fetches again. Callers that change one of
// the cached objects call Invalidate() so their own writes are seen at once.

#ifndef CVM_PROVIDER_KUBE_READ_CACHE_H_
#define CVM_PROVIDER_KUBE_READ_CACHE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/kube/clock.h"
#include "provider/kube/kinds.h"

namespace cvm::kube {

// Thread-safe. Concurrent Gets of one object that miss the cache wait for a
// single fetch (one request, not one per caller); Gets of different objects
// do not wait for each other.
class ReadCache {
 public:
  // Results are reused for `ttl` after they were fetched. `clock` (null:
  // Clock::Real()) must outlive the cache.
  explicit ReadCache(absl::Duration ttl, Clock* clock = nullptr);

  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  // The remembered result for `ref` when it is younger than the ttl, else
  // the result of `fetch` (called at most once, on the calling thread),
  // remembered when it is OK or kNotFound.
  absl::StatusOr<nlohmann::json> Get(
      const ObjectRef& ref,
      absl::FunctionRef<absl::StatusOr<nlohmann::json>()> fetch);

  // Forgets everything, so the next Get of any object fetches.
  void Invalidate();

 private:
  struct Entry {
    absl::Mutex mu;  // held during a fetch: later Gets wait for it
    bool valid ABSL_GUARDED_BY(mu) = false;
    absl::Time fetched ABSL_GUARDED_BY(mu);
    uint64_t generation ABSL_GUARDED_BY(mu) = 0;
    absl::StatusOr<nlohmann::json> result ABSL_GUARDED_BY(mu);
  };

  const absl::Duration ttl_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped by Invalidate
};

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_READ_CACHE_H_
