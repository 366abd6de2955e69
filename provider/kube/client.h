// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// kube::Client: the provider's Kubernetes REST client. It gets, lists,
// server-side-applies and deletes JSON objects named by ObjectRef (kinds.h),
// waits for conditions and deletions with watches, reads /version and an
// object's events. Every request goes through a token-bucket rate limiter,
// carries credentials from the Authenticator (token, token file, exec
// plugin), and is retried with exponential back-off and jitter when that is
// safe (below). Errors are absl::Status values made by errors.h: each names
// the verb, the object and the server, and carries an ApiError payload.
// Objects it returns (and hands to predicates and on_item) lack
// metadata.managedFields: skipped while parsing, as nothing reads them.
// Part of kube/.
//
// Retry rules (at most RetryPolicy::max_attempts tries, never past the
// call's deadline, interrupted by its CancelToken):
//  * 429 Too Many Requests: every verb (the server did not process it);
//    waits Retry-After seconds (at most 120) when given, else the back-off.
//  * 5xx with a Retry-After header: every verb (as client-go does).
//  * other 5xx (except 501 and those errors.h maps to kInvalidArgument)
//    and dropped connections: GET/LIST/WATCH, apply
//    (PATCH application/apply-patch+yaml: applying the same manifest twice
//    gives the same result) and DELETE (a retried DELETE whose first try
//    succeeded reports kNotFound, which callers treat as "gone"). Never POST.
//  * connection refused / DNS failure (nothing was sent): every verb.
//  * 401 with a token file or exec plugin: credentials are refreshed (file
//    re-read, plugin re-run) and the request is sent once more.
//  * a request that hits RestConfig::request_timeout is not retried
//    (kDeadlineExceeded): the server may still be working on it.
//
// Example:
//   CVM_ASSIGN_OR_RETURN(RestConfig rc, ResolveConfig(options, env));
//   CVM_ASSIGN_OR_RETURN(std::unique_ptr<Client> client,
//                        Client::Create(std::move(rc)));
//   CVM_ASSIGN_OR_RETURN(nlohmann::json pod,
//                        client->Apply(manifest, {.field_manager = "tf"}));
//   CVM_ASSIGN_OR_RETURN(pod, client->WaitFor(ref, HasCondition("Ready"),
//                                             absl::Now() + absl::Minutes(5),
//                                             &cancel));

#ifndef CVM_PROVIDER_KUBE_CLIENT_H_
#define CVM_PROVIDER_KUBE_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/kube/authenticator.h"
#include "provider/kube/cancel.h"
#include "provider/kube/clock.h"
#include "provider/kube/config.h"
#include "provider/kube/kinds.h"
#include "provider/kube/rate_limiter.h"
#include "provider/kube/transport.h"

namespace cvm::kube {

inline constexpr char kDefaultFieldManager[] = "terraform-provider-cvm";

// Deadline and cancellation of one call. The deadline bounds the whole call
// (rate-limit wait, retries); each HTTP request is also bounded by
// RestConfig::request_timeout. `cancel` may be null; when set it must
// outlive the call.
struct RequestOptions {
  absl::Time deadline = absl::InfiniteFuture();
  const CancelToken* cancel = nullptr;
};

struct ListOptions {
  std::string label_selector;  // "app=x,tier!=db"
  std::string field_selector;  // "metadata.name=x"
  int64_t page_size = 500;     // limit per page; pages are followed
  // When set, each item is handed to it as its page is read, and
  // ListResult::items stays empty: a caller that keeps a few fields of many
  // objects holds one page at a time, not the whole list. Called on the
  // calling thread, in server order.
  std::function<void(nlohmann::json item)> on_item;
  // When true, each item is parsed into its apiVersion, kind and the
  // metadata fields name, namespace, uid, resourceVersion, labels and
  // deletionTimestamp; the rest (spec, status, annotations, managedFields)
  // is skipped while parsing. For callers that only need to know which
  // objects exist.
  bool identity_only = false;
};

// The fields of an object that a reader uses, so that only those are
// parsed: dotted paths from the object's root, arrays transparent
// ("spec.containers.image" keeps the image of every container); a path
// keeps everything beneath it. metadata.managedFields is never kept.
// Immutable once built; safe to share between threads.
class FieldSet {
 public:
  // REQUIRES: each path is non-empty and has no empty segment.
  FieldSet(std::initializer_list<absl::string_view> paths);

  // A json::parse callback keeping only these fields. Each call returns a
  // fresh callback (it tracks the current path); use it for one parse.
  // The FieldSet must outlive the parse.
  nlohmann::json::parser_callback_t Filter() const;

 private:
  struct Node {
    std::map<std::string, Node, std::less<>> children;
    bool all = false;  // everything beneath is kept
  };
  Node root_;
};

struct ListResult {
  // Each item with apiVersion and kind filled in (list items lack them);
  // empty when ListOptions::on_item is set.
  std::vector<nlohmann::json> items;
  std::string resource_version;  // of the list
};

struct ApplyOptions {
  std::string field_manager = kDefaultFieldManager;  // REQUIRES: non-empty
  bool force = false;    // take ownership of fields other managers own
  bool dry_run = false;  // dryRun=All: validated and defaulted, not stored
};

struct DeleteOptions {
  // "Background", "Foreground", "Orphan" or "" (the server's default).
  std::string propagation_policy = "Background";
  std::optional<std::string> uid;  // precondition: delete only this UID
  std::optional<std::string> resource_version;  // precondition
  std::optional<int64_t> grace_period_seconds;
  bool dry_run = false;
};

struct ServerVersion {
  int major = 0;
  int minor = 0;            // "27+" (GKE, EKS) parses as 27
  std::string git_version;  // "v1.20.2"
  std::string platform;     // "linux/amd64"
};

// One core/v1 Event about an object, flattened.
struct Event {
  std::string type;    // "Normal" or "Warning"
  std::string reason;  // "FailedScheduling"
  std::string message;
  int64_t count = 1;
  absl::Time last_seen = absl::InfinitePast();
  std::string source;     // reportingController or source.component
  nlohmann::json object;  // the raw Event
};

// Events of `type` ("Warning") from `events`, order kept.
std::vector<Event> FilterEvents(const std::vector<Event>& events,
                                absl::string_view type);

// "Warning FailedScheduling (x3): 0/1 nodes are available: ...".
std::string FormatEvent(const Event& event);

// Decides whether a watched object is where the caller wants it. Returning
// an error ends the wait with that error (e.g. a pod in phase Failed).
using Predicate =
    std::function<absl::StatusOr<bool>(const nlohmann::json& object)>;

// True when status.conditions has {type: `type`, status: `status`}.
Predicate HasCondition(std::string type, std::string status = "True");

// What a wait keeps of the objects its watch events carry; the predicate
// and the object WaitFor returns from an event see only that.
enum class WatchedFields {
  kAll,  // everything but metadata.managedFields (as every read)
  // metadata, status and spec.nodeName: for waits on a pod's status, which
  // need not parse its spec (containers, volumes: most of a pod's JSON).
  kStatus,
};

// Request counts since creation. Each HTTP request counts once (a retried
// call counts each try); `retries` counts the extra tries.
struct ClientStats {
  int64_t get = 0;
  int64_t list = 0;
  int64_t watch = 0;
  int64_t create = 0;
  int64_t apply = 0;
  int64_t del = 0;
  int64_t other = 0;  // /version
  int64_t retries = 0;
  int64_t auth_refreshes = 0;  // 401 → refreshed credentials → resent
  int64_t exec_runs = 0;       // exec plugin invocations
  absl::Duration throttled = absl::ZeroDuration();  // rate-limiter waits

  int64_t requests() const {
    return get + list + watch + create + apply + del + other;
  }
};

struct RetryPolicy {
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(10);
};

// Test seams. Defaults are the real ones.
struct ClientHooks {
  Clock* clock = nullptr;  // null: Clock::Real(); must outlive the client
  // Returns a number in [0, 1) for back-off jitter; null: a seeded PRNG.
  std::function<double()> random;
  RetryPolicy retry;
};

// Thread-safe: every method may be called from many threads at once. All
// configuration is fixed at Create(); the mutable parts (rate limiter,
// credential cache, counters) are internally synchronized.
class Client {
 public:
  // Builds a client for `config`. With `transport` null, a libcurl
  // transport is made from `config` (CA, client certificate, TLS server
  // name, proxy); with a transport given, the client owns it and uses it
  // as is (certificate fields of `config` are then the transport's
  // business).
  // Errors: kInvalidArgument for a bad config (empty host); errors of
  // CurlTransport::Create (bad PEM, bad proxy URL).
  static absl::StatusOr<std::unique_ptr<Client>> Create(
      RestConfig config, std::unique_ptr<Transport> transport = nullptr,
      ClientHooks hooks = {});

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // GET one object. kNotFound if it does not exist; kInvalidArgument for
  // an unknown kind or bad ref; other codes per errors.h.
  absl::StatusOr<nlohmann::json> Get(const ObjectRef& ref,
                                     const RequestOptions& opts = {});
  // The same, with only `fields` of the object parsed (see FieldSet).
  absl::StatusOr<nlohmann::json> Get(const ObjectRef& ref,
                                     const RequestOptions& opts,
                                     const FieldSet& fields);

  // LIST objects of a kind in `ns` ("" = all namespaces, or cluster-scoped
  // kinds), following continue tokens. Errors as Get.
  absl::StatusOr<ListResult> List(absl::string_view api_version,
                                  absl::string_view kind, absl::string_view ns,
                                  const ListOptions& list = {},
                                  const RequestOptions& opts = {});

  // Server-side apply: PATCH <object path>?fieldManager=..[&force=true]
  // [&dryRun=All] with Content-Type application/apply-patch+yaml and the
  // object as JSON (valid YAML). Creates the object when it does not exist.
  // Returns the object as stored (or as it would be, for dry_run).
  // Errors: kInvalidArgument for an object without apiVersion/kind/name,
  // a namespaced kind without metadata.namespace, an empty field manager,
  // or a 400/422 from the server (with field causes); kAborted for a
  // conflict with another field manager (the message names it and suggests
  // force); others per errors.h.
  absl::StatusOr<nlohmann::json> Apply(const nlohmann::json& object,
                                       const ApplyOptions& apply = {},
                                       const RequestOptions& opts = {});
  // The same, with only `fields` of the answer parsed (see FieldSet).
  absl::StatusOr<nlohmann::json> Apply(const nlohmann::json& object,
                                       const ApplyOptions& apply,
                                       const RequestOptions& opts,
                                       const FieldSet& fields);

  // POST a new object (not retried on 5xx). kAlreadyExists when it exists.
  absl::StatusOr<nlohmann::json> Create(const nlohmann::json& object,
                                        const RequestOptions& opts = {});

  // DELETE one object with a DeleteOptions body (propagation policy,
  // preconditions, grace period). Returns once the server accepted the
  // deletion, with its answer: null when the server reported the object
  // gone (a Status), else the apiVersion, kind and metadata of the object
  // as the server returned it (still terminating, with finalizers or a
  // grace period, or as it was when deleted; an empty object when the
  // answer was unreadable). Pass the answer to WaitForDeletion to wait
  // without a read.
  // kNotFound if it does not exist; kAborted (409 Conflict) when a
  // precondition (uid, resourceVersion) does not hold.
  absl::StatusOr<nlohmann::json> Delete(const ObjectRef& ref,
                                        const DeleteOptions& del = {},
                                        const RequestOptions& opts = {});

  // Waits until `predicate` holds for the object, and returns the object.
  // Starts from `last_seen` when given (the object as Apply returned it:
  // no read is made), else reads it once; then watches it
  // (?watch=1&fieldSelector=metadata.name=..&resourceVersion=..), resuming
  // from the last resourceVersion after a dropped or ended stream and
  // re-reading after 410 Gone (expired resourceVersion).
  // REQUIRES: `predicate` is non-null.
  // Errors: kNotFound if the object does not exist or is deleted while
  // waiting; kDeadlineExceeded at `deadline`; kCancelled within ~100 ms
  // of `cancel`; kUnavailable when 8 watch requests in a row could not
  // reach the server (about half a minute; a stream that ends normally
  // does not count); the predicate's own error; API errors as Get.
  // `fields`: what is kept of the objects in watch events (the object read
  // or given as `last_seen` is used whole).
  absl::StatusOr<nlohmann::json> WaitFor(
      const ObjectRef& ref, const Predicate& predicate, absl::Time deadline,
      const CancelToken* cancel,
      const std::optional<nlohmann::json>& last_seen = std::nullopt,
      WatchedFields fields = WatchedFields::kAll);

  // Waits until the object is gone (404, a DELETED event, or replaced by
  // an object with another UID). With `deletion_answer` (what Delete
  // returned) no read is made: null means gone, an object is watched from
  // its resourceVersion (which precedes its deletion, so the DELETED event
  // is never missed). Without it the object is read first; OK at once
  // when it does not exist.
  // Errors: kDeadlineExceeded, kCancelled, API errors as Get.
  absl::Status WaitForDeletion(
      const ObjectRef& ref, absl::Time deadline, const CancelToken* cancel,
      const std::optional<nlohmann::json>& deletion_answer = std::nullopt);

  // GET /version. Errors per errors.h; kInternal for an unreadable body.
  absl::StatusOr<ServerVersion> GetServerVersion(
      const RequestOptions& opts = {});

  // The core/v1 events whose involvedObject is `ref`, oldest first, newest
  // last (by series/last/first timestamp, eventTime, creation time).
  absl::StatusOr<std::vector<Event>> Events(const ObjectRef& ref,
                                            const RequestOptions& opts = {});

  // A snapshot of the request counters.
  ClientStats Stats() const;

  // The server URL, as used in messages.
  const std::string& server() const { return config_.host; }
  const RestConfig& config() const { return config_; }

 private:
  enum class Verb { kGet, kList, kWatch, kCreate, kApply, kDelete, kOther };
  struct Call;

  Client(RestConfig config, std::unique_ptr<Transport> transport,
         ClientHooks hooks);

  // Sends `call` with rate limiting, credentials, retries and error
  // mapping. With `on_chunk`, streams a 2xx body (watch).
  absl::StatusOr<HttpResponse> Execute(const Call& call,
                                       const BodyChunkFn* on_chunk);
  // Execute's request for one try of `call`, with `remaining` of the
  // call's deadline left.
  HttpRequest NewRequest(const Call& call, const Credentials& creds,
                         absl::Duration remaining) const;
  // The status (errors.h) for a non-2xx `response` to `call`.
  absl::Status ApiStatus(const Call& call, const HttpResponse& response,
                         std::optional<int> retry_after) const;
  // WaitFor's watch loop, starting from `object` (already read).
  absl::StatusOr<nlohmann::json> WatchFrom(
      const ObjectRef& ref, nlohmann::json object, const Predicate& predicate,
      absl::Time deadline, const CancelToken* cancel, WatchedFields fields);
  absl::Duration Backoff(int attempt);
  // Get's request, answered with the object parsed through `filter`.
  absl::StatusOr<nlohmann::json> GetParsed(
      const ObjectRef& ref, const RequestOptions& opts,
      const nlohmann::json::parser_callback_t& filter);
  // Apply's request, answered with the object parsed through `filter`.
  absl::StatusOr<nlohmann::json> ApplyParsed(
      const nlohmann::json& object, const ApplyOptions& apply,
      const RequestOptions& opts,
      const nlohmann::json::parser_callback_t& filter);
  absl::StatusOr<nlohmann::json> ParseBody(
      const Call& call, const HttpResponse& response,
      const nlohmann::json::parser_callback_t& filter = nullptr);
  void Count(Verb verb);

  const RestConfig config_;
  const std::unique_ptr<Transport> transport_;
  Clock* const clock_;
  const RetryPolicy retry_;
  RateLimiter limiter_;
  Authenticator auth_;

  absl::Mutex random_mu_;
  std::function<double()> random_ ABSL_GUARDED_BY(random_mu_);
  std::mt19937_64 prng_ ABSL_GUARDED_BY(random_mu_);

  std::atomic<int64_t> counts_[7] = {};
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> auth_refreshes_{0};
  std::atomic<int64_t> throttled_ns_{0};
};

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_CLIENT_H_
