// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_cluster_settings objects as Terraform values: the settings read from a
// configuration, plan or state, and written back into one with the facts
// probed from the cluster.

#include <string>
#include <utility>

#include "provider/framework/value_access.h"
#include "provider/resources/cluster_settings.h"
#include "provider/resources/cluster_settings_internal.h"
#include "provider/resources/host_paths.h"

namespace cvm::resources {
namespace cluster_settings_internal {
namespace {

using framework::Attr;
using values::Value;

bool RuntimeClassIsDefault(const ClusterSettings& s) {
  ClusterSettings d;
  return s.runtime_class_name == d.runtime_class_name &&
         s.runtime_class_handler == d.runtime_class_handler &&
         s.runtime_class_node_selector == d.runtime_class_node_selector &&
         s.manage_runtime_class == d.manage_runtime_class;
}

}  // namespace

Value FactsValue(const ClusterFacts& facts, Value object) {
  object = std::move(object).WithAttr("kubernetes_version",
                                      Value::String(facts.kubernetes_version));
  object = std::move(object).WithAttr("sysbox_ready_nodes",
                                      Value::Int(facts.sysbox_ready_nodes));
  object =
      std::move(object).WithAttr("platform", Value::String(facts.platform));
  return object.WithAttr("warnings", framework::StringList(facts.warnings));
}

Value FillUnknownFacts(const ClusterFacts& facts, Value object) {
  const Value all = FactsValue(facts, object);
  for (const char* key :
       {"kubernetes_version", "sysbox_ready_nodes", "platform", "warnings"}) {
    if (!Attr(object, key).IsKnown())
      object = std::move(object).WithAttr(key, Attr(all, key));
  }
  return object;
}

Value WithSettings(const ClusterSettings& s, Value base,
                   bool keep_runtime_block) {
  base = std::move(base).WithAttr("id", Value::String(s.namespace_name));
  base = std::move(base).WithAttr("namespace", Value::String(s.namespace_name));
  base = std::move(base).WithAttr("manage_namespace",
                                  Value::Bool(s.manage_namespace));
  base =
      std::move(base).WithAttr("pod_security", Value::String(s.pod_security));
  base = std::move(base).WithAttr("caching", Value::Bool(s.caching));
  base = std::move(base).WithAttr("auto_load_shiftfs",
                                  Value::Bool(s.auto_load_shiftfs));
  base = std::move(base).WithAttr("gpu_vendor", Value::String(s.gpu_vendor));
  base =
      base.WithAttr("docker_bridge_cidr", Value::String(s.docker_bridge_cidr));
  base = std::move(base).WithAttr("tun", Value::Bool(s.tun));
  base = std::move(base).WithAttr("fuse", Value::Bool(s.fuse));
  base = std::move(base).WithAttr("host_path_mounts",
                                  HostPathsValue(s.HostPaths()));
  if (keep_runtime_block || !RuntimeClassIsDefault(s)) {
    base = std::move(base).WithAttr(
        "runtime_class",
        Value::Object({{"name", Value::String(s.runtime_class_name)},
                       {"handler", Value::String(s.runtime_class_handler)},
                       {"node_selector",
                        framework::StringMap(s.runtime_class_node_selector)},
                       {"manage", Value::Bool(s.manage_runtime_class)}}));
  }
  return base;
}

Value WithStoredSettings(const absl::StatusOr<ClusterSettings>& stored,
                         const std::string& ns, Value state) {
  if (!stored.ok()) {
    // The ConfigMap was deleted (or mangled) by hand: the settings it held
    // read as unset, so the next plan shows them being written again.
    for (const char* key : {"caching", "auto_load_shiftfs", "gpu_vendor",
                            "docker_bridge_cidr", "tun", "fuse"}) {
      state =
          std::move(state).WithAttr(key, Value::Null(Attr(state, key).type()));
    }
    return state;
  }
  ClusterSettings s = *stored;
  s.namespace_name = ns;
  const bool had_runtime_block = !Attr(state, "runtime_class").IsNull();
  state = WithSettings(s, state, had_runtime_block);
  return state.WithAttr("force_destroy", Value::Bool(s.force_destroy));
}

bool WorkspacesSeeChange(const Value& prior, const Value& planned) {
  for (const char* name :
       {"caching", "auto_load_shiftfs", "gpu_vendor", "docker_bridge_cidr",
        "tun", "fuse", "pod_security", "manage_namespace", "runtime_class"}) {
    if (!Attr(planned, name).IsWhollyKnown() ||
        !Attr(prior, name).EqualIgnoringRefinements(Attr(planned, name))) {
      return true;
    }
  }
  return false;
}

}  // namespace cluster_settings_internal

ClusterSettings SettingsFromValue(const values::Value& o) {
  using framework::Attr;
  using framework::BoolAttr;
  using framework::StringAttr;
  ClusterSettings s;
  s.namespace_name = StringAttr(o, "namespace").value_or("");
  s.manage_namespace =
      BoolAttr(o, "manage_namespace").value_or(s.manage_namespace);
  s.pod_security = StringAttr(o, "pod_security").value_or(s.pod_security);
  s.caching = BoolAttr(o, "caching").value_or(s.caching);
  s.auto_load_shiftfs =
      BoolAttr(o, "auto_load_shiftfs").value_or(s.auto_load_shiftfs);
  s.gpu_vendor = StringAttr(o, "gpu_vendor").value_or(s.gpu_vendor);
  s.docker_bridge_cidr =
      StringAttr(o, "docker_bridge_cidr").value_or(s.docker_bridge_cidr);
  s.tun = BoolAttr(o, "tun").value_or(s.tun);
  s.fuse = BoolAttr(o, "fuse").value_or(s.fuse);
  s.force_destroy = BoolAttr(o, "force_destroy").value_or(s.force_destroy);
  const values::Value& rc = Attr(o, "runtime_class");
  if (rc.IsKnown()) {
    s.runtime_class_name =
        StringAttr(rc, "name").value_or(s.runtime_class_name);
    s.runtime_class_handler =
        StringAttr(rc, "handler").value_or(s.runtime_class_handler);
    if (auto sel = framework::StringMapAttr(rc, "node_selector")) {
      s.runtime_class_node_selector = *sel;
    }
    s.manage_runtime_class =
        BoolAttr(rc, "manage").value_or(s.manage_runtime_class);
  }
  return s;
}

}  // namespace cvm::resources
