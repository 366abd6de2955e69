// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The plan-time rules of the pod options (see workspace_internal.h): what
// the attribute validators cannot see alone, and what Kubernetes would
// only reject when the pod is created.

#include <arpa/inet.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "provider/framework/timeouts.h"
#include "provider/framework/value_access.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_internal.h"
#include "provider/values/path.h"

namespace cvm::resources::workspace_internal {
namespace {

using framework::Attr;
using framework::Diagnostics;
using framework::StringAttr;
using framework::StringListAttr;
using values::Path;
using values::Value;

// Kubernetes' limits on dnsConfig (MaxDNSNameservers, MaxDNSSearchPaths).
constexpr size_t kMaxNameservers = 3;
constexpr size_t kMaxSearches = 32;

bool IsIpAddress(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

void CheckRuntimeClass(const Value& config, bool sysbox, Diagnostics* diags) {
  if (!sysbox || !StringAttr(config, "runtime_class_name")) return;
  diags->AddAttributeError(
      Path::FromAttr("runtime_class_name"), "Not Supported in sysbox Mode",
      "A sysbox-mode pod runs with the Sysbox RuntimeClass of the "
      "namespace's cvm_cluster_settings (runtime_class); remove "
      "runtime_class_name, or set the RuntimeClass there.");
}

void CheckGracePeriod(const Value& config, Diagnostics* diags) {
  const std::optional<std::string> text =
      StringAttr(config, "termination_grace_period");
  if (!text) return;
  absl::StatusOr<absl::Duration> d = framework::ParseDuration(*text);
  // The attribute validator reports text that does not parse (a sign
  // included).
  if (!d.ok()) return;
  if (*d != absl::Trunc(*d, absl::Seconds(1))) {
    diags->AddAttributeError(
        Path::FromAttr("termination_grace_period"),
        "Invalid Termination Grace Period",
        absl::StrCat(QuoteValue(*text),
                     " is not a whole number of seconds, which is what the "
                     "pod's terminationGracePeriodSeconds "
                     "takes; write e.g. \"30s\" or \"2m\"."));
  }
}

void CheckPullSecrets(const Value& config, Diagnostics* diags) {
  const auto names = StringListAttr(config, "image_pull_secrets");
  if (!names) return;
  std::set<std::string> seen;
  for (size_t i = 0; i < names->size(); ++i) {
    if (seen.insert((*names)[i]).second) continue;
    diags->AddAttributeError(
        Path::FromAttr("image_pull_secrets").Index(static_cast<int64_t>(i)),
        "Duplicate Image Pull Secret",
        absl::StrCat(QuoteValue((*names)[i]),
                     " is already in image_pull_secrets; list each Secret "
                     "once."));
  }
}

void CheckDnsConfig(const Value& config, Diagnostics* diags) {
  const Value& dns = Attr(config, "dns_config");
  const Path path = Path::FromAttr("dns_config");
  const auto nameservers = StringListAttr(dns, "nameservers");
  if (std::optional<std::string> policy = StringAttr(config, "dns_policy");
      policy == "None" && !Attr(dns, "nameservers").IsUnknown() &&
      (!nameservers || nameservers->empty())) {
    diags->AddAttributeError(
        Path::FromAttr("dns_policy"), "DNS Policy None Needs Name Servers",
        "With dns_policy = \"None\" the pod's resolver comes only from "
        "dns_config: set dns_config.nameservers (at least one address).");
  }
  if (nameservers) {
    if (nameservers->size() > kMaxNameservers) {
      diags->AddAttributeError(
          path.Attr("nameservers"), "Too Many Name Servers",
          absl::StrCat("Kubernetes allows at most ", kMaxNameservers,
                       " name servers; got ", nameservers->size(), "."));
    }
    for (size_t i = 0; i < nameservers->size(); ++i) {
      if (IsIpAddress((*nameservers)[i])) continue;
      diags->AddAttributeError(
          path.Attr("nameservers").Index(static_cast<int64_t>(i)),
          "Invalid Name Server",
          absl::StrCat(QuoteValue((*nameservers)[i]),
                       " is not an IPv4 or IPv6 address."));
    }
  }
  const auto searches = StringListAttr(dns, "searches");
  if (searches && searches->size() > kMaxSearches) {
    diags->AddAttributeError(
        path.Attr("searches"), "Too Many Search Domains",
        absl::StrCat("Kubernetes allows at most ", kMaxSearches,
                     " search domains; got ", searches->size(), "."));
  }
}

void CheckHostAliases(const Value& config, Diagnostics* diags) {
  const Value& aliases = Attr(config, "host_aliases");
  if (!aliases.IsKnown() || aliases.IsNull()) return;
  for (size_t i = 0; i < aliases.Elements().size(); ++i) {
    const Value& a = aliases.Elements()[i];
    const Path path =
        Path::FromAttr("host_aliases").Index(static_cast<int64_t>(i));
    if (auto ip = StringAttr(a, "ip"); ip && !IsIpAddress(*ip)) {
      diags->AddAttributeError(
          path.Attr("ip"), "Invalid Host Alias Address",
          absl::StrCat(QuoteValue(*ip), " is not an IPv4 or IPv6 address."));
    }
    if (auto names = StringListAttr(a, "hostnames"); names && names->empty()) {
      diags->AddAttributeError(path.Attr("hostnames"),
                               "Host Alias Without Host Names",
                               "Give each host alias at least one host name.");
    }
  }
}

void CheckHomeAnnotations(const Value& config, Diagnostics* diags) {
  const auto annotations =
      framework::StringMapAttr(Attr(config, "home"), "annotations");
  if (!annotations || annotations->count(kConfigAnnotation) == 0) return;
  diags->AddAttributeError(
      Path::FromAttr("home").Attr("annotations").Key(kConfigAnnotation),
      "Reserved Annotation",
      absl::StrCat(kConfigAnnotation,
                   " is where the provider records the workspace's "
                   "arguments for import; remove it from home.annotations."));
}

}  // namespace

void ValidatePodOptions(const Value& config, bool sysbox, Diagnostics* diags) {
  CheckRuntimeClass(config, sysbox, diags);
  CheckGracePeriod(config, diags);
  CheckPullSecrets(config, diags);
  CheckDnsConfig(config, diags);
  CheckHostAliases(config, diags);
  CheckHomeAnnotations(config, diags);
  ValidateAffinity(config, diags);
  ValidateEnvValueFrom(config, diags);
  ValidateVolumes(config, sysbox, diags);
}

}  // namespace cvm::resources::workspace_internal
