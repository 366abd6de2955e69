// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The schemas of cvm_workspace and cvm_workspace_manifest
// (workspace_schema.cc): flags, defaults and the validators wired to each
// attribute.

#include "provider/resources/workspace_schema.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/framework/diagnostics.h"
#include "provider/framework/plan.h"
#include "provider/resources/settings.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_model.h"
#include "provider/schema/schema.h"
#include "provider/values/path.h"
#include "provider/values/type.h"
#include "provider/values/value.h"
#include "tests/testing/status_matchers.h"

namespace cvm::resources {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using framework::Diagnostic;
using framework::Diagnostics;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using values::Path;
using values::Type;
using values::Value;

using Attrs = std::map<std::string, Value>;

Value Str(const std::string& s) { return Value::String(s); }

Value StrMap(const std::map<std::string, std::string>& m) {
  std::map<std::string, Value> out;
  for (const auto& [k, v] : m) out.emplace(k, Str(v));
  return Value::Map(Type::String(), std::move(out));
}

TEST(WorkspaceSchemaTest, SchemasAreValid) {
  EXPECT_THAT(WorkspaceResourceSchema().Validate(), IsOk());
  EXPECT_THAT(WorkspaceManifestSchema().Validate(), IsOk());
}

TEST(WorkspaceSchemaTest, AgentTokenIsWriteOnlyAndSensitive) {
  const schema::Attribute* token =
      WorkspaceResourceSchema().block.FindAttribute("agent_token");
  ASSERT_NE(token, nullptr);
  EXPECT_TRUE(token->write_only);
  EXPECT_TRUE(token->sensitive);
  EXPECT_TRUE(token->optional);
  EXPECT_FALSE(token->computed);
  const schema::Attribute* hash =
      WorkspaceResourceSchema().block.FindAttribute("agent_token_sha256");
  ASSERT_NE(hash, nullptr);
  EXPECT_TRUE(hash->computed);
  EXPECT_FALSE(hash->optional);
  // Manifests never hold a token.
  EXPECT_EQ(WorkspaceManifestSchema().block.FindAttribute("agent_token"),
            nullptr);
}

TEST(WorkspaceSchemaTest, IdentityChangesReplaceTheWorkspace) {
  const schema::Block& block = WorkspaceResourceSchema().block;
  for (const char* name : {"name", "namespace", "mode"}) {
    SCOPED_TRACE(name);
    const schema::Attribute* a = block.FindAttribute(name);
    ASSERT_NE(a, nullptr);
    EXPECT_TRUE(a->requires_replace);
  }
  const schema::NestedBlock* home = block.FindBlock("home");
  ASSERT_NE(home, nullptr);
  EXPECT_TRUE(home->block.FindAttribute("storage_class")->requires_replace);
  EXPECT_FALSE(home->block.FindAttribute("size")->requires_replace);
  // Everything else is applied to the pod, which is recreated by the
  // provider when needed, so the workspace (and its volume) stays.
  for (const char* name :
       {"inner_image", "image", "env", "running", "tun", "labels"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(block.FindAttribute(name)->requires_replace);
  }
  // A data source replaces nothing.
  for (const char* name : {"name", "namespace", "mode"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(
        WorkspaceManifestSchema().block.FindAttribute(name)->requires_replace);
  }
}

TEST(WorkspaceSchemaTest, DefaultsAndComputedAttributes) {
  const schema::Block& block = WorkspaceResourceSchema().block;
  struct Case {
    std::string name;
    Value want;
  };
  const std::vector<Case> defaults = {
      {"mode", Str("envbox")},
      {"image", Str(kDefaultEnvboxImage)},
      {"inner_username", Str("coder")},
      {"running", Value::Bool(true)},
      {"systemd", Value::Bool(true)},
      {"user_namespace", Str("annotation")},
      {"wait_for_ready", Value::Bool(true)},
  };
  for (const Case& c : defaults) {
    SCOPED_TRACE(c.name);
    const schema::Attribute* a = block.FindAttribute(c.name);
    ASSERT_NE(a, nullptr);
    ASSERT_TRUE(a->default_value.has_value());
    EXPECT_EQ(*a->default_value, c.want);
  }
  for (const char* name :
       {"id", "pod_name", "home_claim_name", "secret_name", "node_name",
        "phase", "pod_spec_hash", "host_path_mounts"}) {
    SCOPED_TRACE(name);
    const schema::Attribute* a = block.FindAttribute(name);
    ASSERT_NE(a, nullptr);
    EXPECT_TRUE(a->computed);
    EXPECT_FALSE(a->optional);
  }
  EXPECT_EQ(block.FindAttribute("host_path_mounts")->ValueType(),
            Type::List(HostPathObjectType()));
  EXPECT_NE(block.FindBlock("timeouts"), nullptr);
  const schema::Block& manifest = WorkspaceManifestSchema().block;
  EXPECT_EQ(manifest.FindBlock("timeouts"), nullptr);
  EXPECT_NE(manifest.FindBlock("cluster_settings"), nullptr);
  for (const char* name : {"yaml", "json", "pod_yaml", "objects"}) {
    SCOPED_TRACE(name);
    ASSERT_NE(manifest.FindAttribute(name), nullptr);
    EXPECT_TRUE(manifest.FindAttribute(name)->computed);
  }
}

TEST(WorkspaceSchemaTest, AttributeValidatorsAreWired) {
  struct Case {
    std::vector<std::string> path;  // attribute, or block then attribute
    std::string bad, good, message;
  };
  const std::vector<Case> cases = {
      {{"name"}, "Dev", "dev-1", "at most 57 lowercase"},
      {{"name"}, std::string(58, 'a'), std::string(57, 'a'), "at most 57"},
      {{"namespace"}, "My_NS", "coder", "RFC 1123 label"},
      {{"mode"}, "docker", "sysbox", "is not one of: \"envbox\", \"sysbox\""},
      {{"image"},
       "Envbox",
       "ghcr.io/coder/envbox:0.6.7",
       "not a valid image reference"},
      {{"inner_image"}, "ubuntu:", "ubuntu:22.04", "bad tag"},
      {{"inner_username"}, "Coder", "coder", "not a POSIX user name"},
      {{"inner_hostname"}, "workspace_cvm", "workspace-cvm", "RFC 1123 label"},
      {{"image_pull_secret"}, "RegCred", "regcred", "RFC 1123 subdomain"},
      {{"user_namespace"}, "auto", "host_users", "is not one of"},
      {{"cpu", "limit"}, "2 cores", "2", "not a Kubernetes quantity"},
      {{"cpu", "request"}, "-1", "500m", "non-negative"},
      {{"memory", "limit"}, "4GB", "4Gi", "not a Kubernetes quantity"},
      {{"home", "size"}, "lots", "50Gi", "not a Kubernetes quantity"},
      {{"home", "storage_class"}, "Fast", "fast", "RFC 1123 subdomain"},
      {{"gpu", "host_lib_dir"},
       "usr/lib64",
       "/usr/lib64",
       "must be an absolute path"},
      {{"timeouts", "create"}, "10 minutes", "10m", "is not a duration"},
      {{"timeouts", "delete"}, "1d", "1h", "is not a duration"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path.back() + " = " + c.bad);
    const schema::Block* block = &WorkspaceResourceSchema().block;
    if (c.path.size() == 2) {
      const schema::NestedBlock* nb = block->FindBlock(c.path[0]);
      ASSERT_NE(nb, nullptr);
      block = &nb->block;
    }
    const schema::Attribute* a = block->FindAttribute(c.path.back());
    ASSERT_NE(a, nullptr);
    ASSERT_FALSE(a->validators.empty());
    bool rejected = false;
    for (const schema::Validator& v : a->validators) {
      EXPECT_THAT(v(Str(c.good)), IsOk());
      const absl::Status st = v(Str(c.bad));
      if (!st.ok()) {
        rejected = true;
        EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr(c.message)));
      }
    }
    EXPECT_TRUE(rejected);
  }
}

TEST(WorkspaceSchemaTest, NestedAttributeValidatorsAreWired) {
  const schema::Attribute* mounts =
      WorkspaceResourceSchema().block.FindAttribute("mounts");
  ASSERT_NE(mounts, nullptr);
  ASSERT_TRUE(mounts->nested.has_value());
  std::map<std::string, const schema::Attribute*> by_name;
  for (const schema::Attribute& a : mounts->nested->attributes)
    by_name[a.name] = &a;
  ASSERT_EQ(by_name.count("source"), 1u);
  ASSERT_EQ(by_name.count("target"), 1u);
  struct Case {
    std::string attr, value, message;  // message empty: accepted
  };
  const std::vector<Case> cases = {
      {"source", "projects", ""},
      {"source", "a/b", ""},
      {"source", "/abs", "must be a relative directory inside the home volume"},
      {"source", "../up", "without '..'"},
      {"source", "a,b", "without '..', ',' or ':'"},
      {"source", "", "must be a relative directory"},
      {"target", "/opt/data", ""},
      {"target", "opt", "must be an absolute path"},
      {"target", "/opt/../tmp", "contains a '..' component"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.attr + " = " + c.value);
    const absl::Status st = by_name[c.attr]->validators.at(0)(Str(c.value));
    if (c.message.empty()) {
      EXPECT_THAT(st, IsOk());
    } else {
      EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr(c.message)));
    }
  }
}

// Labels, node selectors and annotations of both schemas, through the
// framework's attribute validation (which attaches the attribute's path; the
// message names the map key).
TEST(WorkspaceSchemaTest, LabelValuesAndAnnotationSizeAreValidated) {
  const std::string advice =
      "is not a valid Kubernetes label value: use at most 63 letters, digits, "
      "'-', '_' or '.', starting and ending with a letter or digit";
  const size_t budget = kTotalAnnotationSizeLimit - 89;
  struct Case {
    std::string attr;
    std::map<std::string, std::string> map;
    std::string detail;  // empty: accepted
  };
  const std::vector<Case> cases = {
      {"labels", {{"app", "dev"}, {"team", ""}}, ""},
      {"labels",
       {{"app", "bad value!"}},
       "the value of key \"app\", \"bad value!\", " + advice},
      {"labels",
       {{"app", std::string(64, 'v')}},
       "(64 characters, over 63), " + advice},
      {"labels", {{"app", std::string(63, 'v')}}, ""},
      {"node_selector", {{"pool", "gpu-a100"}}, ""},
      {"node_selector",
       {{"pool", "-gpu"}},
       "the value of key \"pool\", \"-gpu\", " + advice},
      {"annotations", {{"note", "free text, with spaces!"}}, ""},
      {"annotations", {{"a", std::string(budget - 1, 'x')}}, ""},
      {"annotations",
       {{"a", std::string(budget, 'x')}},
       "the annotations take 262056 bytes (all keys plus all values), over "
       "the limit of 262055 bytes: Kubernetes allows 262144 bytes (256 KiB) "
       "per object and the provider adds 89 bytes of its own. Remove "
       "annotations"},
  };
  for (const schema::Schema* schema :
       {&WorkspaceResourceSchema(), &WorkspaceManifestSchema()}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.attr + " (" + std::to_string(c.map.size()) + " entries)");
      Attrs attrs = {{"name", Str("dev")},
                     {"namespace", Str("coder")},
                     {"inner_image", Str("docker.io/codercom/base:ubuntu")},
                     {c.attr, StrMap(c.map)}};
      const Value config =
          schema::Conform(schema->block, Value::Object(std::move(attrs)));
      Diagnostics diags;
      framework::ValidateConfigValue(schema->block, config, &diags);
      if (c.detail.empty()) {
        EXPECT_THAT(diags.items(), IsEmpty());
      } else {
        EXPECT_THAT(diags.items(),
                    ElementsAre(AllOf(Field("severity", &Diagnostic::severity,
                                            Diagnostic::Severity::kError),
                                      Field("summary", &Diagnostic::summary,
                                            "Invalid Attribute Value"),
                                      Field("path", &Diagnostic::path,
                                            Optional(Path::FromAttr(c.attr))),
                                      Field("detail", &Diagnostic::detail,
                                            HasSubstr(c.detail)))));
      }
    }
  }
}

// The annotations the provider adds to the pod fit in what the annotations
// validator reserves: a pod with the largest accepted user annotations is
// within Kubernetes' limit.
TEST(WorkspaceSchemaTest, AnnotationBudgetCoversTheProvidersPodAnnotations) {
  const schema::Attribute* a =
      WorkspaceResourceSchema().block.FindAttribute("annotations");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->validators.size(), 1u);
  size_t largest = 0;  // the largest accepted value of annotation "a"
  for (size_t n = kTotalAnnotationSizeLimit - 200;
       n <= kTotalAnnotationSizeLimit; ++n) {
    if (a->validators[0](StrMap({{"a", std::string(n, 'x')}})).ok()) {
      largest = n;
    }
  }
  ASSERT_GT(largest, 0u);
  for (const char* mode : {"envbox", "sysbox"}) {
    SCOPED_TRACE(mode);
    const Value config = schema::Conform(
        WorkspaceResourceSchema().block,
        Value::Object(
            {{"name", Str("dev")},
             {"namespace", Str("coder")},
             {"inner_image", Str("docker.io/codercom/enterprise-base:ubuntu")},
             {"mode", Str(mode)},
             {"annotations", StrMap({{"a", std::string(largest, 'x')}})}}));
    const RenderedWorkspace r =
        Render(SpecFromValue(config), ClusterSettings{}, std::nullopt, "");
    size_t total = 0;
    for (const auto& [key, value] : r.pod["metadata"]["annotations"].items()) {
      total += key.size() + value.get<std::string>().size();
    }
    EXPECT_LE(total, kTotalAnnotationSizeLimit);
    // sysbox mode adds CRI-O's user-namespace annotation: exactly full.
    if (std::string(mode) == "sysbox") {
      EXPECT_EQ(total, kTotalAnnotationSizeLimit);
    }
  }
}

}  // namespace
}  // namespace cvm::resources
