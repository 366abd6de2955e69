// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/read_cache.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cvm::kube {

ReadCache::ReadCache(absl::Duration ttl, Clock* clock)
    : ttl_(ttl), clock_(clock != nullptr ? clock : Clock::Real()) {}

absl::StatusOr<nlohmann::json> ReadCache::Get(
    const ObjectRef& ref,
    absl::FunctionRef<absl::StatusOr<nlohmann::json>()> fetch) {
  std::shared_ptr<Entry> entry;
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    std::shared_ptr<Entry>& slot = entries_[absl::StrCat(
        ref.api_version, "/", ref.kind, "/", ref.ns, "/", ref.name)];
    if (slot == nullptr) slot = std::make_shared<Entry>();
    entry = slot;
    generation = generation_;
  }
  absl::MutexLock lock(&entry->mu);
  if (entry->valid && entry->generation == generation &&
      clock_->Now() - entry->fetched < ttl_) {
    return entry->result;
  }
  absl::StatusOr<nlohmann::json> result = fetch();
  entry->valid = result.ok() || absl::IsNotFound(result.status());
  if (entry->valid) {
    entry->result = result;
    entry->fetched = clock_->Now();
    entry->generation = generation;
  }
  return result;
}

void ReadCache::Invalidate() {
  absl::MutexLock lock(&mu_);
  ++generation_;
}

}  // namespace cvm::kube
