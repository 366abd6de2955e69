// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// kube::Client's verbs: get, list, apply, create, delete, /version and
// events. Each builds a Call, hands it to Execute (client.cc) and reads the
// answer.

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "provider/kube/client.h"
#include "provider/kube/internal/client_call.h"
#include "provider/util/status_macros.h"

namespace cvm::kube {

using internal::Field;
using internal::Str;
using nlohmann::json;

namespace {

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

json::parser_callback_t internal::WithoutManagedFields() {
  // in_metadata[d]: whether the last key read at depth d was "metadata",
  // so a key at depth d + 1 is one of metadata's own.
  return [in_metadata = std::vector<bool>()](
             int depth, json::parse_event_t event, json& parsed) mutable {
    if (event != json::parse_event_t::key || depth < 1) return true;
    const auto at = static_cast<size_t>(depth);
    if (in_metadata.size() <= at) in_metadata.resize(at + 1);
    in_metadata[at] = parsed == "metadata";
    return !(in_metadata[at - 1] && parsed == "managedFields");
  };
}

FieldSet::FieldSet(std::initializer_list<absl::string_view> paths) {
  for (absl::string_view path : paths) {
    Node* node = &root_;
    for (absl::string_view step : absl::StrSplit(path, '.')) {
      node = &node->children[std::string(step)];
    }
    node->all = true;
  }
}

json::parser_callback_t FieldSet::Filter() const {
  // keys_at[d]: the node whose children the keys read at depth d are
  // (null: all kept); value_at[d]: the node of a value opened at depth d.
  // An array passes its node on to its elements. The parser still reports
  // the insides of a value it skips: they get `none`, which keeps nothing.
  static const Node none;
  return [managed = internal::WithoutManagedFields(),
          keys_at = std::vector<const Node*>(),
          value_at = std::vector<const Node*>{&root_}](
             int depth, json::parse_event_t event, json& parsed) mutable {
    const auto d = static_cast<size_t>(depth);
    if (value_at.size() < d + 2) value_at.resize(d + 2);
    if (keys_at.size() < d + 2) keys_at.resize(d + 2);
    switch (event) {
      case json::parse_event_t::object_start:
        keys_at[d + 1] = value_at[d];
        return true;
      case json::parse_event_t::array_start:
        value_at[d + 1] = value_at[d];
        return true;
      case json::parse_event_t::key: {
        const Node* parent = keys_at[d];
        if (!managed(depth, event, parsed)) {
          value_at[d] = &none;
          return false;
        }
        if (parent == nullptr) {
          value_at[d] = nullptr;
          return true;
        }
        auto it = parent->children.find(parsed.get_ref<const std::string&>());
        if (it == parent->children.end()) {
          value_at[d] = &none;
          return false;
        }
        value_at[d] = it->second.all ? nullptr : &it->second;
        return true;
      }
      default:
        return true;
    }
  };
}

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

absl::StatusOr<json> Client::ParseBody(const Call& call,
                                       const HttpResponse& response,
                                       const json::parser_callback_t& filter) {
  json j = json::parse(
      response.body, filter ? filter : internal::WithoutManagedFields(), false);
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
  return GetParsed(ref, opts, nullptr);
}

absl::StatusOr<json> Client::Get(const ObjectRef& ref,
                                 const RequestOptions& opts,
                                 const FieldSet& fields) {
  return GetParsed(ref, opts, fields.Filter());
}

absl::StatusOr<json> Client::GetParsed(const ObjectRef& ref,
                                       const RequestOptions& opts,
                                       const json::parser_callback_t& filter) {
  CVM_ASSIGN_OR_RETURN(std::string path, ObjectPath(ref));
  Call call;
  call.verb = Verb::kGet;
  call.path = std::move(path);
  call.object = ref.Describe();
  call.opts = opts;
  CVM_ASSIGN_OR_RETURN(HttpResponse response, Execute(call, nullptr));
  return ParseBody(call, response, filter);
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
  return ApplyParsed(object, apply, opts, nullptr);
}

absl::StatusOr<json> Client::Apply(const json& object,
                                   const ApplyOptions& apply,
                                   const RequestOptions& opts,
                                   const FieldSet& fields) {
  return ApplyParsed(object, apply, opts, fields.Filter());
}

absl::StatusOr<json> Client::ApplyParsed(
    const json& object, const ApplyOptions& apply, const RequestOptions& opts,
    const json::parser_callback_t& filter) {
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
  return ParseBody(call, response, filter);
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
  // and objects still terminating come back as themselves, of which a wait
  // needs only the metadata: the rest (a pod's spec, a Secret's data) is
  // skipped while parsing.
  static const FieldSet* const kAnswerFields =
      new FieldSet({"apiVersion", "kind", "metadata"});
  json answer = json::parse(response.body, kAnswerFields->Filter(), false);
  if (answer.is_discarded() || !answer.is_object()) return json::object();
  if (Str(answer, "kind") == "Status") return json(nullptr);
  return answer;
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
