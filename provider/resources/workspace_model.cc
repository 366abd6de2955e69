// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/workspace_model.h"

#include <openssl/sha.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "provider/framework/value_access.h"
#include "provider/resources/workspace_internal.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::IntAttr;
using framework::StringAttr;
using values::Value;

}  // namespace

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string PodSpecHash(const nlohmann::json& pod) {
  nlohmann::json stripped = pod;
  if (stripped.contains("metadata")) {
    stripped["metadata"].erase("labels");
    stripped["metadata"].erase("annotations");
  }
  if (stripped.contains("spec")) {
    for (const char* list : {"containers", "initContainers"}) {
      if (!stripped["spec"].contains(list)) continue;
      for (nlohmann::json& c : stripped["spec"][list]) c.erase("image");
    }
  }
  return Sha256Hex(stripped.dump()).substr(0, 16);
}

RenderedWorkspace Render(const WorkspaceSpec& spec,
                         const ClusterSettings& settings,
                         const std::optional<std::string>& agent_token,
                         const std::string& config_annotation) {
  RenderedWorkspace out;
  nlohmann::json pod =
      spec.mode == "sysbox"
          ? workspace_internal::SysboxPod(spec, settings)
          : workspace_internal::EnvboxPod(spec, settings, &out.host_paths);
  if (!spec.pod_options.overrides.is_null()) {
    absl::StatusOr<std::vector<std::string>> added =
        workspace_internal::ApplyPodOverrides(spec.pod_options.overrides,
                                              spec.mode == "sysbox", &pod);
    if (added.ok()) {
      out.overrides_added = *std::move(added);
    } else {
      out.overrides_status = added.status();
    }
  }
  out.pod_spec_hash = PodSpecHash(pod);
  pod["metadata"]["annotations"][kSpecHashAnnotation] = out.pod_spec_hash;
  if (spec.running) out.pod = std::move(pod);

  out.claim = {
      {"apiVersion", "v1"},
      {"kind", "PersistentVolumeClaim"},
      {"metadata",
       {{"name", spec.ClaimName()},
        {"namespace", spec.namespace_name},
        {"labels", workspace_internal::ClaimLabels(spec)},
        {"annotations",
         workspace_internal::ClaimAnnotations(spec, config_annotation)}}},
      {"spec",
       {{"accessModes", {"ReadWriteOnce"}},
        {"resources", {{"requests", {{"storage", spec.home_size}}}}}}},
  };
  if (!spec.home_storage_class.empty()) {
    out.claim["spec"]["storageClassName"] = spec.home_storage_class;
  }
  if (spec.has_agent_token) {
    out.secret = {
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata",
         {{"name", spec.SecretName()},
          {"namespace", spec.namespace_name},
          {"labels", workspace_internal::WorkspaceLabels(spec)}}},
        {"type", "Opaque"},
    };
    if (agent_token) {
      out.secret["data"] = {{kAgentTokenKey, absl::Base64Escape(*agent_token)}};
    }
  }
  return out;
}

std::vector<HostPathMount> HostPathsOfPod(const nlohmann::json& pod) {
  std::vector<HostPathMount> out;
  if (!pod.contains("spec") || !pod["spec"].is_object()) return out;
  const nlohmann::json& spec = pod["spec"];
  std::map<std::string, std::string> volume_paths;
  std::vector<std::string> order;
  if (spec.contains("volumes") && spec["volumes"].is_array()) {
    for (const nlohmann::json& v : spec["volumes"]) {
      if (v.is_object() && v.contains("hostPath") &&
          v["hostPath"].is_object() && v["hostPath"].contains("path") &&
          v["hostPath"]["path"].is_string() && v.contains("name") &&
          v["name"].is_string()) {
        volume_paths[v["name"].get<std::string>()] =
            v["hostPath"]["path"].get<std::string>();
        order.push_back(v["name"].get<std::string>());
      }
    }
  }
  std::map<std::string, HostPathMount> mounted;  // by volume name
  if (spec.contains("containers") && spec["containers"].is_array()) {
    for (const nlohmann::json& c : spec["containers"]) {
      if (!c.is_object() || c.value("name", "") != "dev" ||
          !c.contains("volumeMounts") || !c["volumeMounts"].is_array()) {
        continue;
      }
      for (const nlohmann::json& m : c["volumeMounts"]) {
        if (m.is_object() && m.contains("name") && m["name"].is_string()) {
          HostPathMount& hp = mounted[m["name"].get<std::string>()];
          if (m.contains("mountPath") && m["mountPath"].is_string()) {
            hp.mount_path = m["mountPath"].get<std::string>();
          }
          hp.read_only = m.contains("readOnly") && m["readOnly"].is_boolean() &&
                         m["readOnly"].get<bool>();
        }
      }
    }
  }
  for (const std::string& name : order) {
    auto it = mounted.find(name);
    if (it == mounted.end()) continue;
    it->second.path = volume_paths[name];
    out.push_back(it->second);
  }
  return out;
}

WorkspaceSpec SpecFromValue(const Value& o) {
  WorkspaceSpec s;
  s.name = StringAttr(o, "name").value_or("");
  s.namespace_name = StringAttr(o, "namespace").value_or("");
  s.mode = StringAttr(o, "mode").value_or(s.mode);
  s.image = StringAttr(o, "image")
                .value_or(s.mode == "envbox" ? kDefaultEnvboxImage : "");
  s.inner_image = StringAttr(o, "inner_image").value_or("");
  s.inner_username = StringAttr(o, "inner_username").value_or(s.inner_username);
  s.inner_hostname = StringAttr(o, "inner_hostname").value_or(s.name);
  // The token itself is write-only; its presence shows in the config or, in
  // state, through its hash.
  s.has_agent_token = !Attr(o, "agent_token").IsNull() ||
                      !Attr(o, "agent_token_sha256").IsNull();
  s.agent_url = StringAttr(o, "agent_url").value_or("");
  s.bootstrap_script = StringAttr(o, "bootstrap_script").value_or("");
  s.env = framework::StringMapAttr(o, "env").value_or(s.env);
  s.env_passthrough = framework::StringListAttr(o, "env_passthrough")
                          .value_or(s.env_passthrough);
  const Value& mounts = Attr(o, "mounts");
  if (mounts.IsKnown()) {
    for (const Value& m : mounts.Elements()) {
      s.mounts.push_back({StringAttr(m, "source").value_or(""),
                          StringAttr(m, "target").value_or(""),
                          BoolAttr(m, "read_only").value_or(false)});
    }
  }
  const Value& cpu = Attr(o, "cpu");
  s.cpu_request = StringAttr(cpu, "request").value_or("");
  s.cpu_limit = StringAttr(cpu, "limit").value_or("");
  const Value& memory = Attr(o, "memory");
  s.memory_request = StringAttr(memory, "request").value_or("");
  s.memory_limit = StringAttr(memory, "limit").value_or("");
  const Value& home = Attr(o, "home");
  s.home_size = StringAttr(home, "size").value_or(s.home_size);
  s.home_storage_class = StringAttr(home, "storage_class").value_or("");
  s.keep_home_on_destroy = BoolAttr(home, "keep_on_destroy").value_or(false);
  s.home_labels =
      framework::StringMapAttr(home, "labels").value_or(s.home_labels);
  s.home_annotations = framework::StringMapAttr(home, "annotations")
                           .value_or(s.home_annotations);
  s.running = BoolAttr(o, "running").value_or(true);
  const Value& gpu = Attr(o, "gpu");
  if (gpu.IsKnown()) {
    s.gpu_count = IntAttr(gpu, "count").value_or(0);
    s.gpu_lib_dir = StringAttr(gpu, "host_lib_dir").value_or(s.gpu_lib_dir);
  }
  s.tun = BoolAttr(o, "tun");
  s.fuse = BoolAttr(o, "fuse");
  s.image_pull_secret = StringAttr(o, "image_pull_secret").value_or("");
  s.node_selector =
      framework::StringMapAttr(o, "node_selector").value_or(s.node_selector);
  const Value& tolerations = Attr(o, "tolerations");
  if (tolerations.IsKnown()) {
    for (const Value& t : tolerations.Elements()) {
      s.tolerations.push_back({StringAttr(t, "key").value_or(""),
                               StringAttr(t, "operator").value_or(""),
                               StringAttr(t, "value").value_or(""),
                               StringAttr(t, "effect").value_or(""),
                               IntAttr(t, "toleration_seconds")});
    }
  }
  s.labels = framework::StringMapAttr(o, "labels").value_or(s.labels);
  s.annotations =
      framework::StringMapAttr(o, "annotations").value_or(s.annotations);
  s.host_network = BoolAttr(o, "host_network").value_or(false);
  s.host_pid = BoolAttr(o, "host_pid").value_or(false);
  s.host_ipc = BoolAttr(o, "host_ipc").value_or(false);
  s.systemd = BoolAttr(o, "systemd").value_or(true);
  s.user_namespace = StringAttr(o, "user_namespace").value_or(s.user_namespace);
  s.wait_for_ready = BoolAttr(o, "wait_for_ready").value_or(true);
  s.pod_options = workspace_internal::PodOptionsFromValue(o);
  return s;
}

}  // namespace cvm::resources
