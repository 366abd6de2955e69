// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The volume blocks and the envbox block of cvm_workspace
// (workspace_volumes.cc): the rendered pod in both modes (pod volumes,
// envbox's CODER_MOUNTS and CODER_* settings, sysbox's mounts and the
// home-owner chown), the plan-time rules, and apply, plan, import through
// framework::Server.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_validate.h"
#include "tests/resources/workspace_test_env.h"

namespace cvm::resources {
namespace {

using framework::StringMap;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using values::Value;

using Error = std::pair<std::string, std::string>;

Value Str(const std::string& s) { return Value::String(s); }

// Volume `name` with one source block and the other attributes.
Value Volume(const std::string& name, std::optional<std::string> target,
             const std::string& source_block, Value source,
             std::optional<bool> read_only = std::nullopt) {
  std::map<std::string, Value> attrs = {{"name", Str(name)},
                                        {source_block, std::move(source)}};
  if (target) attrs["target"] = Str(*target);
  if (read_only) attrs["read_only"] = Value::Bool(*read_only);
  return Value::Object(std::move(attrs));
}

Value Named(const std::string& key, const std::string& name) {
  return Value::Object({{key, Str(name)}});
}

// ca: Secret corp-ca for envbox only; cfg: ConfigMap at /etc/app;
// data: claim shared-data at /data; nfs: export at /mnt/nfs, read-only.
Value FourVolumes() {
  return Value::Tuple({
      Volume("ca", std::nullopt, "secret", Named("name", "corp-ca")),
      Volume("cfg", "/etc/app", "config_map",
             Value::Object({{"name", Str("app")},
                            {"optional", Value::Bool(true)}})),
      Volume("data", "/data", "persistent_volume_claim",
             Named("claim_name", "shared-data")),
      Volume("nfs", "/mnt/nfs", "nfs",
             Value::Object({{"server", Str("nfs.corp.internal")},
                            {"path", Str("/exports/tools")}}),
             true),
  });
}

Value Config(Value volumes, std::map<std::string, Value> extra = {}) {
  extra["volume"] = std::move(volumes);
  return WorkspaceConfig(std::move(extra));
}

Value EnvboxBlock(std::map<std::string, Value> attrs) {
  return Value::Object(std::move(attrs));
}

RenderedWorkspace RenderConfig(const Value& config) {
  ClusterSettings settings;
  settings.namespace_name = "coder";
  settings.runtime_class_name = "sysbox-runc";
  return Render(SpecFromValue(config), settings, std::nullopt, "{}");
}

json EnvValue(const json& pod, const std::string& name) {
  const json e = NamedEntry(pod["spec"]["containers"][0]["env"], name);
  return e.is_null() ? json(nullptr) : e["value"];
}

std::vector<Error> Validate(const Value& config) {
  framework::Diagnostics diags;
  ValidateWorkspaceConfig(config, &diags);
  std::vector<Error> out;
  for (const framework::Diagnostic& d : diags.items()) {
    if (d.severity != framework::Diagnostic::Severity::kError) continue;
    out.emplace_back(d.summary, d.path ? d.path->ToString() : "");
  }
  return out;
}

TEST(VolumeRenderTest, EnvboxMountsUnderHomeAndPassesTargetsByCoderMounts) {
  const RenderedWorkspace r = RenderConfig(Config(FourVolumes()));
  const json& spec = r.pod["spec"];
  EXPECT_EQ(NamedEntry(spec["volumes"], "vol-ca"),
            json::parse(R"({"name": "vol-ca",
                            "secret": {"secretName": "corp-ca"}})"));
  EXPECT_EQ(NamedEntry(spec["volumes"], "vol-cfg"),
            json::parse(R"({"name": "vol-cfg",
                 "configMap": {"name": "app", "optional": true}})"));
  EXPECT_EQ(NamedEntry(spec["volumes"], "vol-data"),
            json::parse(R"({"name": "vol-data",
                 "persistentVolumeClaim": {"claimName": "shared-data"}})"));
  EXPECT_EQ(NamedEntry(spec["volumes"], "vol-nfs"),
            json::parse(R"({"name": "vol-nfs", "nfs": {
                 "server": "nfs.corp.internal", "path": "/exports/tools",
                 "readOnly": true}})"));
  const json& mounts = spec["containers"][0]["volumeMounts"];
  EXPECT_EQ(NamedEntry(mounts, "vol-ca"),
            json::parse(R"({"name": "vol-ca", "readOnly": true,
                            "mountPath": "/home/.cvm-volume-ca"})"));
  EXPECT_EQ(NamedEntry(mounts, "vol-data"),
            json::parse(R"({"name": "vol-data",
                            "mountPath": "/home/.cvm-volume-data"})"));
  // The volume without a target stays envbox's.
  EXPECT_EQ(EnvValue(r.pod, "CODER_MOUNTS"),
            "/home/coder:/home/coder,/home/.cvm-volume-cfg:/etc/app:ro,"
            "/home/.cvm-volume-data:/data,/home/.cvm-volume-nfs:/mnt/nfs:ro");
}

TEST(VolumeRenderTest, SysboxMountsAtTheTargetAndChownsWritableClaims) {
  const RenderedWorkspace r = RenderConfig(Config(
      Value::Tuple({Volume("cfg", "/etc/app", "config_map", Named("name", "app")),
                    Volume("data", "/data", "persistent_volume_claim",
                           Named("claim_name", "shared-data")),
                    Volume("ro", "/ro", "persistent_volume_claim",
                           Named("claim_name", "other"), true)}),
      {{"mode", Str("sysbox")}}));
  const json& spec = r.pod["spec"];
  EXPECT_EQ(spec["volumes"].size(), 4u);
  const json& mounts = spec["containers"][0]["volumeMounts"];
  EXPECT_EQ(NamedEntry(mounts, "vol-cfg"),
            json::parse(R"({"name": "vol-cfg", "readOnly": true,
                            "mountPath": "/etc/app"})"));
  EXPECT_EQ(NamedEntry(mounts, "vol-data"),
            json::parse(R"({"name": "vol-data", "mountPath": "/data"})"));
  const json& init = spec["initContainers"][0];
  EXPECT_EQ(init["command"], json::parse(R"(["chown", "coder:",
                                             "/home/coder", "/data"])"));
  EXPECT_FALSE(NamedEntry(init["volumeMounts"], "vol-data").is_null());
  EXPECT_TRUE(NamedEntry(init["volumeMounts"], "vol-ro").is_null());
}

TEST(VolumeRenderTest, EnvboxSettingsBecomeItsVariables) {
  const RenderedWorkspace r = RenderConfig(Config(
      FourVolumes(),
      {{"envbox",
        EnvboxBlock({{"extra_certs_volume", Str("ca")},
                     {"extra_certs_file", Str("ca.crt")},
                     {"docker_config_volume", Str("cfg")},
                     {"disable_idmapped_mount", Value::Bool(true)},
                     {"inner_work_dir", Str("/home/coder/src")},
                     {"inner_usr_lib_dir", Str("/usr/lib64")}})}}));
  EXPECT_EQ(EnvValue(r.pod, "CODER_EXTRA_CERTS_PATH"),
            "/home/.cvm-volume-ca/ca.crt");
  EXPECT_EQ(EnvValue(r.pod, "CODER_DOCKER_CONFIG"),
            "/home/.cvm-volume-cfg/.dockerconfigjson");
  EXPECT_EQ(EnvValue(r.pod, "CODER_DISABLE_IDMAPPED_MOUNT"), "true");
  EXPECT_EQ(EnvValue(r.pod, "CODER_INNER_WORK_DIR"), "/home/coder/src");
  EXPECT_EQ(EnvValue(r.pod, "CODER_INNER_USR_LIB_DIR"), "/usr/lib64");

  const RenderedWorkspace whole = RenderConfig(Config(
      FourVolumes(), {{"envbox", EnvboxBlock({{"extra_certs_volume",
                                               Str("ca")}})}}));
  EXPECT_EQ(EnvValue(whole.pod, "CODER_EXTRA_CERTS_PATH"),
            "/home/.cvm-volume-ca");
  EXPECT_TRUE(EnvValue(whole.pod, "CODER_DOCKER_CONFIG").is_null());
  EXPECT_TRUE(EnvValue(whole.pod, "CODER_DISABLE_IDMAPPED_MOUNT").is_null());
}

TEST(VolumeRenderTest, TheHashCoversThemAndUnsetChangesNothing) {
  const std::string base = RenderConfig(WorkspaceConfig()).pod_spec_hash;
  EXPECT_EQ(RenderConfig(Config(Value::Tuple({}))).pod_spec_hash, base);
  const std::string four = RenderConfig(Config(FourVolumes())).pod_spec_hash;
  EXPECT_NE(four, base);
  EXPECT_NE(RenderConfig(Config(FourVolumes(),
                                {{"envbox", EnvboxBlock({{"inner_work_dir",
                                                          Str("/src")}})}}))
                .pod_spec_hash,
            four);
}

TEST(VolumeValidateTest, ValidInBothModes) {
  EXPECT_THAT(Validate(Config(FourVolumes())), IsEmpty());
  Value with_targets = Value::Tuple(
      {Volume("ca", "/etc/ca", "secret", Named("name", "corp-ca"))});
  EXPECT_THAT(Validate(Config(with_targets, {{"mode", Str("sysbox")}})),
              IsEmpty());
}

TEST(VolumeValidateTest, OneSourceReadOnlyDataUniqueNamesAndTargets) {
  const Value both = Value::Object({{"name", Str("a")},
                                    {"target", Str("/a")},
                                    {"secret", Named("name", "s")},
                                    {"config_map", Named("name", "c")}});
  const Value neither =
      Value::Object({{"name", Str("b")}, {"target", Str("/b")}});
  const Value writable_secret =
      Volume("c", "/c", "secret", Named("name", "s"), false);
  const Value same_name = Volume("c", "/d", "config_map", Named("name", "c"));
  const Value same_target = Volume("e", "/a", "config_map", Named("name", "c"));
  const Value under_tmp = Volume("f", "/tmp/x", "config_map", Named("name", "c"));
  EXPECT_THAT(
      Validate(Config(Value::Tuple({both, neither, writable_secret, same_name,
                                    same_target, under_tmp}),
                      {{"mounts", Value::Tuple({Value::Object(
                                      {{"source", Str("x")},
                                       {"target", Str("/c")}})})}})),
      UnorderedElementsAre(
          Error("Invalid Volume Source", "volume[0]"),
          Error("Invalid Volume Source", "volume[1]"),
          Error("Volume Is Always Read-Only", "volume[2].read_only"),
          Error("Duplicate Mount Target", "volume[2].target"),
          Error("Duplicate Volume Name", "volume[3].name"),
          Error("Duplicate Mount Target", "volume[4].target"),
          Error("Mount Target Under /tmp", "volume[5].target")));
}

TEST(VolumeValidateTest, SysboxNeedsTargetsAndNoEnvboxBlock) {
  EXPECT_THAT(
      Validate(Config(FourVolumes(),
                      {{"mode", Str("sysbox")},
                       {"envbox", EnvboxBlock({{"inner_work_dir",
                                                Str("/src")}})}})),
      ElementsAre(Error("Missing Volume Target", "volume[0].target"),
                  Error("envbox Settings Need envbox Mode", "envbox")));
}

TEST(VolumeValidateTest, EnvboxBlockNamesExistingVolumes) {
  EXPECT_THAT(
      Validate(Config(FourVolumes(),
                      {{"envbox",
                        EnvboxBlock({{"extra_certs_volume", Str("nope")},
                                     {"docker_config_file", Str("c.json")},
                                     {"inner_usr_lib_dir", Str("lib")}})}})),
      UnorderedElementsAre(
          Error("Unknown Volume", "envbox.extra_certs_volume"),
          Error("File Without a Volume", "envbox.docker_config_file")));
}

TEST(VolumeValidateTest, EnvboxVariablesHaveNamedArguments) {
  const std::vector<Error> errors = Validate(WorkspaceConfig(
      {{"env", StringMap({{"CODER_EXTRA_CERTS_PATH", "/certs"},
                          {"CODER_INNER_WORK_DIR", "/src"}})}}));
  EXPECT_THAT(errors,
              UnorderedElementsAre(
                  Error("Reserved Environment Variable",
                        "env[\"CODER_EXTRA_CERTS_PATH\"]"),
                  Error("Reserved Environment Variable",
                        "env[\"CODER_INNER_WORK_DIR\"]")));
}

class VolumeResourceTest : public WorkspaceTest {};

TEST_F(VolumeResourceTest, AttributeValidatorsNameTheAttribute) {
  const framework::Diagnostics diags = env_.server.ValidateResourceConfig(
      kWorkspaceType,
      Config(Value::Tuple({Volume("Bad_Name", "relative", "secret",
                                  Named("name", "Bad_Secret"))}),
             {{"envbox", EnvboxBlock({{"extra_certs_file", Str("../x")}})}}));
  std::vector<std::string> paths;
  for (const framework::Diagnostic& d : diags.items()) {
    if (d.path) paths.push_back(d.path->ToString());
  }
  EXPECT_THAT(paths, ::testing::IsSupersetOf(std::vector<std::string>{
                         "volume[0].name", "volume[0].target",
                         "volume[0].secret.name", "envbox.extra_certs_file"}))
      << Describe(diags);
}

TEST_F(VolumeResourceTest, ApplyPlanEmptyAndImport) {
  const Value config = Config(
      FourVolumes(),
      {{"envbox", EnvboxBlock({{"extra_certs_volume", Str("ca")},
                               {"disable_idmapped_mount", Value::Bool(true)}})}});
  const Value state = Create(config);
  const json pod = *env_.api->Find(kPodPath);
  EXPECT_FALSE(NamedEntry(pod["spec"]["volumes"], "vol-nfs").is_null());
  EXPECT_EQ(EnvValue(pod, "CODER_EXTRA_CERTS_PATH"), "/home/.cvm-volume-ca");

  ExpectStableAndImportable(state, config);
}

}  // namespace
}  // namespace cvm::resources
