// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// pod_overrides of cvm_workspace (see workspace_internal.h): the escape
// hatch for pod fields without a typed argument (init containers,
// sidecars, probes, ...), merged into the rendered pod. It may only add:
// a value the provider renders is never changed or removed, so the
// invariants (the privileged envbox container, the host paths of the
// settings table, the token by reference, the provider's labels) hold.
// Pure functions, except PlanPodOverrides (a dry run against the cluster).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/kube/client.h"
#include "provider/resources/workspace_internal.h"
#include "provider/schema/schema.h"
#include "provider/values/path.h"
#include "provider/values/value.h"

namespace cvm::resources::workspace_internal {
namespace {

using nlohmann::json;

constexpr char kHint[] =
    " pod_overrides can only add to the pod the provider renders; set the "
    "typed argument for this value instead.";

// The key that identifies an element of list `field` (Kubernetes' patch
// merge keys); elements without it are appended.
const char* MergeKey(const std::string& field) {
  if (field == "volumeMounts" || field == "volumeDevices") return "mountPath";
  if (field == "ports") return "containerPort";
  if (field == "hostAliases") return "ip";
  return "name";
}

std::string ElementPath(const std::string& path, const char* key,
                        const json& value) {
  return absl::StrCat(path, "[", key, "=",
                      value.is_string() ? value.get<std::string>()
                                        : value.dump(),
                      "]");
}

class Merger {
 public:
  explicit Merger(std::vector<std::string>* added) : added_(added) {}

  absl::Status Merge(const json& over, json* base, const std::string& path,
                     const std::string& field) {
    if (over.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " is null: pod_overrides cannot remove a value."));
    }
    if (base->is_null()) {
      *base = over;
      added_->push_back(path);
      return absl::OkStatus();
    }
    if (over.is_object() && base->is_object()) {
      for (const auto& [key, value] : over.items()) {
        absl::Status s = Merge(value, &(*base)[key], Join(path, key), key);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
    if (over.is_array() && base->is_array() && AllObjects(over) &&
        AllObjects(*base)) {
      return MergeList(over, base, path, field);
    }
    if (over == *base) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("pod_overrides would change ", path, " from ",
                     base->dump(), " to ", over.dump(), ".", kHint));
  }

 private:
  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : absl::StrCat(path, ".", key);
  }

  static bool AllObjects(const json& list) {
    for (const json& e : list) {
      if (!e.is_object()) return false;
    }
    return true;
  }

  absl::Status MergeList(const json& over, json* base, const std::string& path,
                         const std::string& field) {
    const char* key = MergeKey(field);
    for (const json& element : over) {
      json* match = nullptr;
      if (element.contains(key)) {
        for (json& b : *base) {
          if (b.contains(key) && b[key] == element[key]) match = &b;
        }
      }
      if (match == nullptr) {
        base->push_back(element);
        added_->push_back(element.contains(key)
                              ? ElementPath(path, key, element[key])
                              : absl::StrCat(path, "[+]"));
        continue;
      }
      absl::Status s = Merge(element, match,
                             ElementPath(path, key, element[key]), field);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::vector<std::string>* added_;
};

// True when `value` has key `name` anywhere below it.
bool HasKey(const json& value, const std::string& name) {
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) {
      if (k == name || HasKey(v, name)) return true;
    }
  } else if (value.is_array()) {
    for (const json& e : value) {
      if (HasKey(e, name)) return true;
    }
  }
  return false;
}

// The containers and init containers of `pod_part` (a pod or an override).
std::vector<const json*> ContainersOf(const json& pod_part) {
  std::vector<const json*> out;
  if (!pod_part.is_object() || !pod_part.contains("spec")) return out;
  const json& spec = pod_part["spec"];
  if (!spec.is_object()) return out;
  for (const char* list : {"containers", "initContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (const json& c : spec[list]) out.push_back(&c);
  }
  return out;
}

void CollectDropped(const json& over, const json& returned,
                    const std::string& path, const std::string& field,
                    std::vector<std::string>* dropped) {
  if (over.is_object()) {
    for (const auto& [key, value] : over.items()) {
      const std::string at = path.empty() ? key : absl::StrCat(path, ".", key);
      if (!returned.is_object() || !returned.contains(key)) {
        dropped->push_back(at);
      } else {
        CollectDropped(value, returned[key], at, key, dropped);
      }
    }
    return;
  }
  if (!over.is_array() || !returned.is_array()) return;
  const char* key = MergeKey(field);
  for (const json& element : over) {
    if (!element.is_object() || !element.contains(key)) continue;
    const std::string at = ElementPath(path, key, element[key]);
    const json* match = nullptr;
    for (const json& r : returned) {
      if (r.is_object() && r.contains(key) && r[key] == element[key]) {
        match = &r;
      }
    }
    if (match == nullptr) {
      dropped->push_back(at);
    } else {
      CollectDropped(element, *match, at, field, dropped);
    }
  }
}

}  // namespace

std::vector<std::string> DroppedOverrideFields(const json& overrides,
                                               const json& returned) {
  std::vector<std::string> dropped;
  CollectDropped(overrides, returned, "", "", &dropped);
  return dropped;
}

schema::Attribute PodOverridesAttribute() {
  return schema::Attribute("pod_overrides", values::Type::String())
      .Optional()
      .Validate([](const values::Value& v) -> absl::Status {
        const json parsed = json::parse(v.AsString(), nullptr, false);
        if (parsed.is_discarded()) {
          return absl::InvalidArgumentError(
              "must be JSON (write it with jsonencode)");
        }
        return CheckPodOverrides(parsed);
      })
      .DescribeMarkdown(
          "The escape hatch for pod fields without a typed argument (init "
          "containers, sidecars, probes, `securityContext` extras, ...): a "
          "JSON object in the shape of a Pod (`metadata.labels`, "
          "`metadata.annotations`, `spec`), written with `jsonencode`, "
          "merged into the pod the provider renders before it is applied. "
          "Objects merge key by key; lists of containers, volumes and "
          "other named items merge by name (`volumeMounts` by "
          "`mountPath`), other lists of objects are appended. It can only "
          "add: changing or removing a value the provider renders is a "
          "plan-time error naming the field, and so are `hostPath` "
          "volumes, the environment of container `dev`, a "
          "`CODER_AGENT_TOKEN` value, and in sysbox mode privileged "
          "containers and host namespaces. The plan warns with the fields "
          "it adds, and checks the result with a server-side dry run when "
          "the namespace exists: a pod the API server rejects, or a field "
          "it drops as unknown (a misspelt name), is a plan-time error. Prefer a typed argument where one exists, "
          "and ask for one for what you set here often.");
}

absl::Status CheckPodOverrides(const json& overrides) {
  if (!overrides.is_object()) {
    return absl::InvalidArgumentError(
        "pod_overrides must be a JSON object in the shape of a Pod, e.g. "
        "jsonencode({ spec = { initContainers = [...] } }).");
  }
  for (const auto& [key, value] : overrides.items()) {
    if (key != "metadata" && key != "spec") {
      return absl::InvalidArgumentError(absl::StrCat(
          "pod_overrides may set metadata and spec only, not \"", key,
          "\"."));
    }
    if (!value.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("pod_overrides.", key, " must be an object."));
    }
  }
  if (overrides.contains("metadata")) {
    for (const auto& [key, value] : overrides["metadata"].items()) {
      if (key != "labels" && key != "annotations") {
        return absl::InvalidArgumentError(absl::StrCat(
            "pod_overrides may set metadata.labels and metadata.annotations "
            "only, not metadata.",
            key, "."));
      }
      if (!value.is_object()) continue;
      for (const auto& [name, ignored] : value.items()) {
        if (name.rfind("cvm.coder.com/", 0) == 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "pod_overrides cannot set metadata.", key, ".", name,
              ": the cvm.coder.com/ prefix is the provider's own."));
        }
      }
    }
  }
  if (HasKey(overrides, "hostPath")) {
    return absl::InvalidArgumentError(
        "pod_overrides cannot add hostPath volumes: the host paths of a "
        "workspace are those of the namespace's cluster settings "
        "(cvm_cluster_settings caching and auto_load_shiftfs).");
  }
  for (const json* c : ContainersOf(overrides)) {
    if (!c->is_object()) continue;
    if (c->value("name", "") == "dev" &&
        (c->contains("env") || c->contains("envFrom"))) {
      return absl::InvalidArgumentError(
          "pod_overrides cannot set the environment of container dev; use "
          "env, env_value_from or env_passthrough, whose rules keep the "
          "workspace's and envbox's variables apart.");
    }
    if (!c->contains("env") || !(*c)["env"].is_array()) continue;
    for (const json& e : (*c)["env"]) {
      if (e.is_object() && e.value("name", "") == "CODER_AGENT_TOKEN" &&
          e.contains("value")) {
        return absl::InvalidArgumentError(
            "pod_overrides cannot give CODER_AGENT_TOKEN a value: the token "
            "stays in the workspace's Secret; reference it with valueFrom "
            "(secretKeyRef <name>-agent, key token).");
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ApplyPodOverrides(
    const json& overrides, bool sysbox, json* pod) {
  if (absl::Status s = CheckPodOverrides(overrides); !s.ok()) return s;
  std::vector<std::string> added;
  Merger merger(&added);
  if (absl::Status s = merger.Merge(overrides, pod, "", ""); !s.ok()) {
    return s;
  }
  if (!sysbox) return added;
  // The sysbox pod is unprivileged and isolated from the host: nothing
  // added may undo that.
  for (const char* field : {"hostNetwork", "hostPID", "hostIPC", "hostUsers"}) {
    if (overrides.contains("spec") && overrides["spec"].contains(field)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pod_overrides cannot set spec.", field,
          " in sysbox mode: the Sysbox pod is isolated from the host by "
          "its user namespace."));
    }
  }
  for (const json* c : ContainersOf(*pod)) {
    if (c->contains("securityContext") &&
        (*c)["securityContext"].value("privileged", false)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pod_overrides cannot make container ", c->value("name", ""),
          " privileged in sysbox mode; a privileged workspace is envbox "
          "mode."));
    }
  }
  return added;
}

// The dry run uses another name than the pod's, so that an existing pod's
// immutable fields do not count.
void PlanPodOverrides(const CvmProvider& provider, const values::Value& config,
                      const values::Value& prior, const values::Value& planned,
                      const std::optional<LoadedSettings>& live,
                      framework::Diagnostics* diags) {
  const WorkspaceSpec spec = SpecFromValue(planned);
  ClusterSettings settings;
  if (live) settings = live->settings;
  settings.namespace_name = spec.namespace_name;
  const RenderedWorkspace rendered =
      Render(spec, settings, std::nullopt, "");
  const values::Path path = values::Path::FromAttr("pod_overrides");
  if (!rendered.overrides_status.ok()) {
    diags->AddAttributeError(path, "Invalid Pod Overrides",
                             std::string(rendered.overrides_status.message()));
    return;
  }
  if (!framework::Attr(prior, "pod_overrides")
           .EqualIgnoringRefinements(
               framework::Attr(config, "pod_overrides")) &&
      !rendered.overrides_added.empty()) {
    diags->AddAttributeWarning(
        path, "Pod Overrides Add to the Pod",
        absl::StrCat("pod_overrides adds to pod ", spec.Id(), ": ",
                     absl::StrJoin(rendered.overrides_added, ", "), "."));
  }
  Connection conn;
  if (!spec.running || !live || !provider.HasConnection()) return;
  framework::Diagnostics ignored;
  if (!provider.GetConnection("", &conn, &ignored)) return;
  nlohmann::json pod = rendered.pod;
  pod["metadata"]["name"] = spec.PodName() + "-cvm-dry-run";
  kube::ApplyOptions apply;
  apply.field_manager = conn.field_manager;
  apply.force = true;
  apply.dry_run = true;
  absl::StatusOr<nlohmann::json> checked = conn.client->Apply(
      pod, apply,
      {provider.clock()->Now() + absl::Minutes(1), conn.cancel.get()});
  // A field unknown to the schema: servers before 1.25 answer a
  // server-side apply with 500 "field not declared in schema".
  if (absl::IsInvalidArgument(checked.status()) ||
      absl::StrContains(checked.status().message(),
                        "field not declared in schema")) {
    diags->AddAttributeError(
        path, "Pod Overrides Rejected",
        absl::StrCat("The API server rejects pod ", spec.Id(),
                     " with pod_overrides merged (server-side dry run): ",
                     checked.status().message()));
    return;
  }
  if (!checked.ok()) return;
  // Other servers may drop unknown fields without a word.
  const std::vector<std::string> dropped =
      DroppedOverrideFields(spec.pod_options.overrides, *checked);
  if (!dropped.empty()) {
    diags->AddAttributeError(
        path, "Pod Overrides Rejected",
        absl::StrCat("The API server dropped ", absl::StrJoin(dropped, ", "),
                     " of pod_overrides (server-side dry run of pod ",
                     spec.Id(),
                     "): not a field of a Pod there. Check the spelling "
                     "against the Kubernetes API of the cluster."));
  }
}

}  // namespace cvm::resources::workspace_internal
