// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/kube/kinds.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cvm::kube {
namespace {

absl::Status CheckSegment(absl::string_view what, absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  }
  if (value == "." || value == ".." || absl::StrContains(value, "/") ||
      absl::StrContains(value, "%")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", value, "\" is not a valid path segment"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ResourceKind::ApiVersion() const {
  if (group.empty()) return version;
  return absl::StrCat(group, "/", version);
}

const std::vector<ResourceKind>& KnownKinds() {
  static const auto* kinds = new std::vector<ResourceKind>{
      {"", "v1", "Pod", "pods", true},
      {"", "v1", "Secret", "secrets", true},
      {"", "v1", "ConfigMap", "configmaps", true},
      {"", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true},
      {"", "v1", "PersistentVolume", "persistentvolumes", false},
      {"", "v1", "Namespace", "namespaces", false},
      {"", "v1", "Node", "nodes", false},
      {"", "v1", "Event", "events", true},
      {"", "v1", "ServiceAccount", "serviceaccounts", true},
      {"node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false},
      {"coordination.k8s.io", "v1", "Lease", "leases", true},
  };
  return *kinds;
}

absl::StatusOr<ResourceKind> LookupKind(absl::string_view api_version,
                                        absl::string_view kind) {
  for (const ResourceKind& k : KnownKinds()) {
    if (k.kind == kind && k.ApiVersion() == api_version) return k;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported kind \"", kind, "\" of apiVersion \"", api_version, "\""));
}

absl::StatusOr<ObjectRef> ObjectRef::FromObject(const nlohmann::json& object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError("object is not a JSON object");
  }
  ObjectRef ref;
  auto api_version = object.find("apiVersion");
  if (api_version == object.end() || !api_version->is_string()) {
    return absl::InvalidArgumentError("object has no string apiVersion");
  }
  ref.api_version = api_version->get<std::string>();
  auto kind = object.find("kind");
  if (kind == object.end() || !kind->is_string()) {
    return absl::InvalidArgumentError("object has no string kind");
  }
  ref.kind = kind->get<std::string>();
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) {
    return absl::InvalidArgumentError("object has no metadata");
  }
  auto name = metadata->find("name");
  if (name == metadata->end() || !name->is_string()) {
    return absl::InvalidArgumentError("object has no string metadata.name");
  }
  ref.name = name->get<std::string>();
  auto ns = metadata->find("namespace");
  if (ns != metadata->end()) {
    if (!ns->is_string()) {
      return absl::InvalidArgumentError("metadata.namespace is not a string");
    }
    ref.ns = ns->get<std::string>();
  }
  return ref;
}

std::string ObjectRef::Describe() const {
  std::string plural;
  absl::StatusOr<ResourceKind> k = LookupKind(api_version, kind);
  if (k.ok()) {
    plural = k->plural;
  } else {
    plural = absl::AsciiStrToLower(kind);
  }
  if (ns.empty()) return absl::StrCat(plural, " ", name);
  return absl::StrCat(plural, " ", ns, "/", name);
}

std::string CollectionPath(const ResourceKind& kind, absl::string_view ns) {
  std::string path = kind.group.empty() ? absl::StrCat("/api/", kind.version)
                                        : absl::StrCat("/apis/", kind.group,
                                                       "/", kind.version);
  if (kind.namespaced && !ns.empty()) {
    absl::StrAppend(&path, "/namespaces/", ns);
  }
  absl::StrAppend(&path, "/", kind.plural);
  return path;
}

absl::StatusOr<std::string> ObjectPath(const ObjectRef& ref) {
  absl::StatusOr<ResourceKind> kind = LookupKind(ref.api_version, ref.kind);
  if (!kind.ok()) return kind.status();
  if (absl::Status s = CheckSegment("name", ref.name); !s.ok()) return s;
  if (kind->namespaced) {
    if (ref.ns.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ref.kind, " \"", ref.name,
                       "\" is namespaced but no namespace was given"));
    }
    if (absl::Status s = CheckSegment("namespace", ref.ns); !s.ok()) return s;
  } else if (!ref.ns.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ref.kind, " is cluster-scoped but namespace \"", ref.ns,
                     "\" was given"));
  }
  return absl::StrCat(CollectionPath(*kind, ref.ns), "/", ref.name);
}

std::string EscapeQueryValue(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace cvm::kube
