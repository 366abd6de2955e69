// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The configuration rules of cvm_workspace and cvm_workspace_manifest
// (workspace_validate.cc), on configurations of the resource's schema.

#include "provider/resources/workspace_validate.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/framework/diagnostics.h"
#include "provider/resources/workspace_schema.h"
#include "provider/schema/schema.h"
#include "provider/values/path.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace cvm::resources {
namespace {

using framework::Diagnostic;
using framework::Diagnostics;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Matcher;
using ::testing::Optional;
using values::Path;
using values::Type;
using values::Value;

using Attrs = std::map<std::string, Value>;

Value Str(const std::string& s) { return Value::String(s); }

Type MountType() {
  return Type::Object({{"source", Type::String()},
                       {"target", Type::String()},
                       {"read_only", Type::Bool()}});
}

Value Mounts(const std::vector<Value>& targets) {
  std::vector<Value> items;
  for (size_t i = 0; i < targets.size(); ++i) {
    items.push_back(Value::Object({{"source", Str("src" + std::to_string(i))},
                                   {"target", targets[i]},
                                   {"read_only", Value::Null(Type::Bool())}}));
  }
  return Value::List(MountType(), std::move(items));
}

Value StrMap(const std::map<std::string, std::string>& m) {
  std::map<std::string, Value> out;
  for (const auto& [k, v] : m) out.emplace(k, Str(v));
  return Value::Map(Type::String(), std::move(out));
}

// A valid envbox configuration; `changes` replace or add attributes.
Value Config(const Attrs& changes = {}) {
  Attrs attrs = {
      {"name", Str("dev")},
      {"namespace", Str("coder")},
      {"inner_image", Str("docker.io/codercom/enterprise-base:ubuntu")},
      {"cpu", Value::Object({{"limit", Str("2")}})},
      {"memory", Value::Object({{"limit", Str("4Gi")}})},
      {"home", Value::Object({{"size", Str("50Gi")}})},
  };
  for (const auto& [k, v] : changes) attrs[k] = v;
  return schema::Conform(WorkspaceResourceSchema().block,
                         Value::Object(std::move(attrs)));
}

std::vector<Diagnostic> Validate(const Value& config) {
  Diagnostics diags;
  ValidateWorkspaceConfig(config, &diags);
  return diags.items();
}

Matcher<Diagnostic> Diag(Diagnostic::Severity severity,
                         const std::string& summary, const Path& path,
                         const std::string& detail) {
  return AllOf(Field("severity", &Diagnostic::severity, severity),
               Field("summary", &Diagnostic::summary, summary),
               Field("path", &Diagnostic::path, Optional(path)),
               Field("detail", &Diagnostic::detail, HasSubstr(detail)));
}
Matcher<Diagnostic> Error(const std::string& summary, const Path& path,
                          const std::string& detail) {
  return Diag(Diagnostic::Severity::kError, summary, path, detail);
}
Matcher<Diagnostic> Warning(const std::string& summary, const Path& path,
                            const std::string& detail) {
  return Diag(Diagnostic::Severity::kWarning, summary, path, detail);
}

Path MountTarget(int64_t i) {
  return Path::FromAttr("mounts").Index(i).Attr("target");
}
TEST(ValidateWorkspaceConfigTest, ValidConfigsHaveNoDiagnostics) {
  struct Case {
    std::string name;
    Attrs changes;
  };
  const std::vector<Case> cases = {
      {"minimal envbox", {}},
      {"explicit envbox, pinned image, privileged",
       {{"mode", Str("envbox")},
        {"image", Str("ghcr.io/coder/envbox:0.6.7")},
        {"privileged", Value::Bool(true)},
        {"tun", Value::Bool(true)},
        {"fuse", Value::Bool(true)}}},
      {"digest-pinned image",
       {{"mode", Str("envbox")},
        {"image", Str("ghcr.io/coder/envbox@sha256:" + std::string(64, 'a'))}}},
      {"sysbox",
       {{"mode", Str("sysbox")},
        {"inner_image", Str("codercom/enterprise-base:ubuntu")},
        {"privileged", Value::Bool(false)},
        {"host_network", Value::Bool(false)},
        {"tun", Value::Bool(false)},
        {"image", Str("ghcr.io/coder/envbox:latest")}}},
      {"mounts elsewhere",
       {{"mounts", Mounts({Str("/opt/data"), Str("/tmpfoo"), Str("/var/tmp/x"),
                           Str("/var/lib/dockerx"), Str("/home/coder/projects"),
                           Str("/usr/srcx")})}}},
      {"request equals limit",
       {{"cpu",
         Value::Object({{"request", Str("1000m")}, {"limit", Str("1")}})},
        {"memory",
         Value::Object({{"request", Str("4096Mi")}, {"limit", Str("4Gi")}})}}},
      {"gpu in envbox", {{"gpu", Value::Object({{"count", Value::Int(1)}})}}},
      {"home of 100Gi", {{"home", Value::Object({{"size", Str("100Gi")}})}}},
      {"home unset", {{"home", Value::Null(Type::Dynamic())}}},
      {"ordinary env",
       {{"env", StrMap({{"EDITOR", "vim"}, {"CODER_DEBUG", "true"}})}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(Validate(Config(c.changes)), IsEmpty());
  }
}

TEST(ValidateWorkspaceConfigTest, MountTargetUnderTmp) {
  for (const std::string target : {"/tmp", "/tmp/cache", "/tmp/a/b"}) {
    SCOPED_TRACE(target);
    EXPECT_THAT(
        Validate(Config({{"mounts", Mounts({Str("/opt/ok"), Str(target)})}})),
        ElementsAre(Error("Mount Target Under /tmp", MountTarget(1),
                          "Mount \"" + target +
                              "\" somewhere else, e.g. under /opt or /home.")));
  }
}

TEST(ValidateWorkspaceConfigTest, MountTargetPrivateToEnvbox) {
  struct Case {
    std::string target, root;
  };
  const std::vector<Case> cases = {
      {"/var/lib/docker", "/var/lib/docker"},
      {"/var/lib/docker/volumes", "/var/lib/docker"},
      {"/var/lib/containers", "/var/lib/containers"},
      {"/var/lib/sysbox", "/var/lib/sysbox"},
      {"/lib/modules", "/lib/modules"},
      {"/lib/modules/6.1.0", "/lib/modules"},
      {"/usr/src", "/usr/src"},
      {"/var/lib/coder", "/var/lib/coder"},
      {"/var/lib/coder/x", "/var/lib/coder"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    EXPECT_THAT(
        Validate(Config({{"mounts", Mounts({Str(c.target)})}})),
        ElementsAre(Error("Mount Target Is Private to envbox", MountTarget(0),
                          "envbox uses " + c.root + " itself")));
  }
}

TEST(ValidateWorkspaceConfigTest, MountTargetsMustBeDistinctAndNotTheHome) {
  EXPECT_THAT(
      Validate(Config(
          {{"mounts", Mounts({Str("/opt/a"), Str("/opt/b"), Str("/opt/a")})}})),
      ElementsAre(Error("Duplicate Mount Target", MountTarget(2),
                        "Another mount already targets \"/opt/a\"")));
  EXPECT_THAT(
      Validate(Config({{"mounts", Mounts({Str("/home/coder")})}})),
      ElementsAre(Error("Mount Target Is the Home Directory", MountTarget(0),
                        "mount below it (e.g. \"/home/coder/projects\")")));
  EXPECT_THAT(
      Validate(Config(
          {{"inner_username", Str("alice")},
           {"mounts", Mounts({Str("/home/alice"), Str("/home/coder")})}})),
      ElementsAre(Error("Mount Target Is the Home Directory", MountTarget(0),
                        "/home/alice is the workspace's home")));
}

TEST(ValidateWorkspaceConfigTest, ReservedEnvironmentVariables) {
  EXPECT_THAT(Validate(Config({{"env", StrMap({{"CODER_AGENT_TOKEN", "t"},
                                               {"CODER_MOUNTS", "x"}})}})),
              ElementsAre(Error("Reserved Environment Variable",
                                Path::FromAttr("env").Key("CODER_AGENT_TOKEN"),
                                "CODER_AGENT_TOKEN is set by the provider; use "
                                "agent_token instead"),
                          Error("Reserved Environment Variable",
                                Path::FromAttr("env").Key("CODER_MOUNTS"),
                                "use mounts instead")));
  // envbox's variables mean nothing to a sysbox pod, but the bootstrap one
  // does.
  EXPECT_THAT(
      Validate(Config(
          {{"mode", Str("sysbox")},
           {"env", StrMap({{"CODER_MOUNTS", "x"}, {"CVM_BOOTSTRAP", "y"}})}})),
      ElementsAre(Error("Reserved Environment Variable",
                        Path::FromAttr("env").Key("CVM_BOOTSTRAP"),
                        "use bootstrap_script instead")));
}

// In envbox mode `env` is set on the envbox container as well as passed
// into the workspace: names that would change envbox itself are errors.
TEST(ValidateWorkspaceConfigTest, EnvThatWouldChangeEnvboxItself) {
  EXPECT_THAT(
      Validate(Config({{"env", StrMap({{"PATH", "/opt/bin:/usr/bin"},
                                       {"LD_PRELOAD", "x.so"},
                                       {"EDITOR", "vim"}})}})),
      ElementsAre(Error("Environment Variable Would Change envbox",
                        Path::FromAttr("env").Key("LD_PRELOAD"),
                        "coder_agent"),
                  Error("Environment Variable Would Change envbox",
                        Path::FromAttr("env").Key("PATH"), "bootstrap_script")));
  EXPECT_THAT(Validate(Config({{"env", StrMap({{"DOCKER_HOST", "tcp://x"},
                                               {"GODEBUG", "x=1"}})}})),
              ElementsAre(Error("Environment Variable Would Change envbox",
                                Path::FromAttr("env").Key("DOCKER_HOST"),
                                "DOCKER_HOST"),
                          Error("Environment Variable Would Change envbox",
                                Path::FromAttr("env").Key("GODEBUG"),
                                "GODEBUG")));
  // A sysbox pod is the workspace itself.
  EXPECT_THAT(Validate(Config({{"mode", Str("sysbox")},
                               {"inner_image", Str("ghcr.io/x/y:1")},
                               {"env", StrMap({{"PATH", "/opt/bin"}})}})),
              IsEmpty());
}

TEST(ValidateWorkspaceConfigTest, GpuInSysboxMode) {
  EXPECT_THAT(
      Validate(Config({{"mode", Str("sysbox")},
                       {"inner_image", Str("ghcr.io/x/y:1")},
                       {"gpu", Value::Object({{"count", Value::Int(1)}})}})),
      ElementsAre(Error("GPUs Need envbox Mode", Path::FromAttr("gpu"),
                        "Remove the gpu block or set mode = \"envbox\".")));
}

TEST(ValidateWorkspaceConfigTest, GpuLibraryDirectoryMustNotBeASystemRoot) {
  for (const std::string dir : {"/", "/usr", "/lib"}) {
    SCOPED_TRACE(dir);
    EXPECT_THAT(
        Validate(
            Config({{"gpu", Value::Object({{"count", Value::Int(1)},
                                           {"host_lib_dir", Str(dir)}})}})),
        ElementsAre(Error("Invalid GPU Library Directory",
                          Path::FromAttr("gpu").Attr("host_lib_dir"),
                          "e.g. /usr/lib/x86_64-linux-gnu or /usr/lib64")));
  }
}

TEST(ValidateWorkspaceConfigTest, HostAccessInSysboxMode) {
  for (const std::string attr :
       {"privileged", "host_network", "host_pid", "host_ipc"}) {
    SCOPED_TRACE(attr);
    EXPECT_THAT(
        Validate(Config({{"mode", Str("sysbox")}, {attr, Value::Bool(true)}})),
        ElementsAre(Error("Not Supported in sysbox Mode", Path::FromAttr(attr),
                          attr + " breaks the isolation Sysbox provides")));
    // The same setting is fine in envbox mode.
    EXPECT_THAT(
        Validate(Config({{"mode", Str("envbox")}, {attr, Value::Bool(true)}})),
        IsEmpty());
  }
}

TEST(ValidateWorkspaceConfigTest, DevicesInSysboxMode) {
  EXPECT_THAT(
      Validate(Config({{"mode", Str("sysbox")},
                       {"tun", Value::Bool(true)},
                       {"fuse", Value::Bool(true)}})),
      ElementsAre(Error("Not Supported in sysbox Mode", Path::FromAttr("tun"),
                        "so tun works only in envbox mode"),
                  Error("Not Supported in sysbox Mode", Path::FromAttr("fuse"),
                        "so fuse works only in envbox mode")));
}

TEST(ValidateWorkspaceConfigTest, EnvboxMustStayPrivileged) {
  for (const Value& mode : {Str("envbox"), Value::Null(Type::String())}) {
    SCOPED_TRACE(mode.IsNull() ? "default mode" : "envbox");
    EXPECT_THAT(
        Validate(Config({{"mode", mode}, {"privileged", Value::Bool(false)}})),
        ElementsAre(
            Error("envbox Needs a Privileged Pod", Path::FromAttr("privileged"),
                  "remove privileged = false, or use mode = \"sysbox\"")));
  }
}

TEST(ValidateWorkspaceConfigTest, Quantities) {
  struct Case {
    std::string name;
    Attrs changes;
    std::vector<Matcher<Diagnostic>> want;
  };
  auto cpu = [](std::optional<std::string> request, std::string limit) {
    std::map<std::string, Value> b = {{"limit", Str(limit)}};
    if (request) b["request"] = Str(*request);
    return Value::Object(b);
  };
  const std::vector<Case> cases = {
      {"cpu request above limit",
       {{"cpu", cpu("3", "2")}},
       {Error(
           "Request Exceeds Limit", Path::FromAttr("cpu").Attr("request"),
           "cpu.request (3) is larger than cpu.limit (2); lower the request or "
           "raise the limit.")}},
      {"memory request above limit",
       {{"memory", cpu("8Gi", "4Gi")}},
       {Error("Request Exceeds Limit", Path::FromAttr("memory").Attr("request"),
              "memory.request (8Gi) is larger than memory.limit (4Gi)")}},
      {"memory request just above limit",
       {{"memory", cpu("4097Mi", "4Gi")}},
       {Error("Request Exceeds Limit", Path::FromAttr("memory").Attr("request"),
              "lower the request or raise the limit")}},
      {"zero cpu limit",
       {{"cpu", cpu(std::nullopt, "0")}},
       {Error("Invalid Limit", Path::FromAttr("cpu").Attr("limit"),
              "The limit must be greater than zero.")}},
      {"fractional cpu",
       {{"cpu", cpu("500m", "1500m")}},
       {Warning(
           "CPU Limit Rounded Up Inside the Workspace",
           Path::FromAttr("cpu").Attr("limit"),
           "a limit of 1500m becomes 2 inside. Use a whole number of cores")}},
      {"half a core",
       {{"cpu", cpu(std::nullopt, "0.5")}},
       {Warning("CPU Limit Rounded Up Inside the Workspace",
                Path::FromAttr("cpu").Attr("limit"),
                "a limit of 0.5 becomes 1 inside")}},
      {"fractional cpu in sysbox mode is fine",
       {{"mode", Str("sysbox")}, {"cpu", cpu(std::nullopt, "1500m")}},
       {}},
      {"decimal G",
       {{"memory", cpu(std::nullopt, "4G")}},
       {Warning(
           "Decimal Memory Unit", Path::FromAttr("memory").Attr("limit"),
           "\"4G\" uses a decimal unit (1G = 10^9 bytes); write \"4Gi\" for "
           "binary units")}},
      {"decimal M",
       {{"memory", cpu(std::nullopt, "4096M")}},
       {Warning("Decimal Memory Unit", Path::FromAttr("memory").Attr("limit"),
                "write \"4096Mi\"")}},
      {"invalid quantities are left to the attribute validators",
       {{"cpu", cpu("lots", "many")}, {"memory", cpu("x", "4Gi")}},
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(Validate(Config(c.changes)),
                ::testing::ElementsAreArray(c.want));
  }
}

TEST(ValidateWorkspaceConfigTest, HomeSize) {
  struct Case {
    std::string size;
    std::vector<Matcher<Diagnostic>> want;
  };
  const Path path = Path::FromAttr("home").Attr("size");
  const auto too_small = [&](const std::string& size) {
    return Error("Home Volume Too Small", path,
                 size + " is below the 10Gi minimum.");
  };
  const auto small =
      Warning("Small Home Volume", path, "50-100Gi is recommended");
  const std::vector<Case> cases = {
      {"1Gi", {too_small("1Gi")}},
      {"9Gi", {too_small("9Gi")}},
      {"10G", {too_small("10G")}},  // 10^10 bytes < 10 GiB
      {"10Gi", {small}},
      {"10240Mi", {small}},
      {"49Gi", {small}},
      {"50G", {small}},
      {"50Gi", {}},
      {"100Gi", {}},
      {"1Ti", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.size);
    EXPECT_THAT(
        Validate(Config({{"home", Value::Object({{"size", Str(c.size)}})}})),
        ::testing::ElementsAreArray(c.want));
  }
}

TEST(ValidateWorkspaceConfigTest, UnpinnedEnvboxImage) {
  for (const std::string image :
       {"ghcr.io/coder/envbox", "ghcr.io/coder/envbox:latest"}) {
    SCOPED_TRACE(image);
    EXPECT_THAT(
        Validate(Config({{"image", Str(image)}})),
        ElementsAre(Warning("Unpinned envbox Image", Path::FromAttr("image"),
                            "Pin the envbox image to a release (e.g. "
                            "ghcr.io/coder/envbox:0.6.7)")));
  }
}

TEST(ValidateWorkspaceConfigTest, InnerImageWithoutRegistry) {
  EXPECT_THAT(Validate(Config(
                  {{"inner_image", Str("codercom/enterprise-base:ubuntu")}})),
              ElementsAre(Warning(
                  "Image Without Registry", Path::FromAttr("inner_image"),
                  "write the registry explicitly, e.g. "
                  "docker.io/codercom/enterprise-base:ubuntu")));
}

TEST(ValidateWorkspaceConfigTest, UnknownValuesNeverCauseErrors) {
  const Value unknown_string = Value::Unknown(Type::String());
  const Value unknown_bool = Value::Unknown(Type::Bool());
  struct Case {
    std::string name;
    Attrs changes;
  };
  const std::vector<Case> cases = {
      {"unknown mode with every mode-specific setting",
       {{"mode", unknown_string},
        {"gpu", Value::Object({{"count", Value::Int(1)}})},
        {"privileged", Value::Bool(false)},
        {"host_network", Value::Bool(true)},
        {"tun", Value::Bool(true)},
        {"image", Str("ghcr.io/coder/envbox:latest")},
        {"env", StrMap({{"CODER_MOUNTS", "x"}, {"CVM_BOOTSTRAP", "y"}})}}},
      {"unknown sysbox-mode flags",
       {{"mode", Str("sysbox")},
        {"privileged", unknown_bool},
        {"host_pid", unknown_bool},
        {"tun", unknown_bool},
        {"fuse", unknown_bool}}},
      {"unknown privileged in envbox", {{"privileged", unknown_bool}}},
      {"unknown mount list",
       {{"mounts", Value::Unknown(Type::List(MountType()))}}},
      {"unknown mount targets",
       {{"mounts", Mounts({unknown_string, unknown_string})}}},
      {"unknown user with a home-like target",
       {{"inner_username", unknown_string},
        {"mounts", Mounts({Str("/home/coder")})}}},
      {"unknown limits",
       {{"cpu",
         Value::Object({{"request", Str("3")}, {"limit", unknown_string}})},
        {"memory", Value::Unknown(Type::Dynamic())}}},
      {"unknown request",
       {{"cpu",
         Value::Object({{"request", unknown_string}, {"limit", Str("2")}})}}},
      {"unknown home size",
       {{"home", Value::Object({{"size", unknown_string}})}}},
      {"unknown images",
       {{"image", unknown_string}, {"inner_image", unknown_string}}},
      {"unknown env", {{"env", Value::Unknown(Type::Map(Type::String()))}}},
      {"unknown gpu block", {{"gpu", Value::Unknown(Type::Dynamic())}}},
      {"unknown gpu lib dir",
       {{"gpu", Value::Object({{"count", Value::Int(1)},
                               {"host_lib_dir", unknown_string}})}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (const Diagnostic& d : Validate(Config(c.changes))) {
      EXPECT_NE(d.severity, Diagnostic::Severity::kError)
          << d.summary << ": " << d.detail;
    }
  }
  EXPECT_THAT(Validate(Value::Unknown(WorkspaceResourceSchema().ImpliedType())),
              IsEmpty());
}

}  // namespace
}  // namespace cvm::resources
