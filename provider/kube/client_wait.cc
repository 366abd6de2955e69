// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// kube::Client's waits (WaitFor, WaitForDeletion): read the object once,
// then follow it with watch requests until the caller's predicate holds.

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "provider/kube/client.h"
#include "provider/kube/errors.h"
#include "provider/kube/internal/client_call.h"
#include "provider/util/status_macros.h"

namespace cvm::kube {

using internal::Field;
using internal::ResourceVersionOf;
using internal::Str;
using internal::UidOf;
using nlohmann::json;

namespace {

// A wait gives up after this many watch requests in a row failed to reach
// the server (each already retried by Execute): about half a minute of an
// unreachable API server, instead of spinning until a long timeout.
constexpr int kMaxWatchReconnects = 8;

// A json::parse callback for one watch event ({"type": .., "object": ..}):
// WithoutManagedFields, and for kStatus also drops the keys of the event
// object's spec but nodeName.
json::parser_callback_t EventFilter(WatchedFields fields) {
  if (fields == WatchedFields::kAll) return internal::WithoutManagedFields();
  return [managed = internal::WithoutManagedFields(), in_spec = false](
             int depth, json::parse_event_t event, json& parsed) mutable {
    const bool keep = managed(depth, event, parsed);
    if (event != json::parse_event_t::key) return keep;
    // Depth 1: the event's keys; 2: its object's; 3: those of the
    // object's field named by the last depth-2 key.
    if (depth == 2) in_spec = parsed == "spec";
    if (depth == 3 && in_spec && parsed != "nodeName") return false;
    return keep;
  };
}

// One watch response, read as it streams: splits the body into JSON lines
// and follows the watched object through the events, updating the caller's
// object and resourceVersion. Consume (a BodyChunkFn) returns false, which
// ends the request, once the wait is decided (outcome) or the
// resourceVersion has expired (gone).
class WatchStream {
 public:
  // `what` names the object on its server, for messages. Every argument
  // must outlive the stream.
  WatchStream(const ObjectRef& ref, const std::string& server,
              const std::string& what, const Predicate& predicate,
              WatchedFields fields, json* object, std::string* rv)
      : ref_(ref),
        server_(server),
        what_(what),
        predicate_(predicate),
        fields_(fields),
        object_(object),
        rv_(rv) {}

  bool Consume(absl::string_view chunk) {
    received_ = received_ || !chunk.empty();
    buffer_.append(chunk.data(), chunk.size());
    size_t start = 0;
    while (true) {
      size_t nl = buffer_.find('\n', start);
      if (nl == std::string::npos) break;
      absl::string_view line(buffer_.data() + start, nl - start);
      start = nl + 1;
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      json event =
          json::parse(line.begin(), line.end(), EventFilter(fields_), false);
      if (event.is_discarded() || !event.is_object()) continue;
      OnEvent(event);
      if (outcome_.has_value() || gone_) {
        buffer_.erase(0, start);
        return false;
      }
    }
    buffer_.erase(0, start);
    return true;
  }

  // Set when the wait is over: the object, or the error that ends it.
  std::optional<absl::StatusOr<json>>& outcome() { return outcome_; }
  // The server answered 410 Gone in the stream: the resourceVersion expired.
  bool gone() const { return gone_; }
  // Some of the body arrived: this watch reached the server.
  bool received() const { return received_; }

 private:
  void OnEvent(json& event) {
    std::string type = Str(event, "type");
    const json& obj = Field(event, "object");
    if (type == "ADDED" || type == "MODIFIED") {
      *object_ = std::move(event["object"]);
      *rv_ = ResourceVersionOf(*object_);
      absl::StatusOr<bool> ok = predicate_(*object_);
      if (!ok.ok()) {
        outcome_ = ok.status();
      } else if (*ok) {
        outcome_ = *object_;
      }
    } else if (type == "DELETED") {
      outcome_ = absl::NotFoundError(
          absl::StrCat(what_, " was deleted while waiting"));
    } else if (type == "BOOKMARK") {
      std::string bookmark = ResourceVersionOf(obj);
      if (!bookmark.empty()) *rv_ = bookmark;
    } else if (type == "ERROR") {
      int code = 0;
      const json& c = Field(obj, "code");
      if (c.is_number_integer()) code = c.get<int>();
      if (code == 410) {
        gone_ = true;
      } else {
        ApiError error = ParseApiError(code, obj.dump());
        error.verb = "WATCH";
        error.object = ref_.Describe();
        error.server = server_;
        outcome_ = ToStatus(error);
      }
    }
  }

  const ObjectRef& ref_;
  const std::string& server_;
  const std::string& what_;
  const Predicate& predicate_;
  const WatchedFields fields_;
  json* const object_;
  std::string* const rv_;
  std::optional<absl::StatusOr<json>> outcome_;
  bool gone_ = false;
  std::string buffer_;
  bool received_ = false;
};

// The path of a watch of `ref` from `rv` that the server ends after at most
// `left` (at least a second, at most 300 s; the waiter then resumes).
std::string WatchPath(const ResourceKind& kind, const ObjectRef& ref,
                      const std::string& rv, absl::Duration left) {
  left = std::min(left, absl::Seconds(299));
  int64_t timeout_seconds =
      std::max<int64_t>(absl::ToInt64Seconds(left) + 1, 1);
  return absl::StrCat(
      CollectionPath(kind, ref.ns), "?watch=1&fieldSelector=",
      EscapeQueryValue(absl::StrCat("metadata.name=", ref.name)),
      "&resourceVersion=", EscapeQueryValue(rv),
      "&allowWatchBookmarks=true&timeoutSeconds=", timeout_seconds);
}

absl::Status TimedOut(const std::string& what, const std::string& rv,
                      const absl::Status& last_failure) {
  return absl::DeadlineExceededError(absl::StrCat(
      "timed out waiting for ", what, " (last resourceVersion ", rv, ")",
      last_failure.ok()
          ? ""
          : absl::StrCat("; last error: ", last_failure.message())));
}

}  // namespace

Predicate HasCondition(std::string type, std::string status) {
  return [type = std::move(type), status = std::move(status)](
             const json& object) -> absl::StatusOr<bool> {
    const json& conditions = Field(Field(object, "status"), "conditions");
    if (!conditions.is_array()) return false;
    for (const json& c : conditions) {
      if (Str(c, "type") == type) return Str(c, "status") == status;
    }
    return false;
  };
}

absl::StatusOr<json> Client::WaitFor(const ObjectRef& ref,
                                     const Predicate& predicate,
                                     absl::Time deadline,
                                     const CancelToken* cancel,
                                     const std::optional<json>& last_seen,
                                     WatchedFields fields) {
  CVM_RETURN_IF_ERROR(ObjectPath(ref).status());
  if (last_seen.has_value() && last_seen->is_object() &&
      !ResourceVersionOf(*last_seen).empty()) {
    return WatchFrom(ref, *last_seen, predicate, deadline, cancel, fields);
  }
  absl::StatusOr<json> current = Get(ref, {deadline, cancel});
  if (!current.ok()) return current.status();
  return WatchFrom(ref, std::move(*current), predicate, deadline, cancel,
                   fields);
}

absl::StatusOr<json> Client::WatchFrom(const ObjectRef& ref, json object,
                                       const Predicate& predicate,
                                       absl::Time deadline,
                                       const CancelToken* cancel,
                                       WatchedFields fields) {
  CVM_ASSIGN_OR_RETURN(ResourceKind kind,
                       LookupKind(ref.api_version, ref.kind));
  const std::string what = absl::StrCat(ref.Describe(), " on ", config_.host);
  RequestOptions opts{deadline, cancel};
  absl::StatusOr<json> current;
  std::string rv = ResourceVersionOf(object);
  int failures = 0;
  absl::Status last_failure;
  while (true) {
    absl::StatusOr<bool> done = predicate(object);
    if (!done.ok()) return done.status();
    if (*done) return object;

    // Watch from `rv` until the predicate holds, the stream ends, or it
    // fails.
    WatchStream stream(ref, config_.host, what, predicate, fields, &object,
                       &rv);
    BodyChunkFn on_chunk = [&stream](absl::string_view chunk) -> bool {
      return stream.Consume(chunk);
    };
    absl::Time now = clock_->Now();
    Call call;
    call.verb = Verb::kWatch;
    call.path = WatchPath(kind, ref, rv, deadline - now);
    call.object = ref.Describe();
    call.streaming = true;
    call.opts = opts;
    absl::StatusOr<HttpResponse> response = Execute(call, &on_chunk);
    if (stream.outcome().has_value()) return std::move(*stream.outcome());
    bool gone = stream.gone();
    if (!response.ok()) {
      const absl::Status& s = response.status();
      if (absl::IsCancelled(s)) return s;
      if (absl::IsDeadlineExceeded(s) || clock_->Now() >= deadline) {
        return TimedOut(what, rv, last_failure);
      }
      if (absl::IsOutOfRange(s)) {
        gone = true;  // 410 on the watch request itself
      } else if (absl::IsUnavailable(s)) {
        last_failure = s;
        // A stream that worked, then dropped, is no sign of a lost server.
        failures = stream.received() ? 0 : failures + 1;
        if (failures >= kMaxWatchReconnects) {
          return absl::UnavailableError(absl::StrCat(
              "lost the API server while waiting for ", what, ": ", failures,
              " watch requests in a row failed; last error: ", s.message()));
        }
        // A dropped stream: back off a little, then resume from `rv`.
        absl::Duration wait = Backoff(std::min(std::max(failures - 1, 0), 5));
        if (!clock_->SleepFor(wait, cancel)) {
          return absl::CancelledError(
              absl::StrCat("waiting for ", what, ": cancelled"));
        }
        continue;
      } else {
        return s;
      }
    } else {
      failures = 0;
      last_failure = absl::OkStatus();
    }
    if (gone) {
      // The resourceVersion expired: read the object again and resume.
      current = Get(ref, opts);
      if (!current.ok()) return current.status();
      object = std::move(*current);
      rv = ResourceVersionOf(object);
      continue;
    }
    if (clock_->Now() >= deadline) return TimedOut(what, rv, absl::OkStatus());
    // The server ended the watch (timeoutSeconds): re-check the last object
    // seen (it was already checked) and watch again from `rv`.
  }
}

absl::Status Client::WaitForDeletion(
    const ObjectRef& ref, absl::Time deadline, const CancelToken* cancel,
    const std::optional<json>& deletion_answer) {
  if (deletion_answer.has_value() && deletion_answer->is_null()) {
    return absl::OkStatus();
  }
  absl::StatusOr<json> current =
      deletion_answer.has_value() && deletion_answer->is_object() &&
              !ResourceVersionOf(*deletion_answer).empty()
          ? absl::StatusOr<json>(*deletion_answer)
          : Get(ref, {deadline, cancel});
  if (absl::IsNotFound(current.status())) return absl::OkStatus();
  if (!current.ok()) return current.status();
  const std::string uid = UidOf(*current);
  absl::StatusOr<json> result = WatchFrom(
      ref, std::move(*current),
      [&uid](const json& object) -> absl::StatusOr<bool> {
        return !uid.empty() && UidOf(object) != uid;
      },
      deadline, cancel, WatchedFields::kStatus);
  if (result.ok() || absl::IsNotFound(result.status())) return absl::OkStatus();
  if (absl::IsDeadlineExceeded(result.status())) {
    return absl::DeadlineExceededError(
        absl::StrCat("timed out waiting for the deletion of ", ref.Describe(),
                     " on ", config_.host, " (it may be held by finalizers)"));
  }
  return result.status();
}

}  // namespace cvm::kube
