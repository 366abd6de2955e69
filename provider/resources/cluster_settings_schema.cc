// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The schemas of cvm_cluster_settings: one table for the resource and the
// data source, where the settings are computed instead of defaulted.

#include <utility>
#include <vector>

#include "provider/framework/timeouts.h"
#include "provider/resources/cluster_settings_internal.h"
#include "provider/resources/host_paths.h"
#include "provider/resources/validators.h"

namespace cvm::resources::cluster_settings_internal {
namespace {

using schema::Attribute;
using schema::NestedBlock;
using schema::NestedObject;
using values::Type;
using values::Value;

const char kAmdReason[] =
    "CVMs support NVIDIA GPUs only: envbox passes only NVIDIA devices and "
    "libraries (nvidia, cuda, vulkan) into the workspace and Sysbox has no GPU "
    "passthrough. Use \"nvidia\" or \"none\".";

// A setting: in the resource, optional with `default_value`; in the data
// source everything but the namespace is read from the cluster, and
// `read_back` describes the attribute as the data source reports it.
Attribute Setting(bool data_source, Attribute a, Value default_value,
                  const char* read_back) {
  if (data_source) {
    a.computed = true;
    return a.DescribeMarkdown(read_back);
  }
  return a.Default(std::move(default_value));
}

std::vector<Attribute> IdentityAttributes(bool data_source) {
  return {
      Attribute("id", Type::String())
          .Computed()
          .UseStateForUnknown()
          .Describe(data_source ? "The namespace."
                                : "The namespace (the import ID)."),
      Attribute("namespace", Type::String())
          .Required()
          .RequiresReplace()
          .Validate(IsDnsLabel())
          .Describe(data_source
                        ? "Namespace whose CVM settings to read."
                        : "Namespace whose CVM workspaces these settings "
                          "govern. Changing it replaces the resource."),
  };
}

std::vector<Attribute> NamespaceAndHostAttributes(bool data_source) {
  return {
      Setting(data_source,
              Attribute("manage_namespace", Type::Bool())
                  .DescribeMarkdown(
                      "Create the namespace if it is missing and label it "
                      "`pod-security.kubernetes.io/enforce` (and `warn`, "
                      "`audit`) with "
                      "`pod_security`. A namespace this resource did not "
                      "create is never "
                      "deleted; on destroy only its labels are removed."),
              Value::Bool(false),
              "Whether the settings resource manages the namespace and its Pod "
              "Security labels."),
      Setting(data_source,
              Attribute("pod_security", Type::String())
                  .Validate(OneOf({"privileged", "baseline", "restricted"}))
                  .DescribeMarkdown(
                      "Pod Security level set on the namespace when "
                      "`manage_namespace` is true. envbox workspaces run "
                      "privileged "
                      "pods with hostPath mounts and need `privileged`."),
              Value::String("privileged"),
              "Pod Security level the settings resource sets on the namespace "
              "when it manages it."),
      Setting(
          data_source,
          Attribute("caching", Type::Bool())
              .DescribeMarkdown(
                  "Cached CVMs use the node's container image cache: the outer "
                  "pod "
                  "also mounts the node runtime's `/var/run` (read-only) and "
                  "`/var/lib` (read-write). Needs shiftfs on the nodes."),
          Value::Bool(false),
          "Whether cached CVMs are on: workspaces use the node's image cache "
          "and also mount `/var/run` (read-only) and `/var/lib` (read-write)."),
      Setting(
          data_source,
          Attribute("auto_load_shiftfs", Type::Bool())
              .DescribeMarkdown(
                  "Build and load the shiftfs kernel module from the workspace "
                  "pod "
                  "(only with `caching`): `/usr/src` and `/lib/modules` become "
                  "read-write. Needs kernel headers on the nodes and Secure "
                  "Boot off."),
          Value::Bool(false),
          "Whether workspaces build and load the shiftfs kernel module "
          "(`/usr/src` and `/lib/modules` read-write)."),
  };
}

std::vector<Attribute> DeviceAttributes(bool data_source) {
  return {
      Setting(data_source,
              Attribute("gpu_vendor", Type::String())
                  .Validate(OneOf({"none", "nvidia"}, {{"amd", kAmdReason}}))
                  .DescribeMarkdown(
                      "`none` or `nvidia`. NVIDIA GPUs work only on bare-metal "
                      "clusters and not with `caching`; AMD GPUs are not "
                      "supported."),
              Value::String("none"),
              "`none` or `nvidia`: the GPU vendor workspaces may use."),
      Setting(data_source,
              Attribute("docker_bridge_cidr", Type::String())
                  .Validate(IsDockerBridgeCidr(30))
                  .DescribeMarkdown(
                      "IPv4 network of the Docker bridge inside envbox, a /30 "
                      "or larger, outside 172.17.0.0/16."),
              Value::String(kDefaultBridgeCidr),
              "IPv4 network of the Docker bridge inside envbox."),
      Setting(
          data_source,
          Attribute("tun", Type::Bool())
              .DescribeMarkdown("Default for workspaces: add a TUN device "
                                "(`/dev/net/tun`) to the "
                                "inner container."),
          Value::Bool(false),
          "Default for workspaces: a TUN device (`/dev/net/tun`) in the inner "
          "container."),
      Setting(
          data_source,
          Attribute("fuse", Type::Bool())
              .DescribeMarkdown("Default for workspaces: add a FUSE device "
                                "(`/dev/fuse`) to the "
                                "inner container."),
          Value::Bool(false),
          "Default for workspaces: a FUSE device (`/dev/fuse`) in the inner "
          "container."),
  };
}

// What the resource reports rather than accepts.
std::vector<Attribute> ComputedAttributes() {
  return {
      Attribute("host_path_mounts", Type::List(HostPathObjectType()))
          .Computed()
          .Nested(NestedObject::Nesting::kList, HostPathAttributes())
          .DescribeMarkdown(
              "Host paths every envbox workspace in the namespace mounts, "
              "derived "
              "from `caching` and `auto_load_shiftfs` (known at plan time)."),
      Attribute("kubernetes_version", Type::String())
          .Live()
          .Describe("Version of the API server, e.g. v1.29.4."),
      Attribute("sysbox_ready_nodes", Type::Number())
          .Live()
          .DescribeMarkdown(
              "Nodes labelled `sysbox-runtime=running` and not tainted "
              "`sysbox-runtime=not-running`."),
      Attribute("platform", Type::String())
          .Live()
          .DescribeMarkdown(
              "`bare-metal`, or the cloud read from node `providerID`s "
              "(e.g. `aws`, `gce`, `azure`)."),
      Attribute("warnings", Type::List(Type::String()))
          .Live()
          .Describe(
              "Problems found in the cluster that do not stop the settings "
              "from applying, e.g. SELinux-family node images."),
  };
}

NestedBlock RuntimeClassBlock(bool data_source) {
  NestedBlock rc;
  rc.type_name = "runtime_class";
  rc.nesting = NestedBlock::Nesting::kSingle;
  rc.block.markdown_description =
      "The Sysbox RuntimeClass used by `sysbox`-mode workspaces.";
  rc.block.attributes = {
      Setting(data_source,
              Attribute("name", Type::String())
                  .Validate(IsDnsSubdomain())
                  .Describe("RuntimeClass name."),
              Value::String(kDefaultRuntimeClass), "RuntimeClass name."),
      Setting(data_source,
              Attribute("handler", Type::String())
                  .Validate(IsDnsLabel())
                  .DescribeMarkdown("CRI handler; must match the runtime name "
                                    "configured on the nodes (`sysbox-runc`)."),
              Value::String(kDefaultRuntimeClass),
              "CRI handler of the RuntimeClass."),
      Setting(data_source,
              Attribute("node_selector", Type::Map(Type::String()))
                  .Validate(IsLabelMap())
                  .DescribeMarkdown("Nodes the RuntimeClass schedules onto."),
              Value::Map(Type::String(),
                         {{"sysbox-runtime", Value::String("running")}}),
              "Nodes the RuntimeClass schedules onto."),
      Setting(
          data_source,
          Attribute("manage", Type::Bool())
              .DescribeMarkdown("Whether this resource owns the RuntimeClass "
                                "(creates, updates and, "
                                "if it created it, deletes it) or only checks "
                                "that it exists with "
                                "this handler."),
          Value::Bool(false),
          "Whether the settings resource owns the RuntimeClass or only checks "
          "it."),
  };
  return rc;
}

void Append(std::vector<Attribute> more, std::vector<Attribute>* out) {
  for (Attribute& a : more) out->push_back(std::move(a));
}

schema::Schema BuildSchema(bool data_source) {
  schema::Schema s;
  s.version = 0;
  s.block.markdown_description =
      data_source
          ? "Reads the CVM settings of a namespace (the `cvm-cluster-settings` "
            "ConfigMap written by the `cvm_cluster_settings` resource), for "
            "templates kept in another Terraform state."
          : "How CVM workspaces run in one namespace: caching, shiftfs "
            "auto-loading, GPUs, the Docker bridge network, the Sysbox "
            "RuntimeClass and the namespace's Pod Security labels. The "
            "settings "
            "are stored in the ConfigMap `cvm-cluster-settings` of the "
            "namespace "
            "so workspaces planned from other states read the same truth. "
            "Import "
            "with the namespace name.";
  s.block.attributes = IdentityAttributes(data_source);
  Append(NamespaceAndHostAttributes(data_source), &s.block.attributes);
  Append(DeviceAttributes(data_source), &s.block.attributes);
  Append(ComputedAttributes(), &s.block.attributes);
  if (!data_source) {
    s.block.attributes.push_back(
        Attribute("force_destroy", Type::Bool())
            .Default(Value::Bool(false))
            .DescribeMarkdown(
                "Allow destroying the settings while workspaces in "
                "the namespace still use them."));
  }
  s.block.block_types.push_back(RuntimeClassBlock(data_source));
  if (!data_source) {
    s.block.block_types.push_back(framework::TimeoutsBlock(
        {{"create", "5m", ""}, {"update", "5m", ""}, {"delete", "5m", ""}}));
  }
  return s;
}

}  // namespace

const schema::Schema& ResourceSchema() {
  static const schema::Schema* s = new schema::Schema(BuildSchema(false));
  return *s;
}

const schema::Schema& DataSourceSchema() {
  static const schema::Schema* s = new schema::Schema(BuildSchema(true));
  return *s;
}

}  // namespace cvm::resources::cluster_settings_internal
