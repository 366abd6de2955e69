// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Kubernetes API errors as absl::Status. A failed call's Status body
// (kind: Status, reason, message, details.causes) becomes a Status with a
// canonical code, a message naming the verb, the object and the server, and
// an ApiError payload that callers read back with GetApiError(). Part of
// kube/.
//
// HTTP → code:
//   404 kNotFound            409 kAlreadyExists (reason AlreadyExists)
//   401 kUnauthenticated         kAborted (Conflict and anything else)
//   403 kPermissionDenied    400, 422 kInvalidArgument
//   429 kResourceExhausted   5xx kUnavailable (504/ServerTimeout/Timeout:
//   410 kOutOfRange (Gone:       kDeadlineExceeded; a 500 "field not
//       expired resourceVersion)  declared in schema" of a server-side
//                                 apply: kInvalidArgument)
//
// Messages never contain request bodies, tokens or keys: only what the
// server said about the request, which for Kubernetes never echoes Secret
// data.
//
// For text shown to a practitioner use `status.message()` or
// `status.ToString(absl::StatusToStringMode::kWithNoExtraData)`: the default
// ToString() also prints the ApiError payload as JSON.

#ifndef CVM_PROVIDER_KUBE_ERRORS_H_
#define CVM_PROVIDER_KUBE_ERRORS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cvm::kube {

// One entry of a Status body's details.causes.
struct StatusCause {
  std::string reason;   // "FieldValueRequired", "FieldManagerConflict"
  std::string message;  // "Required value", "conflict with \"kubectl\""
  std::string field;    // "spec.containers[0].image"

  friend bool operator==(const StatusCause&, const StatusCause&) = default;
};

// What the API server said about a failed request. Plain value.
struct ApiError {
  int http_status = 0;  // 404, 409, ...
  std::string reason;   // Status.reason: NotFound, Conflict, ...
  std::string message;  // Status.message (or the raw body, trimmed)
  std::vector<StatusCause> causes;
  std::string verb;                        // "PATCH"
  std::string object;                      // "pods default/ws-1" (or a path)
  std::string server;                      // "https://127.0.0.1:6443"
  std::optional<int> retry_after_seconds;  // from Retry-After, if any

  friend bool operator==(const ApiError&, const ApiError&) = default;
};

// The canonical code for an HTTP status and Status reason (table above).
// 2xx and other codes without a row map to kUnknown.
absl::StatusCode CodeForHttpStatus(int http_status, absl::string_view reason);

// Parses a response body. A JSON `kind: Status` body fills reason, message
// and causes; any other body becomes the message (trimmed to 512 bytes).
// Fills http_status; the caller fills verb, object, server and retry_after.
ApiError ParseApiError(int http_status, absl::string_view body);

// Renders `error` as a Status with the mapped code, the ApiError payload,
// and the message
//   "<verb> <object> on <server>: <http> <Reason>: <message>[; causes]"
// For an apply conflict (409 with FieldManagerConflict causes) the message
// names the conflicting managers and suggests the `force` option (the
// provider's `force_conflicts`); a 401 says the credentials were refused.
absl::Status ToStatus(const ApiError& error);

// The ApiError carried by a Status made by ToStatus (also after
// util::Annotate). nullopt for any other Status.
std::optional<ApiError> GetApiError(const absl::Status& status);

// The field managers named by an apply conflict's causes
// ("conflict with \"kubectl\" using v1" → "kubectl"), de-duplicated, in
// order. Empty when there are none.
std::vector<std::string> ConflictingManagers(const ApiError& error);

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_ERRORS_H_
