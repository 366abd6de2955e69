// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/errors.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace cvm::kube {
namespace {

constexpr char kApiErrorUrl[] = "type.googleapis.com/cvm.kube.ApiError";
constexpr size_t kMaxRawBody = 512;

using nlohmann::json;

std::string StringField(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

const char* HttpReasonPhrase(int http_status) {
  switch (http_status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "RequestEntityTooLarge";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 502:
      return "BadGateway";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "";
  }
}

json ToJson(const ApiError& e) {
  json causes = json::array();
  for (const StatusCause& c : e.causes) {
    causes.push_back(
        {{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
  }
  json out = {{"http_status", e.http_status},
              {"reason", e.reason},
              {"message", e.message},
              {"causes", causes},
              {"verb", e.verb},
              {"object", e.object},
              {"server", e.server}};
  if (e.retry_after_seconds.has_value()) {
    out["retry_after_seconds"] = *e.retry_after_seconds;
  }
  return out;
}

}  // namespace

absl::StatusCode CodeForHttpStatus(int http_status, absl::string_view reason) {
  switch (http_status) {
    case 400:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists
                                       : absl::StatusCode::kAborted;
    case 410:
      return absl::StatusCode::kOutOfRange;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      break;
  }
  if (http_status >= 500 && http_status <= 599) {
    if (reason == "ServerTimeout" || reason == "Timeout") {
      return absl::StatusCode::kDeadlineExceeded;
    }
    return absl::StatusCode::kUnavailable;
  }
  if (http_status >= 400 && http_status <= 499) {
    return absl::StatusCode::kFailedPrecondition;
  }
  return absl::StatusCode::kUnknown;
}

ApiError ParseApiError(int http_status, absl::string_view body) {
  ApiError error;
  error.http_status = http_status;
  json parsed = json::parse(body.begin(), body.end(), nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object() &&
      StringField(parsed, "kind") == "Status") {
    error.reason = StringField(parsed, "reason");
    error.message = StringField(parsed, "message");
    auto details = parsed.find("details");
    if (details != parsed.end() && details->is_object()) {
      auto causes = details->find("causes");
      if (causes != details->end() && causes->is_array()) {
        for (const json& c : *causes) {
          if (!c.is_object()) continue;
          error.causes.push_back({StringField(c, "reason"),
                                  StringField(c, "message"),
                                  StringField(c, "field")});
        }
      }
    }
  } else {
    absl::string_view text = absl::StripAsciiWhitespace(body);
    if (text.size() > kMaxRawBody) {
      error.message = absl::StrCat(text.substr(0, kMaxRawBody), "...");
    } else {
      error.message = std::string(text);
    }
  }
  if (error.reason.empty()) error.reason = HttpReasonPhrase(http_status);
  return error;
}

std::vector<std::string> ConflictingManagers(const ApiError& error) {
  std::vector<std::string> managers;
  for (const StatusCause& c : error.causes) {
    if (c.reason != "FieldManagerConflict") continue;
    // "conflict with \"kubectl\" using v1" or "conflict with \"kubectl\"".
    size_t open = c.message.find('"');
    if (open == std::string::npos) continue;
    size_t close = c.message.find('"', open + 1);
    if (close == std::string::npos) continue;
    std::string name = c.message.substr(open + 1, close - open - 1);
    bool seen = false;
    for (const std::string& m : managers) seen = seen || m == name;
    if (!seen) managers.push_back(name);
  }
  return managers;
}

absl::Status ToStatus(const ApiError& error) {
  std::string text;
  if (!error.verb.empty()) {
    absl::StrAppend(&text, error.verb, " ");
  }
  absl::StrAppend(&text, error.object);
  if (!error.server.empty()) absl::StrAppend(&text, " on ", error.server);
  absl::StrAppend(&text, ": ", error.http_status);
  if (!error.reason.empty()) absl::StrAppend(&text, " ", error.reason);
  if (!error.message.empty()) absl::StrAppend(&text, ": ", error.message);
  // Causes the message does not already spell out.
  std::vector<std::string> extra;
  for (const StatusCause& c : error.causes) {
    if (c.reason == "FieldManagerConflict") continue;
    std::string line =
        c.field.empty() ? c.message : absl::StrCat(c.field, ": ", c.message);
    if (line.empty() || absl::StrContains(error.message, line)) continue;
    extra.push_back(line);
  }
  if (!extra.empty()) {
    absl::StrAppend(&text, " (", absl::StrJoin(extra, "; "), ")");
  }
  std::vector<std::string> managers = ConflictingManagers(error);
  if (error.http_status == 409 && !managers.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& m : managers)
      quoted.push_back(absl::StrCat("\"", m, "\""));
    absl::StrAppend(
        &text, "; the fields are owned by field manager ",
        absl::StrJoin(quoted, ", "),
        ": change the configuration to agree with it, or apply with force = "
        "true (the provider's force_conflicts option) to take ownership of "
        "the conflicting fields");
  }
  if (error.http_status == 401) {
    absl::StrAppend(&text,
                    "; the API server did not accept the credentials (a "
                    "revoked or expired token, or a client certificate it "
                    "does not trust): check the token, exec plugin or "
                    "client certificate of the provider");
  }
  if (error.retry_after_seconds.has_value()) {
    absl::StrAppend(&text, " (retry after ", *error.retry_after_seconds, "s)");
  }
  absl::StatusCode code = CodeForHttpStatus(error.http_status, error.reason);
  // A server-side apply of a field its schema lacks: Kubernetes before 1.25
  // answers 500, but the request is at fault and a retry fails the same way.
  if (error.http_status == 500 &&
      absl::StrContains(error.message, "field not declared in schema")) {
    code = absl::StatusCode::kInvalidArgument;
  }
  absl::Status status(code, text);
  status.SetPayload(kApiErrorUrl, absl::Cord(ToJson(error).dump()));
  return status;
}

std::optional<ApiError> GetApiError(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kApiErrorUrl);
  if (!payload.has_value()) return std::nullopt;
  std::string text(*payload);
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  ApiError e;
  auto http = j.find("http_status");
  if (http != j.end() && http->is_number_integer())
    e.http_status = http->get<int>();
  e.reason = StringField(j, "reason");
  e.message = StringField(j, "message");
  e.verb = StringField(j, "verb");
  e.object = StringField(j, "object");
  e.server = StringField(j, "server");
  auto causes = j.find("causes");
  if (causes != j.end() && causes->is_array()) {
    for (const json& c : *causes) {
      e.causes.push_back({StringField(c, "reason"), StringField(c, "message"),
                          StringField(c, "field")});
    }
  }
  auto retry = j.find("retry_after_seconds");
  if (retry != j.end() && retry->is_number_integer()) {
    e.retry_after_seconds = retry->get<int>();
  }
  return e;
}

}  // namespace cvm::kube
