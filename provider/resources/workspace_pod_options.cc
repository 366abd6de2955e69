// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The pod options of cvm_workspace (see workspace_internal.h): their
// schema, how they are read from a value, and how Render puts them on the
// pod and the home claim. Pure functions.

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/framework/timeouts.h"
#include "provider/framework/value_access.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_internal.h"

namespace cvm::resources::workspace_internal {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::StringAttr;
using framework::StringListAttr;
using schema::Attribute;
using schema::NestedBlock;
using schema::NestedObject;
using values::Type;
using values::Value;

Type HostAliasType() {
  return Type::Object(
      {{"ip", Type::String()}, {"hostnames", Type::List(Type::String())}});
}

Type DnsOptionType() {
  return Type::Object({{"name", Type::String()}, {"value", Type::String()}});
}

std::vector<Attribute> ServiceAccountAttributes() {
  return {
      Attribute("service_account_name", Type::String())
          .Optional()
          .Validate(IsDnsSubdomain())
          .DescribeMarkdown(
              "ServiceAccount of the pod (`serviceAccountName`), e.g. for "
              "IRSA or workload identity; it must exist in the namespace. "
              "Default: the namespace's `default`."),
      Attribute("automount_service_account_token", Type::Bool())
          .Optional()
          .DescribeMarkdown(
              "Mount the ServiceAccount's API token into the pod "
              "(`automountServiceAccountToken`). Unset: the ServiceAccount "
              "decides (Kubernetes' default, mounted)."),
      Attribute("image_pull_secrets", Type::List(Type::String()))
          .Optional()
          .Validate(EachElement(IsDnsSubdomain()))
          .DescribeMarkdown(
              "Names of `kubernetes.io/dockerconfigjson` Secrets the kubelet "
              "pulls the pod's images with (`imagePullSecrets`; in envbox "
              "mode the envbox image, in sysbox mode `inner_image`), e.g. "
              "for a privately mirrored envbox image. In sysbox mode "
              "`image_pull_secret` is added to them."),
  };
}

std::vector<Attribute> SchedulingAttributes() {
  return {
      Attribute("priority_class_name", Type::String())
          .Optional()
          .Validate(IsDnsSubdomain())
          .DescribeMarkdown(
              "PriorityClass of the pod (`priorityClassName`); it must "
              "exist."),
      Attribute("runtime_class_name", Type::String())
          .Optional()
          .Validate(IsDnsSubdomain())
          .DescribeMarkdown(
              "envbox mode: RuntimeClass of the outer pod "
              "(`runtimeClassName`), e.g. `nvidia` on clusters with the "
              "NVIDIA GPU Operator. An error in sysbox mode, where the pod "
              "runs with the cluster settings' Sysbox RuntimeClass."),
      Attribute("termination_grace_period", Type::String())
          .Optional()
          .Validate(framework::IsDuration())
          .DescribeMarkdown(
              "How long the pod may take to stop before it is killed, a "
              "whole number of seconds as a duration (`30s`, `2m`): the "
              "pod's `terminationGracePeriodSeconds`. Default: Kubernetes' "
              "(30s)."),
  };
}

std::vector<Attribute> NetworkAttributes() {
  return {
      Attribute("dns_policy", Type::String())
          .Optional()
          .Validate(OneOf(
              {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"}))
          .DescribeMarkdown(
              "The pod's `dnsPolicy`: `ClusterFirst`, "
              "`ClusterFirstWithHostNet`, `Default` or `None` (then "
              "`dns_config.nameservers` is required). Default: Kubernetes' "
              "`ClusterFirst`, or `ClusterFirstWithHostNet` with "
              "`host_network`, so that cluster DNS still resolves."),
      Attribute("host_aliases", Type::List(HostAliasType()))
          .Optional()
          .Nested(NestedObject::Nesting::kList,
                  {Attribute("ip", Type::String())
                       .Required()
                       .Describe("IPv4 or IPv6 address."),
                   Attribute("hostnames", Type::List(Type::String()))
                       .Required()
                       .Validate(EachElement(IsDnsSubdomain()))
                       .Describe("Host names of the address.")})
          .DescribeMarkdown(
              "Entries the kubelet adds to the pod's `/etc/hosts` "
              "(`hostAliases`). In envbox mode they reach the envbox "
              "container; the workspace has an `/etc/hosts` of its own."),
  };
}

}  // namespace

schema::Validator EachElement(schema::Validator element) {
  return [element](const Value& list) -> absl::Status {
    if (!list.IsKnown() || list.IsNull()) return absl::OkStatus();
    for (size_t i = 0; i < list.Elements().size(); ++i) {
      const Value& v = list.Elements()[i];
      if (!v.IsKnown() || v.IsNull()) continue;
      if (absl::Status st = element(v); !st.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("element ", i, ": ", st.message()));
      }
    }
    return absl::OkStatus();
  };
}

std::vector<Attribute> PodOptionAttributes() {
  std::vector<Attribute> out;
  for (std::vector<Attribute> group :
       {ServiceAccountAttributes(), SchedulingAttributes(),
        NetworkAttributes()}) {
    for (Attribute& a : group) out.push_back(std::move(a));
  }
  out.push_back(PodOverridesAttribute());
  return out;
}

NestedBlock DnsConfigBlock() {
  NestedBlock b;
  b.type_name = "dns_config";
  b.nesting = NestedBlock::Nesting::kSingle;
  b.block.markdown_description =
      "The pod's `dnsConfig`: resolver settings merged with those of "
      "`dns_policy`.";
  b.block.attributes = {
      Attribute("nameservers", Type::List(Type::String()))
          .Optional()
          .DescribeMarkdown("Up to 3 name server IP addresses."),
      Attribute("searches", Type::List(Type::String()))
          .Optional()
          .Describe("DNS search domains."),
      Attribute("options", Type::List(DnsOptionType()))
          .Optional()
          .Nested(NestedObject::Nesting::kList,
                  {Attribute("name", Type::String())
                       .Required()
                       .DescribeMarkdown("Resolver option, e.g. `ndots`."),
                   Attribute("value", Type::String())
                       .Optional()
                       .Describe("Its value, if it takes one.")})
          .DescribeMarkdown("Resolver options (`resolv.conf` `options`)."),
  };
  return b;
}

std::vector<Attribute> HomeMetadataAttributes() {
  return {
      Attribute("labels", Type::Map(Type::String()))
          .Optional()
          .Validate(IsLabelMap())
          .DescribeMarkdown(
              "Labels of the claim, beside (and over) `labels`; the "
              "provider's own labels win. Changed in place."),
      // The claim also carries the recorded configuration, which holds
      // these once more: 64 KiB keeps both within Kubernetes' limit.
      Attribute("annotations", Type::Map(Type::String()))
          .Optional()
          .Validate(IsAnnotationMap(kTotalAnnotationSizeLimit -
                                    kMaxHomeAnnotationBytes))
          .DescribeMarkdown(
              "Annotations of the claim (e.g. the workspace owner), at most "
              "64 KiB of keys plus values. Changed in place."),
  };
}

PodOptions PodOptionsFromValue(const Value& o) {
  PodOptions p;
  p.service_account_name = StringAttr(o, "service_account_name").value_or("");
  p.automount_service_account_token =
      BoolAttr(o, "automount_service_account_token");
  p.image_pull_secrets =
      StringListAttr(o, "image_pull_secrets").value_or(p.image_pull_secrets);
  p.priority_class_name = StringAttr(o, "priority_class_name").value_or("");
  p.runtime_class_name = StringAttr(o, "runtime_class_name").value_or("");
  if (auto text = StringAttr(o, "termination_grace_period")) {
    absl::StatusOr<absl::Duration> d = framework::ParseDuration(*text);
    if (d.ok()) p.termination_grace_period_seconds = absl::ToInt64Seconds(*d);
  }
  p.dns_policy = StringAttr(o, "dns_policy").value_or("");
  const Value& dns = Attr(o, "dns_config");
  if (dns.IsKnown() && !dns.IsNull()) {
    DnsConfig c;
    c.nameservers = StringListAttr(dns, "nameservers").value_or(c.nameservers);
    c.searches = StringListAttr(dns, "searches").value_or(c.searches);
    const Value& options = Attr(dns, "options");
    if (options.IsKnown() && !options.IsNull()) {
      for (const Value& opt : options.Elements()) {
        c.options.push_back(
            {StringAttr(opt, "name").value_or(""), StringAttr(opt, "value")});
      }
    }
    p.dns_config = std::move(c);
  }
  p.affinity = AffinityFromValue(o);
  p.env_value_from = EnvValueFromFromValue(o);
  p.volumes = VolumesFromValue(o);
  if (auto text = StringAttr(o, "pod_overrides")) {
    p.overrides = nlohmann::json::parse(*text, nullptr, false);
    if (p.overrides.is_discarded()) p.overrides = nullptr;
  }
  p.envbox = EnvboxOptionsFromValue(o);
  const Value& aliases = Attr(o, "host_aliases");
  if (aliases.IsKnown() && !aliases.IsNull()) {
    for (const Value& a : aliases.Elements()) {
      p.host_aliases.push_back({StringAttr(a, "ip").value_or(""),
                                StringListAttr(a, "hostnames")
                                    .value_or(std::vector<std::string>{})});
    }
  }
  return p;
}

namespace {

nlohmann::json DnsConfigJson(const DnsConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  if (!c.nameservers.empty()) j["nameservers"] = c.nameservers;
  if (!c.searches.empty()) j["searches"] = c.searches;
  if (!c.options.empty()) {
    nlohmann::json options = nlohmann::json::array();
    for (const DnsOption& o : c.options) {
      nlohmann::json opt = {{"name", o.name}};
      if (o.value) opt["value"] = *o.value;
      options.push_back(std::move(opt));
    }
    j["options"] = std::move(options);
  }
  return j;
}

// The pod's imagePullSecrets: those already there (sysbox mode's
// image_pull_secret), then image_pull_secrets, each name once.
void MergePullSecrets(const std::vector<std::string>& names,
                      nlohmann::json* spec) {
  if (names.empty()) return;
  nlohmann::json& list = (*spec)["imagePullSecrets"];
  if (!list.is_array()) list = nlohmann::json::array();
  std::set<std::string> seen;
  for (const nlohmann::json& s : list) seen.insert(s.value("name", ""));
  for (const std::string& name : names) {
    if (seen.insert(name).second) list.push_back({{"name", name}});
  }
}

}  // namespace

void AddPodOptions(const WorkspaceSpec& spec, nlohmann::json* pod) {
  const PodOptions& o = spec.pod_options;
  nlohmann::json& s = (*pod)["spec"];
  if (!o.service_account_name.empty()) {
    s["serviceAccountName"] = o.service_account_name;
  }
  if (o.automount_service_account_token) {
    s["automountServiceAccountToken"] = *o.automount_service_account_token;
  }
  MergePullSecrets(o.image_pull_secrets, &s);
  if (!o.priority_class_name.empty()) {
    s["priorityClassName"] = o.priority_class_name;
  }
  // Sysbox mode's RuntimeClass comes from the settings (a plan-time error
  // otherwise); never replace it.
  if (!o.runtime_class_name.empty() && !s.contains("runtimeClassName")) {
    s["runtimeClassName"] = o.runtime_class_name;
  }
  if (o.termination_grace_period_seconds) {
    s["terminationGracePeriodSeconds"] = *o.termination_grace_period_seconds;
  }
  if (!o.dns_policy.empty()) s["dnsPolicy"] = o.dns_policy;
  if (o.dns_config) s["dnsConfig"] = DnsConfigJson(*o.dns_config);
  if (!o.host_aliases.empty()) {
    nlohmann::json aliases = nlohmann::json::array();
    for (const HostAlias& a : o.host_aliases) {
      aliases.push_back({{"ip", a.ip}, {"hostnames", a.hostnames}});
    }
    s["hostAliases"] = std::move(aliases);
  }
  // Beside any nodeSelector (node_selector, and in sysbox mode the one the
  // RuntimeClass admission adds): the scheduler requires both.
  if (!o.affinity.is_null()) s["affinity"] = o.affinity;
}

nlohmann::json ClaimLabels(const WorkspaceSpec& spec) {
  WorkspaceSpec with_home = spec;
  for (const auto& [k, v] : spec.home_labels) with_home.labels[k] = v;
  return WorkspaceLabels(with_home);
}

nlohmann::json ClaimAnnotations(const WorkspaceSpec& spec,
                                const std::string& config_annotation) {
  nlohmann::json annotations(spec.home_annotations);
  if (!annotations.is_object()) annotations = nlohmann::json::object();
  if (!config_annotation.empty()) {
    annotations[kConfigAnnotation] = config_annotation;
  } else {
    annotations.erase(kConfigAnnotation);
  }
  return annotations;
}

}  // namespace cvm::resources::workspace_internal
