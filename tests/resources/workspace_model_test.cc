// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/workspace_model.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/resources/host_paths.h"
#include "provider/resources/settings.h"
#include "provider/resources/workspace_schema.h"
#include "provider/schema/schema.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace cvm::resources {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using values::Type;
using values::Value;

constexpr char kToken[] = "s3cr3t-agent-token-6f1d";

WorkspaceSpec BaseSpec() {
  WorkspaceSpec s;
  s.name = "dev";
  s.namespace_name = "coder";
  s.image = kDefaultEnvboxImage;
  s.inner_image = "docker.io/codercom/enterprise-base:ubuntu";
  s.has_agent_token = true;
  s.cpu_limit = "2";
  s.memory_limit = "4Gi";
  return s;
}

ClusterSettings Settings(bool caching = false, bool shiftfs = false) {
  ClusterSettings s;
  s.namespace_name = "coder";
  s.caching = caching;
  s.auto_load_shiftfs = shiftfs;
  return s;
}

RenderedWorkspace RenderSpec(const WorkspaceSpec& spec,
                             const ClusterSettings& settings = Settings()) {
  return Render(spec, settings, std::string(kToken), "");
}

const json& Dev(const json& pod) {
  static const json kNull;
  if (!pod.is_object() || !pod.contains("spec")) return kNull;
  for (const json& c : pod["spec"]["containers"]) {
    if (c["name"] == "dev") return c;
  }
  return kNull;
}

// The env entry `name` of container dev, or null.
json Env(const json& pod, const std::string& name) {
  for (const json& e : Dev(pod)["env"]) {
    if (e["name"] == name) return e;
  }
  return nullptr;
}

// The plain value of env var `name`; nullopt when absent or not plain.
std::optional<std::string> EnvValue(const json& pod, const std::string& name) {
  const json e = Env(pod, name);
  if (!e.is_object() || !e.contains("value")) return std::nullopt;
  return e["value"].get<std::string>();
}

std::vector<std::string> EnvNames(const json& pod) {
  std::vector<std::string> names;
  for (const json& e : Dev(pod)["env"]) names.push_back(e["name"]);
  return names;
}

std::vector<json> HostPathVolumes(const json& pod) {
  std::vector<json> out;
  for (const json& v : pod["spec"]["volumes"]) {
    if (v.contains("hostPath")) out.push_back(v);
  }
  return out;
}

std::vector<json> MountsOf(const json& pod, const std::string& volume_prefix) {
  std::vector<json> out;
  for (const json& m : Dev(pod)["volumeMounts"]) {
    if (m["name"].get<std::string>().rfind(volume_prefix, 0) == 0)
      out.push_back(m);
  }
  return out;
}

// ------------------------------------------------------------ host paths

TEST(RenderEnvboxTest, HostPathsOfEachTableRow) {
  struct Case {
    std::string name;
    bool caching, shiftfs;
    std::vector<json> volumes, mounts;
    std::vector<HostPathMount> host_paths;
  };
  const json usr_src = {{"name", "host-usr-src"},
                        {"hostPath", {{"path", "/usr/src"}}}};
  const json lib_modules = {{"name", "host-lib-modules"},
                            {"hostPath", {{"path", "/lib/modules"}}}};
  const json var_run = {{"name", "host-var-run"},
                        {"hostPath", {{"path", "/var/run"}}}};
  // The node's /var/run and /var/lib under /mnt/host: at their own paths
  // they would shadow the container's /run and /var/lib (host_paths.h).
  const json var_lib = {{"name", "host-var-lib"},
                        {"hostPath", {{"path", "/var/lib"}}}};
  auto ro = [](const std::string& name, const std::string& path) {
    return json{{"name", name}, {"mountPath", path}, {"readOnly", true}};
  };
  auto rw = [](const std::string& name, const std::string& path) {
    return json{{"name", name}, {"mountPath", path}};
  };
  const std::vector<Case> cases = {
      {"caching off",
       false,
       false,
       {usr_src, lib_modules},
       {ro("host-usr-src", "/usr/src"), ro("host-lib-modules", "/lib/modules")},
       {{"/usr/src", "/usr/src", true},
        {"/lib/modules", "/lib/modules", true}}},
      {"caching on",
       true,
       false,
       {usr_src, lib_modules, var_run, var_lib},
       {ro("host-usr-src", "/usr/src"), ro("host-lib-modules", "/lib/modules"),
        ro("host-var-run", "/mnt/host/var/run"),
        rw("host-var-lib", "/mnt/host/var/lib")},
       {{"/usr/src", "/usr/src", true},
        {"/lib/modules", "/lib/modules", true},
        {"/var/run", "/mnt/host/var/run", true},
        {"/var/lib", "/mnt/host/var/lib", false}}},
      {"caching and auto-loaded shiftfs",
       true,
       true,
       {usr_src, lib_modules, var_run, var_lib},
       {rw("host-usr-src", "/usr/src"), rw("host-lib-modules", "/lib/modules"),
        ro("host-var-run", "/mnt/host/var/run"),
        rw("host-var-lib", "/mnt/host/var/lib")},
       {{"/usr/src", "/usr/src", false},
        {"/lib/modules", "/lib/modules", false},
        {"/var/run", "/mnt/host/var/run", true},
        {"/var/lib", "/mnt/host/var/lib", false}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const RenderedWorkspace r =
        RenderSpec(BaseSpec(), Settings(c.caching, c.shiftfs));
    EXPECT_EQ(HostPathVolumes(r.pod), c.volumes);
    EXPECT_EQ(MountsOf(r.pod, "host-"), c.mounts);
    EXPECT_EQ(r.host_paths, c.host_paths);
    EXPECT_EQ(HostPathsOfPod(r.pod), c.host_paths);
  }
}

// ------------------------------------------------------------ GPU

TEST(RenderEnvboxTest, Gpu) {
  WorkspaceSpec spec = BaseSpec();
  spec.gpu_count = 2;
  const RenderedWorkspace r = RenderSpec(spec);
  EXPECT_EQ(Dev(r.pod)["resources"]["limits"],
            json({{"cpu", "2"}, {"memory", "4Gi"}, {"nvidia.com/gpu", "2"}}));
  EXPECT_EQ(EnvValue(r.pod, "CODER_ADD_GPU"), "true");
  EXPECT_EQ(EnvValue(r.pod, "CODER_USR_LIB_DIR"), "/var/coder/usr/lib");
  const json gpu_volume = {
      {"name", "host-usr-lib-x86-64-linux-gnu"},
      {"hostPath", {{"path", "/usr/lib/x86_64-linux-gnu"}}}};
  EXPECT_EQ(HostPathVolumes(r.pod).back(), gpu_volume);
  EXPECT_EQ(MountsOf(r.pod, "host-").back(),
            json({{"name", "host-usr-lib-x86-64-linux-gnu"},
                  {"mountPath", "/var/coder/usr/lib"},
                  {"readOnly", true}}));
  const std::vector<HostPathMount> want = {
      {"/usr/src", "/usr/src", true},
      {"/lib/modules", "/lib/modules", true},
      {"/usr/lib/x86_64-linux-gnu", "/var/coder/usr/lib", true}};
  EXPECT_EQ(r.host_paths, want);
  EXPECT_EQ(HostPathsOfPod(r.pod), want);
}

TEST(RenderEnvboxTest, GpuLibraryDirectoryIsConfigurable) {
  WorkspaceSpec spec = BaseSpec();
  spec.gpu_count = 1;
  spec.gpu_lib_dir = "/usr/lib64";
  RenderedWorkspace r = RenderSpec(spec);
  EXPECT_EQ(HostPathVolumes(r.pod).back(),
            json({{"name", "host-usr-lib64"},
                  {"hostPath", {{"path", "/usr/lib64"}}}}));
  EXPECT_EQ(r.host_paths.back(),
            (HostPathMount{"/usr/lib64", "/var/coder/usr/lib", true}));
  // Volume names must be DNS labels whatever the path looks like.
  spec.gpu_lib_dir = "/opt/NVIDIA/Lib_64/" + std::string(80, 'x');
  r = RenderSpec(spec);
  const std::string name = HostPathVolumes(r.pod).back()["name"];
  EXPECT_THAT(name, MatchesRegex("host-opt-nvidia-lib-64-x+"));
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(HostPathsOfPod(r.pod).back(),
            (HostPathMount{spec.gpu_lib_dir, "/var/coder/usr/lib", true}));
}

TEST(RenderEnvboxTest, NoGpu) {
  const RenderedWorkspace r = RenderSpec(BaseSpec());
  EXPECT_EQ(EnvValue(r.pod, "CODER_ADD_GPU"), "false");
  EXPECT_EQ(Env(r.pod, "CODER_USR_LIB_DIR"), nullptr);
  EXPECT_FALSE(Dev(r.pod)["resources"]["limits"].contains("nvidia.com/gpu"));
  EXPECT_EQ(HostPathVolumes(r.pod).size(), 2u);
}

// ------------------------------------------------------------ env contract

TEST(RenderEnvboxTest, FullEnvContract) {
  WorkspaceSpec spec = BaseSpec();
  spec.inner_username = "alice";
  spec.inner_hostname = "box";
  spec.agent_url = "https://coder.example.com";
  spec.bootstrap_script = "#!/bin/sh\nexec coder agent\n";
  spec.mounts = {{"projects", "/opt/projects", false},
                 {"data/ro", "/opt/data", true}};
  spec.env = {{"B_VAR", "2"}, {"A_VAR", "1"}};
  spec.env_passthrough = {"KUBERNETES_*", "MY_ENV"};
  spec.image_pull_secret = "regcred";
  spec.tun = true;
  ClusterSettings settings = Settings();
  settings.docker_bridge_cidr = "10.20.0.0/24";
  const RenderedWorkspace r = RenderSpec(spec, settings);
  const json want = json::parse(R"([
    {"name": "CODER_INNER_IMAGE", "value": "docker.io/codercom/enterprise-base:ubuntu"},
    {"name": "CODER_INNER_USERNAME", "value": "alice"},
    {"name": "CODER_INNER_HOSTNAME", "value": "box"},
    {"name": "CODER_AGENT_TOKEN",
     "valueFrom": {"secretKeyRef": {"name": "dev-agent", "key": "token"}}},
    {"name": "CODER_AGENT_URL", "value": "https://coder.example.com"},
    {"name": "CODER_BOOTSTRAP_SCRIPT", "value": "#!/bin/sh\nexec coder agent\n"},
    {"name": "CODER_MOUNTS",
     "value": "/home/alice:/home/alice,/home/.cvm-mount-0:/opt/projects,/home/.cvm-mount-1:/opt/data:ro"},
    {"name": "CODER_INNER_ENVS", "value": "A_VAR,B_VAR,KUBERNETES_*,MY_ENV"},
    {"name": "CODER_DOCKER_BRIDGE_CIDR", "value": "10.20.0.0/24"},
    {"name": "CODER_ADD_TUN", "value": "true"},
    {"name": "CODER_ADD_FUSE", "value": "false"},
    {"name": "CODER_ADD_GPU", "value": "false"},
    {"name": "CODER_CPUS",
     "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1"}}},
    {"name": "CODER_MEMORY",
     "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1"}}},
    {"name": "CODER_IMAGE_PULL_SECRET",
     "valueFrom": {"secretKeyRef": {"name": "regcred", "key": ".dockerconfigjson"}}},
    {"name": "A_VAR", "value": "1"},
    {"name": "B_VAR", "value": "2"}
  ])");
  EXPECT_EQ(Dev(r.pod)["env"], want);
  // Every extra mount's source is backed by a volumeMount of the outer
  // container (V8), rw so envbox can chown it, and is a direct child of
  // /home/: envbox gives those to the workspace user (its isHomeDir rule),
  // any other source to the inner root, which the user cannot write.
  EXPECT_THAT(Dev(r.pod)["volumeMounts"],
              Contains(json({{"name", "home"},
                             {"mountPath", "/home/.cvm-mount-0"},
                             {"subPath", "mounts/projects"}})));
  EXPECT_THAT(Dev(r.pod)["volumeMounts"],
              Contains(json({{"name", "home"},
                             {"mountPath", "/home/.cvm-mount-1"},
                             {"subPath", "mounts/data/ro"}})));
}

TEST(RenderEnvboxTest, MinimalEnv) {
  WorkspaceSpec spec = BaseSpec();
  spec.has_agent_token = false;
  const RenderedWorkspace r = Render(spec, Settings(), std::nullopt, "");
  EXPECT_THAT(
      EnvNames(r.pod),
      ElementsAre("CODER_INNER_IMAGE", "CODER_INNER_USERNAME",
                  "CODER_INNER_HOSTNAME", "CODER_MOUNTS",
                  "CODER_DOCKER_BRIDGE_CIDR", "CODER_ADD_TUN", "CODER_ADD_FUSE",
                  "CODER_ADD_GPU", "CODER_CPUS", "CODER_MEMORY"));
  EXPECT_EQ(EnvValue(r.pod, "CODER_INNER_HOSTNAME"), "dev");  // the name
  EXPECT_EQ(EnvValue(r.pod, "CODER_MOUNTS"), "/home/coder:/home/coder");
  EXPECT_EQ(EnvValue(r.pod, "CODER_DOCKER_BRIDGE_CIDR"), "172.19.0.0/30");
}

TEST(RenderEnvboxTest, TunAndFuseDefaultToTheClusterSettings) {
  struct Case {
    std::string name;
    std::optional<bool> spec_tun, spec_fuse;
    bool settings_tun, settings_fuse;
    std::string want_tun, want_fuse;
  };
  const std::vector<Case> cases = {
      {"settings off", std::nullopt, std::nullopt, false, false, "false",
       "false"},
      {"settings on", std::nullopt, std::nullopt, true, true, "true", "true"},
      {"workspace overrides on", true, true, false, false, "true", "true"},
      {"workspace overrides off", false, false, true, true, "false", "false"},
      {"mixed", true, std::nullopt, false, true, "true", "true"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WorkspaceSpec spec = BaseSpec();
    spec.tun = c.spec_tun;
    spec.fuse = c.spec_fuse;
    ClusterSettings settings = Settings();
    settings.tun = c.settings_tun;
    settings.fuse = c.settings_fuse;
    const RenderedWorkspace r = RenderSpec(spec, settings);
    EXPECT_EQ(EnvValue(r.pod, "CODER_ADD_TUN"), c.want_tun);
    EXPECT_EQ(EnvValue(r.pod, "CODER_ADD_FUSE"), c.want_fuse);
  }
}

TEST(RenderTest, AgentTokenNeverAppearsInThePodOrClaim) {
  for (const std::string mode : {"envbox", "sysbox"}) {
    SCOPED_TRACE(mode);
    WorkspaceSpec spec = BaseSpec();
    spec.mode = mode;
    spec.bootstrap_script = "coder agent";
    const RenderedWorkspace r = RenderSpec(spec);
    const std::string base64 = absl::Base64Escape(kToken);
    for (const json* object : {&r.pod, &r.claim}) {
      EXPECT_THAT(object->dump(), Not(HasSubstr(kToken)));
      EXPECT_THAT(object->dump(), Not(HasSubstr(base64)));
    }
    EXPECT_EQ(Env(r.pod, "CODER_AGENT_TOKEN"),
              json::parse(R"({"name": "CODER_AGENT_TOKEN", "valueFrom":
                  {"secretKeyRef": {"name": "dev-agent", "key": "token"}}})"));
    EXPECT_EQ(r.secret["data"]["token"], base64);
  }
}

// ------------------------------------------------------------ envbox pod

TEST(RenderEnvboxTest, PodShape) {
  WorkspaceSpec spec = BaseSpec();
  spec.cpu_request = "500m";
  spec.memory_request = "2Gi";
  const RenderedWorkspace r = RenderSpec(spec);
  const json& pod = r.pod;
  EXPECT_EQ(pod["apiVersion"], "v1");
  EXPECT_EQ(pod["kind"], "Pod");
  EXPECT_EQ(pod["metadata"]["name"], "dev");
  EXPECT_EQ(pod["metadata"]["namespace"], "coder");
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Never");
  EXPECT_EQ(pod["spec"]["containers"].size(), 1u);
  const json& dev = Dev(pod);
  EXPECT_EQ(dev["image"], "ghcr.io/coder/envbox:0.6.7");
  EXPECT_EQ(dev["command"], json({"/envbox", "docker"}));
  EXPECT_EQ(dev["securityContext"], json({{"privileged", true}}));
  EXPECT_EQ(dev["resources"], json::parse(R"({
      "requests": {"cpu": "500m", "memory": "2Gi"},
      "limits": {"cpu": "2", "memory": "4Gi"}})"));
  for (const char* absent :
       {"hostNetwork", "hostPID", "hostIPC", "runtimeClassName", "hostUsers",
        "nodeSelector", "tolerations"}) {
    EXPECT_FALSE(pod["spec"].contains(absent)) << absent;
  }
}

TEST(RenderEnvboxTest, HomeVolumeSubPathsAndSysboxDataStore) {
  WorkspaceSpec spec = BaseSpec();
  spec.inner_username = "alice";
  const RenderedWorkspace r = RenderSpec(spec);
  const json want_mounts = json::parse(R"([
    {"name": "home", "mountPath": "/home/alice", "subPath": "home"},
    {"name": "home", "mountPath": "/var/lib/coder/docker", "subPath": "cache/docker"},
    {"name": "home", "mountPath": "/var/lib/coder/containers", "subPath": "cache/containers"},
    {"name": "home", "mountPath": "/var/lib/docker", "subPath": "envbox/docker"},
    {"name": "home", "mountPath": "/var/lib/containers", "subPath": "envbox/containers"},
    {"name": "sysbox", "mountPath": "/var/lib/sysbox"}
  ])");
  std::vector<json> mounts;
  for (const json& m : Dev(r.pod)["volumeMounts"]) {
    if (m["name"] == "home" || m["name"] == "sysbox") mounts.push_back(m);
  }
  EXPECT_EQ(json(mounts), want_mounts);
  std::vector<json> volumes;
  for (const json& v : r.pod["spec"]["volumes"]) {
    if (!v.contains("hostPath")) volumes.push_back(v);
  }
  EXPECT_EQ(json(volumes), json::parse(R"([
    {"name": "home", "persistentVolumeClaim": {"claimName": "dev-home"}},
    {"name": "sysbox", "emptyDir": {}}
  ])"));
}

TEST(RenderEnvboxTest, HostNamespacesWhenAsked) {
  WorkspaceSpec spec = BaseSpec();
  spec.host_network = true;
  spec.host_pid = true;
  spec.host_ipc = true;
  const json pod = RenderSpec(spec).pod;
  EXPECT_EQ(pod["spec"]["hostNetwork"], true);
  EXPECT_EQ(pod["spec"]["dnsPolicy"], "ClusterFirstWithHostNet");
  EXPECT_EQ(pod["spec"]["hostPID"], true);
  EXPECT_EQ(pod["spec"]["hostIPC"], true);
}

TEST(RenderTest, SchedulingLabelsAndAnnotations) {
  WorkspaceSpec spec = BaseSpec();
  spec.node_selector = {{"pool", "cvm"}};
  spec.tolerations = {{"dedicated", "Equal", "cvm", "NoSchedule", std::nullopt},
                      {"", "Exists", "", "NoExecute", 60}};
  spec.labels = {{"team", "a"}, {"cvm.coder.com/workspace", "spoof"}};
  spec.annotations = {{"note", "x"}};
  const RenderedWorkspace r = RenderSpec(spec);
  EXPECT_EQ(r.pod["spec"]["nodeSelector"], json({{"pool", "cvm"}}));
  EXPECT_EQ(r.pod["spec"]["tolerations"], json::parse(R"([
      {"key": "dedicated", "operator": "Equal", "value": "cvm", "effect": "NoSchedule"},
      {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}])"));
  const json want_labels = {
      {"team", "a"},
      {"app.kubernetes.io/managed-by", "terraform-provider-cvm"},
      {"cvm.coder.com/component", "workspace"},
      {"cvm.coder.com/workspace", "dev"}};
  EXPECT_EQ(r.pod["metadata"]["labels"], want_labels);
  EXPECT_EQ(r.claim["metadata"]["labels"], want_labels);
  EXPECT_EQ(r.secret["metadata"]["labels"], want_labels);
  EXPECT_EQ(
      r.pod["metadata"]["annotations"],
      json({{"note", "x"}, {"cvm.coder.com/pod-spec-hash", r.pod_spec_hash}}));
}

// ------------------------------------------------------------ sysbox pod

TEST(RenderSysboxTest, UnprivilegedPodWithRuntimeClassAndUserNamespace) {
  WorkspaceSpec spec = BaseSpec();
  spec.mode = "sysbox";
  spec.gpu_count = 1;  // refused at plan time; never rendered
  spec.mounts = {{"projects", "/opt/projects", false}, {"ro", "/opt/ro", true}};
  spec.image_pull_secret = "regcred";
  spec.agent_url = "https://coder.example.com";
  ClusterSettings settings = Settings(true, true);
  settings.runtime_class_name = "sysbox-custom";
  const RenderedWorkspace r = RenderSpec(spec, settings);
  const json& pod = r.pod;
  EXPECT_EQ(pod["spec"]["runtimeClassName"], "sysbox-custom");
  // No fsGroup: home-owner gives the user its mounts without the kubelet
  // walking every file of the volume at every start.
  EXPECT_EQ(pod["spec"]["securityContext"], json({{"runAsUser", 0}}));
  EXPECT_EQ(pod["spec"]["imagePullSecrets"],
            json::parse(R"([{"name": "regcred"}])"));
  EXPECT_EQ(pod["metadata"]["annotations"]["io.kubernetes.cri-o.userns-mode"],
            "auto:size=65536");
  EXPECT_FALSE(pod["spec"].contains("hostUsers"));
  for (const char* absent : {"hostNetwork", "hostPID", "hostIPC"}) {
    EXPECT_FALSE(pod["spec"].contains(absent)) << absent;
  }
  const json& dev = Dev(pod);
  EXPECT_FALSE(dev.contains("securityContext"));
  EXPECT_EQ(dev["image"], "docker.io/codercom/enterprise-base:ubuntu");
  EXPECT_EQ(dev["command"], json({"/sbin/init"}));
  EXPECT_EQ(dev["resources"],
            json::parse(R"({"limits": {"cpu": "2", "memory": "4Gi"}})"));
  EXPECT_THAT(HostPathVolumes(pod), IsEmpty());
  EXPECT_THAT(r.host_paths, IsEmpty());
  EXPECT_THAT(HostPathsOfPod(pod), IsEmpty());
  EXPECT_EQ(pod["spec"]["volumes"], json::parse(R"([
      {"name": "home", "persistentVolumeClaim": {"claimName": "dev-home"}}])"));
  EXPECT_EQ(dev["volumeMounts"], json::parse(R"([
      {"name": "home", "mountPath": "/home/coder", "subPath": "home"},
      {"name": "home", "mountPath": "/var/lib/docker", "subPath": "cache/docker"},
      {"name": "home", "mountPath": "/opt/projects", "subPath": "mounts/projects"},
      {"name": "home", "mountPath": "/opt/ro", "subPath": "mounts/ro", "readOnly": true}])"));
  EXPECT_THAT(EnvNames(pod),
              ElementsAre("CODER_AGENT_TOKEN", "CODER_AGENT_URL"));
}

// The kubelet creates the home sub-path (and each `mounts` one) as root,
// mode 0755: an init container of the inner image hands the writable ones
// to the workspace user before it starts, one chown per mount point.
TEST(RenderSysboxTest, InitContainerGivesTheUserItsHomeAndWritableMounts) {
  WorkspaceSpec spec = BaseSpec();
  spec.mode = "sysbox";
  spec.inner_username = "alice";
  spec.mounts = {{"projects", "/opt/projects", false}, {"ro", "/opt/ro", true}};
  const json pod = RenderSpec(spec).pod;
  ASSERT_EQ(pod["spec"]["initContainers"].size(), 1u);
  EXPECT_EQ(pod["spec"]["initContainers"][0], json::parse(R"({
      "name": "home-owner",
      "image": "docker.io/codercom/enterprise-base:ubuntu",
      "imagePullPolicy": "IfNotPresent",
      "command": ["chown", "alice:", "/home/alice", "/opt/projects"],
      "volumeMounts": [
        {"name": "home", "mountPath": "/home/alice", "subPath": "home"},
        {"name": "home", "mountPath": "/opt/projects", "subPath": "mounts/projects"}],
      "terminationMessagePolicy": "FallbackToLogsOnError",
      "resources": {"limits": {"cpu": "2", "memory": "4Gi"}}})"));
}

// su - starts a login shell that clears the environment: the hook names the
// agent's variables to keep, never their values (the token must not reach
// a command line).
TEST(RenderSysboxTest, BootstrapHookKeepsTheAgentsVariablesByName) {
  WorkspaceSpec spec = BaseSpec();
  spec.mode = "sysbox";
  spec.bootstrap_script = "exec coder agent";
  spec.agent_url = "https://coder.example.com";
  spec.env = {{"B_VAR", "2"}, {"A_VAR", "1"}};
  const std::string hook =
      Dev(RenderSpec(spec).pod)["lifecycle"]["postStart"]["exec"]["command"][2];
  // The script too: the login shell evaluates it, so not even the script
  // is on a command line.
  EXPECT_THAT(hook, HasSubstr("nohup su --whitelist-environment="
                              "CODER_AGENT_TOKEN,CODER_AGENT_URL,A_VAR,B_VAR,"
                              "CVM_BOOTSTRAP - 'coder' -c 'eval "
                              "\"$CVM_BOOTSTRAP\"' >>/var/log/cvm-bootstrap.log"));
  EXPECT_THAT(hook, HasSubstr("rm -f /var/log/cvm-bootstrap.log; "
                              "(umask 077; : >/var/log/cvm-bootstrap.log); "
                              "chown 'coder': /var/log/cvm-bootstrap.log"));
  EXPECT_THAT(hook, Not(HasSubstr("exec coder agent")));
  spec.has_agent_token = false;
  spec.agent_url.clear();
  spec.env.clear();
  const std::string bare =
      Dev(RenderSpec(spec).pod)["lifecycle"]["postStart"]["exec"]["command"][2];
  EXPECT_THAT(bare,
              HasSubstr("nohup su --whitelist-environment=CVM_BOOTSTRAP - "));
}

TEST(RenderSysboxTest, HostUsersInsteadOfTheAnnotation) {
  WorkspaceSpec spec = BaseSpec();
  spec.mode = "sysbox";
  spec.user_namespace = "host_users";
  const json pod = RenderSpec(spec).pod;
  EXPECT_EQ(pod["spec"]["hostUsers"], false);
  EXPECT_FALSE(pod["metadata"]["annotations"].contains(
      "io.kubernetes.cri-o.userns-mode"));
}

TEST(RenderSysboxTest, CommandDependsOnSystemdAndTheBootstrapScript) {
  struct Case {
    std::string name;
    bool systemd;
    std::string script;
    json command;
    bool post_start;
  };
  const std::vector<Case> cases = {
      {"systemd", true, "", {"/sbin/init"}, false},
      {"systemd with agent", true, "coder agent", {"/sbin/init"}, true},
      {"plain with agent",
       false,
       "coder agent",
       {"sh", "-c", "coder agent"},
       false},
      {"plain", false, "", {"sleep", "infinity"}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WorkspaceSpec spec = BaseSpec();
    spec.mode = "sysbox";
    spec.systemd = c.systemd;
    spec.bootstrap_script = c.script;
    const json dev = Dev(RenderSpec(spec).pod);
    EXPECT_EQ(dev["command"], c.command);
    EXPECT_EQ(dev.contains("lifecycle"), c.post_start);
    if (c.post_start) {
      const std::string hook =
          dev["lifecycle"]["postStart"]["exec"]["command"][2]
              .get<std::string>();
      EXPECT_THAT(hook, HasSubstr("systemctl is-system-running"));
      EXPECT_THAT(hook, HasSubstr("- 'coder' -c 'eval \"$CVM_BOOTSTRAP\"'"));
      EXPECT_THAT(dev["env"], Contains(json({{"name", "CVM_BOOTSTRAP"},
                                             {"value", "coder agent"}})));
    }
  }
}

// ------------------------------------------------------------ claim, secret

TEST(RenderTest, StoppedWorkspaceRendersNoPod) {
  WorkspaceSpec spec = BaseSpec();
  spec.running = false;
  const RenderedWorkspace r = RenderSpec(spec, Settings(true));
  EXPECT_TRUE(r.pod.is_null());
  EXPECT_TRUE(r.claim.is_object());
  EXPECT_TRUE(r.secret.is_object());
  spec.running = true;
  EXPECT_EQ(r.pod_spec_hash, RenderSpec(spec, Settings(true)).pod_spec_hash);
}

TEST(RenderTest, Claim) {
  WorkspaceSpec spec = BaseSpec();
  spec.home_size = "50Gi";
  spec.home_storage_class = "fast-ssd";
  spec.labels = {{"team", "a"}};
  RenderedWorkspace r = Render(spec, Settings(), kToken, "{\"name\":\"dev\"}");
  EXPECT_EQ(r.claim, json::parse(R"({
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {
      "name": "dev-home",
      "namespace": "coder",
      "labels": {"team": "a", "app.kubernetes.io/managed-by": "terraform-provider-cvm",
                 "cvm.coder.com/component": "workspace", "cvm.coder.com/workspace": "dev"},
      "annotations": {"cvm.coder.com/workspace-config": "{\"name\":\"dev\"}"}
    },
    "spec": {
      "accessModes": ["ReadWriteOnce"],
      "resources": {"requests": {"storage": "50Gi"}},
      "storageClassName": "fast-ssd"
    }
  })"));
  spec.home_storage_class = "";
  r = Render(spec, Settings(), kToken, "");
  EXPECT_FALSE(r.claim["spec"].contains("storageClassName"));
  EXPECT_EQ(r.claim["metadata"]["annotations"], json::object());
}

TEST(RenderTest, SecretCarriesTheTokenOnlyWhenGiven) {
  WorkspaceSpec spec = BaseSpec();
  RenderedWorkspace r = Render(spec, Settings(), std::string("abc"), "");
  EXPECT_EQ(r.secret, json::parse(R"({
    "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
    "metadata": {"name": "dev-agent", "namespace": "coder",
                 "labels": {"app.kubernetes.io/managed-by": "terraform-provider-cvm",
                            "cvm.coder.com/component": "workspace",
                            "cvm.coder.com/workspace": "dev"}},
    "data": {"token": "YWJj"}
  })"));
  // Manifests: the Secret is referenced but holds no data.
  r = Render(spec, Settings(), std::nullopt, "");
  EXPECT_TRUE(r.secret.is_object());
  EXPECT_FALSE(r.secret.contains("data"));
  // No token at all: no Secret and no reference to one.
  spec.has_agent_token = false;
  r = Render(spec, Settings(), std::nullopt, "");
  EXPECT_TRUE(r.secret.is_null());
  EXPECT_EQ(Env(r.pod, "CODER_AGENT_TOKEN"), nullptr);
}

// ------------------------------------------------------------ hashes

TEST(PodSpecHashTest, IgnoresWhatKubernetesChangesInPlace) {
  const RenderedWorkspace base = RenderSpec(BaseSpec());
  EXPECT_THAT(base.pod_spec_hash, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(base.pod["metadata"]["annotations"]["cvm.coder.com/pod-spec-hash"],
            base.pod_spec_hash);
  // The stored annotation does not feed back into the hash.
  EXPECT_EQ(PodSpecHash(base.pod), base.pod_spec_hash);

  struct Case {
    std::string name;
    void (*change)(WorkspaceSpec*);
    bool same;
  };
  const std::vector<Case> cases = {
      {"nothing", [](WorkspaceSpec*) {}, true},
      {"labels",
       [](WorkspaceSpec* s) {
         s->labels = {{"team", "b"}};
       },
       true},
      {"annotations",
       [](WorkspaceSpec* s) {
         s->annotations = {{"a", "b"}};
       },
       true},
      {"envbox image",
       [](WorkspaceSpec* s) { s->image = "ghcr.io/coder/envbox:0.6.8"; }, true},
      {"wait_for_ready", [](WorkspaceSpec* s) { s->wait_for_ready = false; },
       true},
      {"home size", [](WorkspaceSpec* s) { s->home_size = "100Gi"; }, true},
      {"cpu limit", [](WorkspaceSpec* s) { s->cpu_limit = "4"; }, false},
      {"cpu request", [](WorkspaceSpec* s) { s->cpu_request = "1"; }, false},
      {"memory limit", [](WorkspaceSpec* s) { s->memory_limit = "8Gi"; },
       false},
      {"inner image", [](WorkspaceSpec* s) { s->inner_image = "ubuntu:24.04"; },
       false},
      {"env",
       [](WorkspaceSpec* s) {
         s->env = {{"A", "1"}};
       },
       false},
      {"gpu", [](WorkspaceSpec* s) { s->gpu_count = 1; }, false},
      {"tun", [](WorkspaceSpec* s) { s->tun = true; }, false},
      {"mounts",
       [](WorkspaceSpec* s) {
         s->mounts = {{"p", "/opt/p", false}};
       },
       false},
      {"node selector",
       [](WorkspaceSpec* s) {
         s->node_selector = {{"a", "b"}};
       },
       false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WorkspaceSpec spec = BaseSpec();
    c.change(&spec);
    const std::string hash = RenderSpec(spec).pod_spec_hash;
    if (c.same) {
      EXPECT_EQ(hash, base.pod_spec_hash);
    } else {
      EXPECT_NE(hash, base.pod_spec_hash);
    }
  }
}

TEST(PodSpecHashTest, ChangesWithTheClusterSettingsTable) {
  const std::string off =
      RenderSpec(BaseSpec(), Settings(false, false)).pod_spec_hash;
  const std::string caching =
      RenderSpec(BaseSpec(), Settings(true, false)).pod_spec_hash;
  const std::string shiftfs =
      RenderSpec(BaseSpec(), Settings(true, true)).pod_spec_hash;
  EXPECT_NE(off, caching);
  EXPECT_NE(caching, shiftfs);
  EXPECT_NE(off, shiftfs);
}

TEST(PodSpecHashTest, SysboxInnerImageChangesInPlace) {
  WorkspaceSpec spec = BaseSpec();
  spec.mode = "sysbox";
  const std::string before = RenderSpec(spec).pod_spec_hash;
  spec.inner_image = "ubuntu:24.04";
  EXPECT_EQ(RenderSpec(spec).pod_spec_hash, before);
}

TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ------------------------------------------------------------ HostPathsOfPod

TEST(HostPathsOfPodTest, ReadsLivePods) {
  struct Case {
    std::string name;
    json pod;
    std::vector<HostPathMount> want;
  };
  const std::vector<Case> cases = {
      {"null", nullptr, {}},
      {"no spec", {{"metadata", json::object()}}, {}},
      {"spec not an object", {{"spec", "x"}}, {}},
      {"volume order, readOnly from dev's mounts",
       json::parse(R"({"spec": {
         "volumes": [
           {"name": "b", "hostPath": {"path": "/b"}},
           {"name": "home", "persistentVolumeClaim": {"claimName": "x"}},
           {"name": "a", "hostPath": {"path": "/a", "type": ""}},
           {"name": "c", "hostPath": {"path": "/c"}},
           {"name": "unmounted", "hostPath": {"path": "/u"}},
           {"name": "sidecar-only", "hostPath": {"path": "/s"}}
         ],
         "containers": [
           {"name": "sidecar", "volumeMounts": [{"name": "sidecar-only", "mountPath": "/s"}]},
           {"name": "dev", "volumeMounts": [
             {"name": "a", "mountPath": "/x/a", "readOnly": true},
             {"name": "b", "mountPath": "/b"},
             {"name": "c", "mountPath": "/c", "readOnly": false},
             {"name": "home", "mountPath": "/home/coder"}
           ]}
         ]}})"),
       {{"/b", "/b", false}, {"/a", "/x/a", true}, {"/c", "/c", false}}},
      {"malformed entries are skipped",
       json::parse(R"({"spec": {
         "volumes": [1, {"name": 2, "hostPath": {"path": "/n"}},
                     {"name": "p", "hostPath": {"path": 3}},
                     {"name": "ok", "hostPath": {"path": "/ok"}}],
         "containers": [{"name": "dev", "volumeMounts": [
           7, {"name": "ok", "readOnly": "yes"}, {"name": "p"}]}]}})"),
       {{"/ok", "", false}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(HostPathsOfPod(c.pod), c.want);
  }
}

// ------------------------------------------------------------ SpecFromValue

Value Config(std::map<std::string, Value> attrs) {
  return schema::Conform(WorkspaceResourceSchema().block,
                         Value::Object(std::move(attrs)));
}

TEST(SpecFromValueTest, Defaults) {
  const WorkspaceSpec s =
      SpecFromValue(Config({{"name", Value::String("dev")},
                            {"namespace", Value::String("coder")},
                            {"inner_image", Value::String("ubuntu")}}));
  EXPECT_EQ(s.name, "dev");
  EXPECT_EQ(s.namespace_name, "coder");
  EXPECT_EQ(s.mode, "envbox");
  EXPECT_EQ(s.image, kDefaultEnvboxImage);
  EXPECT_EQ(s.inner_image, "ubuntu");
  EXPECT_EQ(s.inner_username, "coder");
  EXPECT_EQ(s.inner_hostname, "dev");
  EXPECT_FALSE(s.has_agent_token);
  EXPECT_EQ(s.agent_url, "");
  EXPECT_EQ(s.bootstrap_script, "");
  EXPECT_THAT(s.env, IsEmpty());
  EXPECT_THAT(s.env_passthrough, IsEmpty());
  EXPECT_THAT(s.mounts, IsEmpty());
  EXPECT_EQ(s.cpu_request, "");
  EXPECT_EQ(s.cpu_limit, "");
  EXPECT_EQ(s.memory_request, "");
  EXPECT_EQ(s.memory_limit, "");
  EXPECT_EQ(s.home_size, "10Gi");
  EXPECT_EQ(s.home_storage_class, "");
  EXPECT_FALSE(s.keep_home_on_destroy);
  EXPECT_TRUE(s.running);
  EXPECT_EQ(s.gpu_count, 0);
  EXPECT_EQ(s.gpu_lib_dir, kDefaultGpuLibDir);
  EXPECT_EQ(s.tun, std::nullopt);
  EXPECT_EQ(s.fuse, std::nullopt);
  EXPECT_EQ(s.image_pull_secret, "");
  EXPECT_THAT(s.node_selector, IsEmpty());
  EXPECT_THAT(s.tolerations, IsEmpty());
  EXPECT_THAT(s.labels, IsEmpty());
  EXPECT_THAT(s.annotations, IsEmpty());
  EXPECT_FALSE(s.host_network);
  EXPECT_FALSE(s.host_pid);
  EXPECT_FALSE(s.host_ipc);
  EXPECT_TRUE(s.systemd);
  EXPECT_EQ(s.user_namespace, "annotation");
  EXPECT_TRUE(s.wait_for_ready);
  EXPECT_EQ(s.PodName(), "dev");
  EXPECT_EQ(s.ClaimName(), "dev-home");
  EXPECT_EQ(s.SecretName(), "dev-agent");
  EXPECT_EQ(s.Id(), "coder/dev");
}

TEST(SpecFromValueTest, SysboxModeHasNoEnvboxImage) {
  const WorkspaceSpec s = SpecFromValue(Config(
      {{"name", Value::String("dev")}, {"mode", Value::String("sysbox")}}));
  EXPECT_EQ(s.mode, "sysbox");
  EXPECT_EQ(s.image, "");
}

TEST(SpecFromValueTest, EveryAttribute) {
  auto str = [](const char* s) { return Value::String(s); };
  auto strmap = [](std::map<std::string, std::string> m) {
    std::map<std::string, Value> out;
    for (auto& [k, v] : m) out.emplace(k, Value::String(v));
    return Value::Map(Type::String(), std::move(out));
  };
  const Type mount_type = Type::Object({{"source", Type::String()},
                                        {"target", Type::String()},
                                        {"read_only", Type::Bool()}});
  const Value config = Config({
      {"name", str("ws")},
      {"namespace", str("team")},
      {"mode", str("envbox")},
      {"image", str("ghcr.io/coder/envbox:0.6.8")},
      {"inner_image", str("ubuntu:24.04")},
      {"inner_username", str("alice")},
      {"inner_hostname", str("box")},
      {"agent_token", str(kToken)},
      {"agent_url", str("https://coder.example.com")},
      {"bootstrap_script", str("coder agent")},
      {"env", strmap({{"A", "1"}})},
      {"env_passthrough", Value::List(Type::String(), {str("K_*")})},
      {"mounts", Value::List(mount_type,
                             {Value::Object({{"source", str("p")},
                                             {"target", str("/opt/p")},
                                             {"read_only", Value::Bool(true)}}),
                              Value::Object({{"source", str("q")},
                                             {"target", str("/opt/q")},
                                             {"read_only",
                                              Value::Null(Type::Bool())}})})},
      {"cpu", Value::Object({{"request", str("500m")}, {"limit", str("2")}})},
      {"memory",
       Value::Object({{"request", str("1Gi")}, {"limit", str("4Gi")}})},
      {"home", Value::Object({{"size", str("60Gi")},
                              {"storage_class", str("fast")},
                              {"keep_on_destroy", Value::Bool(true)}})},
      {"running", Value::Bool(false)},
      {"gpu", Value::Object({{"count", Value::Int(2)},
                             {"host_lib_dir", str("/usr/lib64")}})},
      {"tun", Value::Bool(true)},
      {"fuse", Value::Bool(false)},
      {"image_pull_secret", str("regcred")},
      {"node_selector", strmap({{"pool", "cvm"}})},
      {"tolerations",
       Value::List(Type::Object({{"key", Type::String()},
                                 {"operator", Type::String()},
                                 {"value", Type::String()},
                                 {"effect", Type::String()},
                                 {"toleration_seconds", Type::Number()}}),
                   {Value::Object({{"key", str("k")},
                                   {"operator", str("Equal")},
                                   {"value", str("v")},
                                   {"effect", str("NoExecute")},
                                   {"toleration_seconds", Value::Int(30)}})})},
      {"labels", strmap({{"team", "a"}})},
      {"annotations", strmap({{"note", "x"}})},
      {"host_network", Value::Bool(true)},
      {"host_pid", Value::Bool(true)},
      {"host_ipc", Value::Bool(true)},
      {"systemd", Value::Bool(false)},
      {"user_namespace", str("host_users")},
      {"wait_for_ready", Value::Bool(false)},
  });
  const WorkspaceSpec s = SpecFromValue(config);
  EXPECT_EQ(s.name, "ws");
  EXPECT_EQ(s.namespace_name, "team");
  EXPECT_EQ(s.image, "ghcr.io/coder/envbox:0.6.8");
  EXPECT_EQ(s.inner_image, "ubuntu:24.04");
  EXPECT_EQ(s.inner_username, "alice");
  EXPECT_EQ(s.inner_hostname, "box");
  EXPECT_TRUE(s.has_agent_token);
  EXPECT_EQ(s.agent_url, "https://coder.example.com");
  EXPECT_EQ(s.bootstrap_script, "coder agent");
  EXPECT_EQ(s.env, (std::map<std::string, std::string>{{"A", "1"}}));
  EXPECT_THAT(s.env_passthrough, ElementsAre("K_*"));
  ASSERT_EQ(s.mounts.size(), 2u);
  EXPECT_EQ(s.mounts[0].source, "p");
  EXPECT_EQ(s.mounts[0].target, "/opt/p");
  EXPECT_TRUE(s.mounts[0].read_only);
  EXPECT_EQ(s.mounts[1].source, "q");
  EXPECT_FALSE(s.mounts[1].read_only);
  EXPECT_EQ(s.cpu_request, "500m");
  EXPECT_EQ(s.cpu_limit, "2");
  EXPECT_EQ(s.memory_request, "1Gi");
  EXPECT_EQ(s.memory_limit, "4Gi");
  EXPECT_EQ(s.home_size, "60Gi");
  EXPECT_EQ(s.home_storage_class, "fast");
  EXPECT_TRUE(s.keep_home_on_destroy);
  EXPECT_FALSE(s.running);
  EXPECT_EQ(s.gpu_count, 2);
  EXPECT_EQ(s.gpu_lib_dir, "/usr/lib64");
  EXPECT_EQ(s.tun, true);
  EXPECT_EQ(s.fuse, false);
  EXPECT_EQ(s.image_pull_secret, "regcred");
  EXPECT_EQ(s.node_selector,
            (std::map<std::string, std::string>{{"pool", "cvm"}}));
  ASSERT_EQ(s.tolerations.size(), 1u);
  EXPECT_EQ(s.tolerations[0].key, "k");
  EXPECT_EQ(s.tolerations[0].op, "Equal");
  EXPECT_EQ(s.tolerations[0].value, "v");
  EXPECT_EQ(s.tolerations[0].effect, "NoExecute");
  EXPECT_EQ(s.tolerations[0].seconds, 30);
  EXPECT_EQ(s.labels, (std::map<std::string, std::string>{{"team", "a"}}));
  EXPECT_EQ(s.annotations, (std::map<std::string, std::string>{{"note", "x"}}));
  EXPECT_TRUE(s.host_network);
  EXPECT_TRUE(s.host_pid);
  EXPECT_TRUE(s.host_ipc);
  EXPECT_FALSE(s.systemd);
  EXPECT_EQ(s.user_namespace, "host_users");
  EXPECT_FALSE(s.wait_for_ready);
}

TEST(SpecFromValueTest, UnknownValuesTakeDefaults) {
  const WorkspaceSpec s = SpecFromValue(Config({
      {"name", Value::String("dev")},
      {"inner_username", Value::Unknown(Type::String())},
      {"running", Value::Unknown(Type::Bool())},
      {"env", Value::Unknown(Type::Map(Type::String()))},
      {"tun", Value::Unknown(Type::Bool())},
      // An unknown token is still a token: the Secret will exist.
      {"agent_token", Value::Unknown(Type::String())},
  }));
  EXPECT_EQ(s.inner_username, "coder");
  EXPECT_TRUE(s.running);
  EXPECT_THAT(s.env, IsEmpty());
  EXPECT_EQ(s.tun, std::nullopt);
  EXPECT_TRUE(s.has_agent_token);
}

TEST(SpecFromValueTest, TokenPresenceInStateComesFromItsHash) {
  // Write-only: state never holds agent_token, only its SHA-256.
  const WorkspaceSpec s = SpecFromValue(
      Config({{"name", Value::String("dev")},
              {"agent_token_sha256", Value::String(Sha256Hex(kToken))}}));
  EXPECT_TRUE(s.has_agent_token);
}

TEST(SpecFromValueTest, RendersWhatTheConfigurationSays) {
  // End to end through the schema: a config with caching settings yields
  // the table row, and the token only through the Secret.
  const WorkspaceSpec s = SpecFromValue(
      Config({{"name", Value::String("dev")},
              {"namespace", Value::String("coder")},
              {"inner_image", Value::String("ubuntu")},
              {"agent_token", Value::String(kToken)},
              {"cpu", Value::Object({{"limit", Value::String("2")}})},
              {"memory", Value::Object({{"limit", Value::String("4Gi")}})}}));
  const RenderedWorkspace r =
      Render(s, Settings(true), std::string(kToken), "");
  EXPECT_EQ(HostPathsOfPod(r.pod), HostPathMounts(true, false));
  EXPECT_THAT(r.pod.dump(), Not(HasSubstr(kToken)));
  EXPECT_EQ(r.secret["data"]["token"], absl::Base64Escape(kToken));
}

}  // namespace
}  // namespace cvm::resources
