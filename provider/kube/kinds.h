// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The table of Kubernetes resource kinds the provider talks to, and
// ObjectRef, the {apiVersion, kind, namespace, name} address of one object.
// Callers name objects the way manifests do; this file turns that into REST
// paths (/api/v1/namespaces/ns/pods/name, /apis/node.k8s.io/v1/...).
// Part of kube/.

#ifndef CVM_PROVIDER_KUBE_KINDS_H_
#define CVM_PROVIDER_KUBE_KINDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace cvm::kube {

// One row of the kind table. Plain value; immutable once in the table.
struct ResourceKind {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string kind;     // "Pod"
  std::string plural;   // "pods"
  bool namespaced = true;

  // "v1" for the core group, "group/version" otherwise.
  std::string ApiVersion() const;
};

// The kinds known to the client: Pod, Secret, ConfigMap,
// PersistentVolumeClaim, PersistentVolume, Namespace, Node, Event (v1),
// RuntimeClass (node.k8s.io/v1), Lease (coordination.k8s.io/v1).
// The vector lives for the whole process.
const std::vector<ResourceKind>& KnownKinds();

// Looks a kind up by apiVersion and kind (both exact, case-sensitive).
// Returns kInvalidArgument naming the pair when it is not in the table.
absl::StatusOr<ResourceKind> LookupKind(absl::string_view api_version,
                                        absl::string_view kind);

// The address of one object. Plain copyable value.
struct ObjectRef {
  std::string api_version;  // "v1", "node.k8s.io/v1"
  std::string kind;         // "Pod"
  std::string ns;           // namespace; empty for cluster-scoped kinds
  std::string name;

  // Reads apiVersion, kind, metadata.namespace and metadata.name of a
  // manifest. Returns kInvalidArgument when one of apiVersion, kind or
  // metadata.name is missing or not a string.
  static absl::StatusOr<ObjectRef> FromObject(const nlohmann::json& object);

  // "pods default/ws-1" or "runtimeclasses sysbox-runc": the form every
  // error message uses. Falls back to the lower-cased kind when the kind is
  // not in the table.
  std::string Describe() const;

  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

// Builds the collection path of `kind` in namespace `ns`
// (/api/v1/namespaces/ns/pods, /apis/node.k8s.io/v1/runtimeclasses).
// REQUIRES: `ns` is non-empty for namespaced kinds when listing within one
// namespace; an empty `ns` on a namespaced kind yields the all-namespaces
// path (/api/v1/pods).
std::string CollectionPath(const ResourceKind& kind, absl::string_view ns);

// Builds the path of one object. Returns kInvalidArgument when the kind is
// unknown, the name is empty, a namespaced kind has no namespace, a
// cluster-scoped kind has one, or a name/namespace contains '/' or is "." or
// "..".
absl::StatusOr<std::string> ObjectPath(const ObjectRef& ref);

// Percent-encodes `text` for use in a URL query value (RFC 3986 unreserved
// characters are kept).
std::string EscapeQueryValue(absl::string_view text);

}  // namespace cvm::kube

#endif  // CVM_PROVIDER_KUBE_KINDS_H_
