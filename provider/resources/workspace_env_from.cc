// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The env_value_from blocks of cvm_workspace (see workspace_internal.h):
// workspace variables the kubelet reads from a key of a Secret or a
// ConfigMap, so their values are never in the pod spec or the state.
// Pure functions.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_internal.h"
#include "provider/values/path.h"

namespace cvm::resources::workspace_internal {
namespace {

using framework::Attr;
using framework::ElementsOf;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using schema::Attribute;
using schema::NestedBlock;
using values::Path;
using values::Type;
using values::Value;

NestedBlock KeyRefBlock(const char* name, const char* kind) {
  NestedBlock b;
  b.type_name = name;
  b.nesting = NestedBlock::Nesting::kSingle;
  b.block.markdown_description =
      absl::StrCat("The value is key `key` of ", kind, " `name`.");
  b.block.attributes = {
      Attribute("name", Type::String())
          .Required()
          .Validate(IsDnsSubdomain())
          .Describe(
              absl::StrCat("The ", kind, ", in the workspace's namespace.")),
      Attribute("key", Type::String())
          .Required()
          .Validate(IsConfigKey())
          .Describe(absl::StrCat("The key in the ", kind, ".")),
      Attribute("optional", Type::Bool())
          .Optional()
          .Describe(absl::StrCat(
              "When true, a missing ", kind,
              " or key leaves the variable unset instead of keeping the "
              "workspace from starting.")),
  };
  return b;
}

}  // namespace

NestedBlock EnvValueFromBlock() {
  NestedBlock b;
  b.type_name = "env_value_from";
  b.nesting = NestedBlock::Nesting::kList;
  b.block.markdown_description =
      "A workspace variable whose value the kubelet reads from a key of a "
      "Secret or a ConfigMap when the pod starts (`valueFrom`), so the "
      "value is never in the pod spec or the Terraform state. Exactly one "
      "of `secret_key_ref` and `config_map_key_ref`. The same name rules as "
      "`env` apply; in envbox mode it is set on the envbox container and "
      "passed into the workspace by `CODER_INNER_ENVS`.";
  b.block.attributes = {Attribute("name", Type::String())
                            .Required()
                            .Validate(IsEnvName())
                            .Describe("The variable's name.")};
  b.block.block_types = {KeyRefBlock("secret_key_ref", "Secret"),
                         KeyRefBlock("config_map_key_ref", "ConfigMap")};
  return b;
}

std::vector<EnvValueFrom> EnvValueFromFromValue(const Value& object) {
  std::vector<EnvValueFrom> out;
  for (const Value& e : ElementsOf(Attr(object, "env_value_from"))) {
    EnvValueFrom v;
    v.name = StringAttr(e, "name").value_or("");
    const Value& secret = Attr(e, "secret_key_ref");
    const Value& ref = secret.IsKnown() && !secret.IsNull()
                           ? secret
                           : Attr(e, "config_map_key_ref");
    v.secret = &ref == &secret;
    v.object = StringAttr(ref, "name").value_or("");
    v.key = StringAttr(ref, "key").value_or("");
    v.optional = BoolAttr(ref, "optional");
    out.push_back(std::move(v));
  }
  return out;
}

void AppendEnvValueFrom(const WorkspaceSpec& spec, nlohmann::json* env) {
  for (const EnvValueFrom& v : spec.pod_options.env_value_from) {
    nlohmann::json ref = {{"name", v.object}, {"key", v.key}};
    if (v.optional) ref["optional"] = *v.optional;
    env->push_back(
        {{"name", v.name},
         {"valueFrom",
          {{v.secret ? "secretKeyRef" : "configMapKeyRef", std::move(ref)}}}});
  }
}

std::vector<EnvName> EnvNamesOf(const Value& config) {
  std::vector<EnvName> out;
  if (auto env = framework::StringMapAttr(config, "env")) {
    for (const auto& [name, value] : *env) {
      out.push_back({name, Path::FromAttr("env").Key(name), "env"});
    }
  }
  const std::vector<Value>& from = ElementsOf(Attr(config, "env_value_from"));
  for (size_t i = 0; i < from.size(); ++i) {
    if (auto name = StringAttr(from[i], "name")) {
      out.push_back({*name,
                     Path::FromAttr("env_value_from")
                         .Index(static_cast<int64_t>(i))
                         .Attr("name"),
                     "env_value_from"});
    }
  }
  return out;
}

void ValidateEnvValueFrom(const Value& config, Diagnostics* diags) {
  const std::vector<Value>& from = ElementsOf(Attr(config, "env_value_from"));
  const auto env = framework::StringMapAttr(config, "env");
  const auto passthrough = framework::StringListAttr(config, "env_passthrough")
                               .value_or(std::vector<std::string>{});
  const std::set<std::string> passed(passthrough.begin(), passthrough.end());
  std::set<std::string> seen;
  for (size_t i = 0; i < from.size(); ++i) {
    const Value& e = from[i];
    const Path path =
        Path::FromAttr("env_value_from").Index(static_cast<int64_t>(i));
    const Value& secret = Attr(e, "secret_key_ref");
    const Value& config_map = Attr(e, "config_map_key_ref");
    if (!secret.IsUnknown() && !config_map.IsUnknown() &&
        secret.IsNull() == config_map.IsNull()) {
      diags->AddAttributeError(
          path, "Invalid Environment Reference",
          "Give exactly one of secret_key_ref and config_map_key_ref: the "
          "Secret or ConfigMap key the variable's value comes from.");
    }
    const std::optional<std::string> name = StringAttr(e, "name");
    if (!name) continue;
    std::string clash;
    if (!seen.insert(*name).second) {
      clash = "an earlier env_value_from block";
    } else if (env && env->count(*name) != 0) {
      clash = "env";
    } else if (passed.count(*name) != 0) {
      clash = "env_passthrough";
    }
    if (clash.empty()) continue;
    diags->AddAttributeError(path.Attr("name"),
                             "Duplicate Environment Variable",
                             absl::StrCat(*name, " is already set by ", clash,
                                          "; give each variable one source."));
  }
}

}  // namespace cvm::resources::workspace_internal
