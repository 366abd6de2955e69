// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to kube/: what the units of kube::Client share. client.cc sends
// a Client::Call (rate limit, credentials, retries, error mapping);
// client_requests.cc and client_wait.cc build them and read the JSON that
// comes back with the field helpers below. Not part of the folder's
// contract; other folders must not include this header.

#ifndef CVM_PROVIDER_KUBE_INTERNAL_CLIENT_CALL_H_
#define CVM_PROVIDER_KUBE_INTERNAL_CLIENT_CALL_H_

#include <string>

#include "nlohmann/json.hpp"
#include "provider/kube/client.h"

namespace cvm::kube {

// One API call as Execute sends it, perhaps several times.
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

namespace internal {

// A json::parse callback that skips every object's metadata.managedFields
// (at any depth: an object, a watch event's object, a list's items) and
// keeps the rest, a map key named "managedFields" elsewhere included. The
// server-side apply bookkeeping is a third of a pod's JSON and nothing in
// the provider reads it. Each call returns a fresh callback (it keeps the
// keys of the current path); use it for one parse.
nlohmann::json::parser_callback_t WithoutManagedFields();

// object[key] when `object` is an object and that is a string, else "".
inline std::string Str(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// object[key] when `object` is an object that has it, else a null.
inline const nlohmann::json& Field(const nlohmann::json& object,
                                   const char* key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

inline std::string ResourceVersionOf(const nlohmann::json& object) {
  return Str(Field(object, "metadata"), "resourceVersion");
}

inline std::string UidOf(const nlohmann::json& object) {
  return Str(Field(object, "metadata"), "uid");
}

}  // namespace internal
}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_INTERNAL_CLIENT_CALL_H_
