// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/client.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "provider/kube/curl_transport.h"
#include "provider/kube/errors.h"
#include "provider/util/log.h"
#include "provider/util/status_macros.h"

namespace cvm::kube {

using nlohmann::json;

struct Client::Call {
  Verb verb = Verb::kGet;
  std::string method = "GET";
  std::string path;    // with query
  std::string object;  // "pods default/ws-1", for messages
  std::string body;
  std::string content_type;
  bool idempotent = true;  // retry 5xx and dropped connections
  bool streaming = false;  // no per-request timeout beyond the deadline
  RequestOptions opts;
};

namespace {

// A Retry-After longer than this is treated as this long.
constexpr int kMaxRetryAfterSeconds = 120;

// A wait gives up after this many watch requests in a row failed to reach
// the server (each already retried by Execute): about half a minute of an
// unreachable API server, instead of spinning until a long timeout.
constexpr int kMaxWatchReconnects = 8;

std::string Str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

const json& Field(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string ResourceVersionOf(const json& object) {
  return Str(Field(object, "metadata"), "resourceVersion");
}

std::string UidOf(const json& object) {
  return Str(Field(object, "metadata"), "uid");
}

absl::Time ParseTimestamp(const json& value) {
  if (!value.is_string()) return absl::InfinitePast();
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, value.get<std::string>(), &t,
                       &err)) {
    return absl::InfinitePast();
  }
  return t;
}

std::optional<int> RetryAfterSeconds(const HttpResponse& response) {
  std::optional<std::string> value = response.Header("retry-after");
  if (!value.has_value()) return std::nullopt;
  int seconds = 0;
  if (!absl::SimpleAtoi(*value, &seconds) || seconds < 0) return std::nullopt;
  return std::min(seconds, kMaxRetryAfterSeconds);
}

}  // namespace

std::vector<Event> FilterEvents(const std::vector<Event>& events,
                                absl::string_view type) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (e.type == type) out.push_back(e);
  }
  return out;
}

std::string FormatEvent(const Event& event) {
  std::string out = absl::StrCat(event.type, " ", event.reason);
  if (event.count > 1) absl::StrAppend(&out, " (x", event.count, ")");
  absl::StrAppend(&out, ": ", event.message);
  return out;
}

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

absl::StatusOr<std::unique_ptr<Client>> Client::Create(
    RestConfig config, std::unique_ptr<Transport> transport,
    ClientHooks hooks) {
  if (config.host.empty()) {
    return absl::InvalidArgumentError("kube client: the server host is empty");
  }
  if (config.burst < 1) config.burst = 1;
  if (transport == nullptr) {
    CVM_ASSIGN_OR_RETURN(
        std::unique_ptr<CurlTransport> curl,
        CurlTransport::Create(CurlTransport::OptionsFrom(config)));
    transport = std::move(curl);
  }
  util::LogDebug("kube: client created", {{"config", config.Describe()}});
  return std::unique_ptr<Client>(
      new Client(std::move(config), std::move(transport), std::move(hooks)));
}

Client::Client(RestConfig config, std::unique_ptr<Transport> transport,
               ClientHooks hooks)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      clock_(hooks.clock != nullptr ? hooks.clock : Clock::Real()),
      retry_(hooks.retry),
      limiter_(config_.qps, config_.burst, clock_),
      auth_(config_, clock_),
      random_(std::move(hooks.random)),
      prng_(std::random_device{}()) {}

Client::~Client() = default;

void Client::Count(Verb verb) { counts_[static_cast<int>(verb)].fetch_add(1); }

ClientStats Client::Stats() const {
  ClientStats s;
  s.get = counts_[static_cast<int>(Verb::kGet)].load();
  s.list = counts_[static_cast<int>(Verb::kList)].load();
  s.watch = counts_[static_cast<int>(Verb::kWatch)].load();
  s.create = counts_[static_cast<int>(Verb::kCreate)].load();
  s.apply = counts_[static_cast<int>(Verb::kApply)].load();
  s.del = counts_[static_cast<int>(Verb::kDelete)].load();
  s.other = counts_[static_cast<int>(Verb::kOther)].load();
  s.retries = retries_.load();
  s.auth_refreshes = auth_refreshes_.load();
  s.exec_runs = auth_.exec_runs();
  s.throttled = absl::Nanoseconds(throttled_ns_.load());
  return s;
}

absl::Duration Client::Backoff(int attempt) {
  absl::Duration d = retry_.initial_backoff * std::pow(2.0, attempt);
  d = std::min(d, retry_.max_backoff);
  double r;
  {
    absl::MutexLock lock(&random_mu_);
    r = random_ ? random_()
                : std::uniform_real_distribution<double>(0, 1)(prng_);
  }
  // "Equal jitter": half fixed, half random.
  return d / 2 + d / 2 * r;
}

absl::StatusOr<HttpResponse> Client::Execute(const Call& call,
                                             const BodyChunkFn* on_chunk) {
  const std::string context =
      absl::StrCat(call.method, " ", call.object, " on ", config_.host);
  const absl::Time deadline = call.opts.deadline;
  const CancelToken* cancel = call.opts.cancel;
  bool refreshed_auth = false;
  absl::Status last_error;
  for (int attempt = 0;; ++attempt) {
    if (IsCancelled(cancel)) {
      return absl::CancelledError(absl::StrCat(context, ": cancelled"));
    }
    absl::Time start = clock_->Now();
    if (start >= deadline) {
      if (!last_error.ok()) {
        return absl::DeadlineExceededError(absl::StrCat(
            context,
            ": deadline exceeded; last error: ", last_error.message()));
      }
      return absl::DeadlineExceededError(
          absl::StrCat(context, ": deadline exceeded"));
    }
    absl::Status limited = limiter_.Acquire(deadline, cancel);
    if (!limited.ok()) return util::Annotate(limited, context);
    absl::Time now = clock_->Now();
    if (now > start)
      throttled_ns_.fetch_add(absl::ToInt64Nanoseconds(now - start));

    absl::StatusOr<Credentials> creds = auth_.Get(deadline, cancel);
    if (!creds.ok()) {
      return util::Annotate(creds.status(),
                            absl::StrCat(context, ": getting credentials"));
    }

    HttpRequest request;
    request.method = call.method;
    request.path = call.path;
    request.body = call.body;
    request.cancel = cancel;
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("User-Agent", config_.user_agent);
    if (!call.content_type.empty()) {
      request.headers.emplace_back("Content-Type", call.content_type);
    }
    if (!creds->token.empty()) {
      request.headers.emplace_back("Authorization",
                                   absl::StrCat("Bearer ", creds->token));
    }
    request.client_certificate_pem = creds->client_certificate_pem;
    request.client_key_pem = creds->client_key_pem;
    absl::Duration remaining = deadline - now;
    request.timeout = call.streaming
                          ? remaining
                          : std::min(config_.request_timeout, remaining);

    Count(call.verb);
    absl::Time sent = clock_->Now();
    absl::StatusOr<HttpResponse> response =
        on_chunk != nullptr ? transport_->Stream(request, *on_chunk)
                            : transport_->Send(request);
    if (util::Logger::Default().Enabled(util::LogLevel::kDebug)) {
      std::string status_text =
          response.ok()
              ? absl::StrCat(response->status)
              : std::string(absl::StatusCodeToString(response.status().code()));
      std::string ms =
          absl::StrCat(absl::ToInt64Milliseconds(clock_->Now() - sent));
      util::LogDebug("kube request", {{"method", call.method},
                                      {"path", call.path},
                                      {"status", status_text},
                                      {"duration_ms", ms}});
    }

    bool more = attempt + 1 < retry_.max_attempts;
    if (!response.ok()) {
      const absl::Status& s = response.status();
      if (absl::IsCancelled(s) || IsCancelled(cancel)) {
        return absl::CancelledError(absl::StrCat(context, ": cancelled"));
      }
      bool retryable =
          IsConnectFailure(s) ||
          (call.idempotent && !call.streaming && absl::IsUnavailable(s));
      if (!retryable || !more) return util::Annotate(s, context);
      last_error = s;
      absl::Duration wait = Backoff(attempt);
      if (clock_->Now() + wait >= deadline) return util::Annotate(s, context);
      retries_.fetch_add(1);
      if (!clock_->SleepFor(wait, cancel)) {
        return absl::CancelledError(absl::StrCat(context, ": cancelled"));
      }
      continue;
    }

    const int code = response->status;
    if (code >= 200 && code <= 299) return response;

    if (code == 401 && !refreshed_auth &&
        auth_.InvalidateAfterUnauthorized(*creds)) {
      refreshed_auth = true;
      auth_refreshes_.fetch_add(1);
      --attempt;  // a credential refresh is not a retry
      continue;
    }

    ApiError error = ParseApiError(code, response->body);
    error.verb = call.method;
    error.object = call.object;
    error.server = config_.host;
    std::optional<int> retry_after = RetryAfterSeconds(*response);
    error.retry_after_seconds = retry_after;
    absl::Status status = ToStatus(error);

    bool server_error = code >= 500 && code != 501;
    bool retryable = code == 429 || (server_error && retry_after.has_value()) ||
                     (server_error && call.idempotent);
    if (!retryable || !more) return status;
    absl::Duration wait = retry_after.has_value() ? absl::Seconds(*retry_after)
                                                  : Backoff(attempt);
    if (clock_->Now() + wait >= deadline) return status;
    last_error = status;
    retries_.fetch_add(1);
    if (!clock_->SleepFor(wait, cancel)) {
      return absl::CancelledError(absl::StrCat(context, ": cancelled"));
    }
  }
}

namespace {

// A json::parse callback for a list body that keeps, of each item, the
// metadata fields that identify it. Depths: 1 the list's own keys, 3 an
// item's keys, 4 an item's metadata keys (the list's metadata keys are at
// 2).
bool KeepItemIdentity(int depth, json::parse_event_t event, json& parsed) {
  if (event != json::parse_event_t::key) return true;
  if (depth == 3) {
    return parsed == "metadata" || parsed == "apiVersion" || parsed == "kind";
  }
  if (depth == 4) {
    return parsed == "name" || parsed == "namespace" || parsed == "uid" ||
           parsed == "resourceVersion" || parsed == "labels" ||
           parsed == "deletionTimestamp";
  }
  return true;
}

}  // namespace

absl::StatusOr<json> Client::ParseBody(const Call& call,
                                       const HttpResponse& response,
                                       const json::parser_callback_t& filter) {
  json j = json::parse(response.body, filter, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InternalError(absl::StrCat(call.method, " ", call.object,
                                            " on ", config_.host,
                                            ": the response is not a JSON "
                                            "object"));
  }
  return j;
}

absl::StatusOr<json> Client::Get(const ObjectRef& ref,
                                 const RequestOptions& opts) {
  CVM_ASSIGN_OR_RETURN(std::string path, ObjectPath(ref));
  Call call;
  call.verb = Verb::kGet;
  call.path = std::move(path);
  call.object = ref.Describe();
  call.opts = opts;
  CVM_ASSIGN_OR_RETURN(HttpResponse response, Execute(call, nullptr));
  return ParseBody(call, response);
}

absl::StatusOr<ListResult> Client::List(absl::string_view api_version,
                                        absl::string_view kind,
                                        absl::string_view ns,
                                        const ListOptions& list,
                                        const RequestOptions& opts) {
  CVM_ASSIGN_OR_RETURN(ResourceKind k, LookupKind(api_version, kind));
  const std::string base = CollectionPath(k, ns);
  ListResult result;
  std::string continue_token;
  do {
    std::vector<std::string> query;
    if (!list.label_selector.empty()) {
      query.push_back(absl::StrCat("labelSelector=",
                                   EscapeQueryValue(list.label_selector)));
    }
    if (!list.field_selector.empty()) {
      query.push_back(absl::StrCat("fieldSelector=",
                                   EscapeQueryValue(list.field_selector)));
    }
    if (list.page_size > 0) {
      query.push_back(absl::StrCat("limit=", list.page_size));
    }
    if (!continue_token.empty()) {
      query.push_back(
          absl::StrCat("continue=", EscapeQueryValue(continue_token)));
    }
    Call call;
    call.verb = Verb::kList;
    call.path = base;
    if (!query.empty())
      absl::StrAppend(&call.path, "?", absl::StrJoin(query, "&"));
    call.object = ns.empty() || !k.namespaced
                      ? k.plural
                      : absl::StrCat(k.plural, " in namespace ", ns);
    call.opts = opts;
    CVM_ASSIGN_OR_RETURN(HttpResponse response, Execute(call, nullptr));
    CVM_ASSIGN_OR_RETURN(
        json body,
        ParseBody(call, response,
                  list.identity_only ? json::parser_callback_t(KeepItemIdentity)
                                     : nullptr));
    response.body.clear();
    response.body.shrink_to_fit();
    if (auto items = body.find("items");
        items != body.end() && items->is_array()) {
      for (json& item : *items) {
        if (item.is_object()) {
          if (!item.contains("apiVersion")) item["apiVersion"] = k.ApiVersion();
          if (!item.contains("kind")) item["kind"] = k.kind;
        }
        if (list.on_item) {
          list.on_item(std::move(item));
        } else {
          result.items.push_back(std::move(item));
        }
      }
    }
    const json& metadata = Field(body, "metadata");
    result.resource_version = Str(metadata, "resourceVersion");
    continue_token = Str(metadata, "continue");
  } while (!continue_token.empty());
  return result;
}

absl::StatusOr<json> Client::Apply(const json& object,
                                   const ApplyOptions& apply,
                                   const RequestOptions& opts) {
  CVM_ASSIGN_OR_RETURN(ObjectRef ref, ObjectRef::FromObject(object));
  CVM_ASSIGN_OR_RETURN(std::string path, ObjectPath(ref));
  if (apply.field_manager.empty()) {
    return absl::InvalidArgumentError("apply: the field manager is empty");
  }
  Call call;
  call.verb = Verb::kApply;
  call.method = "PATCH";
  call.path = absl::StrCat(
      path, "?fieldManager=", EscapeQueryValue(apply.field_manager));
  if (apply.force) call.path += "&force=true";
  if (apply.dry_run) call.path += "&dryRun=All";
  call.object = ref.Describe();
  call.body = object.dump();
  call.content_type = "application/apply-patch+yaml";
  call.idempotent = true;
  call.opts = opts;
  CVM_ASSIGN_OR_RETURN(HttpResponse response, Execute(call, nullptr));
  return ParseBody(call, response);
}

absl::StatusOr<json> Client::Create(const json& object,
                                    const RequestOptions& opts) {
  CVM_ASSIGN_OR_RETURN(ObjectRef ref, ObjectRef::FromObject(object));
  CVM_ASSIGN_OR_RETURN(ResourceKind kind,
                       LookupKind(ref.api_version, ref.kind));
  CVM_RETURN_IF_ERROR(ObjectPath(ref).status());  // validates the ref
  Call call;
  call.verb = Verb::kCreate;
  call.method = "POST";
  call.path = CollectionPath(kind, ref.ns);
  call.object = ref.Describe();
  call.body = object.dump();
  call.content_type = "application/json";
  call.idempotent = false;
  call.opts = opts;
  CVM_ASSIGN_OR_RETURN(HttpResponse response, Execute(call, nullptr));
  return ParseBody(call, response);
}

absl::StatusOr<json> Client::Delete(const ObjectRef& ref,
                                    const DeleteOptions& del,
                                    const RequestOptions& opts) {
  CVM_ASSIGN_OR_RETURN(std::string path, ObjectPath(ref));
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!del.propagation_policy.empty()) {
    body["propagationPolicy"] = del.propagation_policy;
  }
  if (del.uid.has_value() || del.resource_version.has_value()) {
    json pre = json::object();
    if (del.uid.has_value()) pre["uid"] = *del.uid;
    if (del.resource_version.has_value()) {
      pre["resourceVersion"] = *del.resource_version;
    }
    body["preconditions"] = pre;
  }
  if (del.grace_period_seconds.has_value()) {
    body["gracePeriodSeconds"] = *del.grace_period_seconds;
  }
  if (del.dry_run) body["dryRun"] = json::array({"All"});
  Call call;
  call.verb = Verb::kDelete;
  call.method = "DELETE";
  call.path = std::move(path);
  if (del.dry_run) call.path += "?dryRun=All";
  call.object = ref.Describe();
  call.body = body.dump();
  call.content_type = "application/json";
  call.idempotent = true;
  call.opts = opts;
  CVM_ASSIGN_OR_RETURN(HttpResponse response, Execute(call, nullptr));
  // The generic registry answers a completed deletion with a Status (so
  // that clients can tell it from one still waiting for finalizers); pods
  // and objects still terminating come back as themselves.
  json answer = json::parse(response.body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) return json::object();
  if (Str(answer, "kind") == "Status") return json(nullptr);
  return answer;
}

absl::StatusOr<json> Client::WaitFor(const ObjectRef& ref,
                                     const Predicate& predicate,
                                     absl::Time deadline,
                                     const CancelToken* cancel,
                                     const std::optional<json>& last_seen) {
  CVM_RETURN_IF_ERROR(ObjectPath(ref).status());
  if (last_seen.has_value() && last_seen->is_object() &&
      !ResourceVersionOf(*last_seen).empty()) {
    return WatchFrom(ref, *last_seen, predicate, deadline, cancel);
  }
  absl::StatusOr<json> current = Get(ref, {deadline, cancel});
  if (!current.ok()) return current.status();
  return WatchFrom(ref, std::move(*current), predicate, deadline, cancel);
}

absl::StatusOr<json> Client::WatchFrom(const ObjectRef& ref, json object,
                                       const Predicate& predicate,
                                       absl::Time deadline,
                                       const CancelToken* cancel) {
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
    // fails. `outcome` set means the wait is over.
    std::optional<absl::StatusOr<json>> outcome;
    bool gone = false;
    std::string buffer;
    bool received = false;  // this watch reached the server
    BodyChunkFn on_chunk = [&](absl::string_view chunk) -> bool {
      received = received || !chunk.empty();
      buffer.append(chunk.data(), chunk.size());
      size_t start = 0;
      while (true) {
        size_t nl = buffer.find('\n', start);
        if (nl == std::string::npos) break;
        absl::string_view line(buffer.data() + start, nl - start);
        start = nl + 1;
        if (absl::StripAsciiWhitespace(line).empty()) continue;
        json event = json::parse(line.begin(), line.end(), nullptr, false);
        if (event.is_discarded() || !event.is_object()) continue;
        std::string type = Str(event, "type");
        const json& obj = Field(event, "object");
        if (type == "ADDED" || type == "MODIFIED") {
          object = obj;
          rv = ResourceVersionOf(obj);
          absl::StatusOr<bool> ok = predicate(object);
          if (!ok.ok()) {
            outcome = ok.status();
          } else if (*ok) {
            outcome = object;
          }
        } else if (type == "DELETED") {
          outcome = absl::NotFoundError(
              absl::StrCat(what, " was deleted while waiting"));
        } else if (type == "BOOKMARK") {
          std::string bookmark = ResourceVersionOf(obj);
          if (!bookmark.empty()) rv = bookmark;
        } else if (type == "ERROR") {
          int code = 0;
          const json& c = Field(obj, "code");
          if (c.is_number_integer()) code = c.get<int>();
          if (code == 410) {
            gone = true;
          } else {
            ApiError error = ParseApiError(code, obj.dump());
            error.verb = "WATCH";
            error.object = ref.Describe();
            error.server = config_.host;
            outcome = ToStatus(error);
          }
        }
        if (outcome.has_value() || gone) {
          buffer.erase(0, start);
          return false;
        }
      }
      buffer.erase(0, start);
      return true;
    };

    absl::Time now = clock_->Now();
    // The server ends the watch after timeoutSeconds; we then resume.
    absl::Duration left = std::min(deadline - now, absl::Seconds(299));
    int64_t timeout_seconds =
        std::max<int64_t>(absl::ToInt64Seconds(left) + 1, 1);
    Call call;
    call.verb = Verb::kWatch;
    call.path = absl::StrCat(
        CollectionPath(kind, ref.ns), "?watch=1&fieldSelector=",
        EscapeQueryValue(absl::StrCat("metadata.name=", ref.name)),
        "&resourceVersion=", EscapeQueryValue(rv),
        "&allowWatchBookmarks=true&timeoutSeconds=", timeout_seconds);
    call.object = ref.Describe();
    call.streaming = true;
    call.opts = opts;
    absl::StatusOr<HttpResponse> response = Execute(call, &on_chunk);
    if (outcome.has_value()) return std::move(*outcome);
    if (!response.ok()) {
      const absl::Status& s = response.status();
      if (absl::IsCancelled(s)) return s;
      if (absl::IsDeadlineExceeded(s) || clock_->Now() >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            "timed out waiting for ", what, " (last resourceVersion ", rv, ")",
            last_failure.ok() ? ""
                              : absl::StrCat("; last error: ",
                                             last_failure.message())));
      }
      if (absl::IsOutOfRange(s)) {
        gone = true;  // 410 on the watch request itself
      } else if (absl::IsUnavailable(s)) {
        last_failure = s;
        // A stream that worked, then dropped, is no sign of a lost server.
        failures = received ? 0 : failures + 1;
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
    if (clock_->Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "timed out waiting for ", what, " (last resourceVersion ", rv, ")"));
    }
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
      deadline, cancel);
  if (result.ok() || absl::IsNotFound(result.status())) return absl::OkStatus();
  if (absl::IsDeadlineExceeded(result.status())) {
    return absl::DeadlineExceededError(
        absl::StrCat("timed out waiting for the deletion of ", ref.Describe(),
                     " on ", config_.host, " (it may be held by finalizers)"));
  }
  return result.status();
}

absl::StatusOr<ServerVersion> Client::GetServerVersion(
    const RequestOptions& opts) {
  Call call;
  call.verb = Verb::kOther;
  call.path = "/version";
  call.object = "/version";
  call.opts = opts;
  CVM_ASSIGN_OR_RETURN(HttpResponse response, Execute(call, nullptr));
  CVM_ASSIGN_OR_RETURN(json body, ParseBody(call, response));
  ServerVersion v;
  v.git_version = Str(body, "gitVersion");
  v.platform = Str(body, "platform");
  std::string major = Str(body, "major");
  std::string minor = Str(body, "minor");
  auto digits = [](std::string s) {
    size_t end = 0;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    return s.substr(0, end);
  };
  if (!absl::SimpleAtoi(digits(major), &v.major) ||
      !absl::SimpleAtoi(digits(minor), &v.minor)) {
    return absl::InternalError(absl::StrCat("GET /version on ", config_.host,
                                            ": unreadable version major \"",
                                            major, "\" minor \"", minor, "\""));
  }
  return v;
}

absl::StatusOr<std::vector<Event>> Client::Events(const ObjectRef& ref,
                                                  const RequestOptions& opts) {
  std::string selector = absl::StrCat("involvedObject.name=", ref.name,
                                      ",involvedObject.kind=", ref.kind);
  if (!ref.ns.empty()) {
    absl::StrAppend(&selector, ",involvedObject.namespace=", ref.ns);
  }
  ListOptions list;
  list.field_selector = selector;
  CVM_ASSIGN_OR_RETURN(ListResult result,
                       List("v1", "Event", ref.ns, list, opts));
  std::vector<Event> events;
  for (const json& item : result.items) {
    Event e;
    e.type = Str(item, "type");
    e.reason = Str(item, "reason");
    e.message = Str(item, "message");
    const json& count = Field(item, "count");
    if (count.is_number_integer()) e.count = count.get<int64_t>();
    const json& series = Field(item, "series");
    const json& series_count = Field(series, "count");
    if (series_count.is_number_integer()) e.count = series_count.get<int64_t>();
    for (absl::Time t : {ParseTimestamp(Field(series, "lastObservedTime")),
                         ParseTimestamp(Field(item, "lastTimestamp")),
                         ParseTimestamp(Field(item, "eventTime")),
                         ParseTimestamp(Field(item, "firstTimestamp")),
                         ParseTimestamp(Field(Field(item, "metadata"),
                                              "creationTimestamp"))}) {
      if (t != absl::InfinitePast()) {
        e.last_seen = t;
        break;
      }
    }
    e.source = Str(item, "reportingComponent");
    if (e.source.empty()) e.source = Str(Field(item, "source"), "component");
    e.object = item;
    events.push_back(std::move(e));
  }
  std::stable_sort(
      events.begin(), events.end(),
      [](const Event& a, const Event& b) { return a.last_seen < b.last_seen; });
  return events;
}

}  // namespace cvm::kube
